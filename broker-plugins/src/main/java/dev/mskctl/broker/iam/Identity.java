package dev.mskctl.broker.iam;

import java.time.Instant;
import java.util.Optional;

/**
 * What the local AWS API knows about an access key: whose it is, its secret and, for STS
 * session credentials, their session token and when they expire.
 */
public record Identity(String principalArn, String secretAccessKey, Optional<String> sessionToken,
                       Optional<Instant> credentialExpiry) {
    public Identity(String principalArn, String secretAccessKey, Optional<String> sessionToken) {
        this(principalArn, secretAccessKey, sessionToken, Optional.empty());
    }

    @Override
    public String toString() {
        // Never print the secret or the session token.
        return "Identity[" + principalArn + "]";
    }
}
