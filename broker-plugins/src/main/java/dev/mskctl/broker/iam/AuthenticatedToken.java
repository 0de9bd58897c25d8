package dev.mskctl.broker.iam;

import java.time.Instant;

/** A token that passed validation: the principal it proves and when it stops being valid. */
public record AuthenticatedToken(String principalArn, String accessKeyId, Instant issuedAt, Instant expiresAt) {
}
