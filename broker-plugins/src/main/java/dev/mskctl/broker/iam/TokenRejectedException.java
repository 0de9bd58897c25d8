package dev.mskctl.broker.iam;

/** An MSK IAM token that must not authenticate; the message says why, never the token. */
public final class TokenRejectedException extends Exception {
    public TokenRejectedException(String reason) {
        super(reason);
    }
}
