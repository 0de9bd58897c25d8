package dev.mskctl.broker.iam;

import java.util.Optional;

/** Looks up the identity behind an access key id (IAM user keys and STS session credentials). */
@FunctionalInterface
public interface IdentityDirectory {
    Optional<Identity> lookup(String accessKeyId) throws DirectoryUnavailableException;

    /** The directory could not be asked (the local AWS API is down, say). */
    final class DirectoryUnavailableException extends Exception {
        public DirectoryUnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
