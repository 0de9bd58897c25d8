package dev.mskctl.broker.iam;

import java.util.Optional;

/** What the local AWS API knows about an access key: whose it is and its secret. */
public record Identity(String principalArn, String secretAccessKey, Optional<String> sessionToken) {
    @Override
    public String toString() {
        // Never print the secret or the session token.
        return "Identity[" + principalArn + "]";
    }
}
