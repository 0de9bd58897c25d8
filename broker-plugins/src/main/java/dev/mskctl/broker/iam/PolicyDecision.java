package dev.mskctl.broker.iam;

/** The outcome of evaluating IAM policies for one action on one resource, and why. */
public record PolicyDecision(Effect effect, String reason) {
    public enum Effect { ALLOW, EXPLICIT_DENY, IMPLICIT_DENY }

    public boolean allowed() {
        return effect == Effect.ALLOW;
    }

    static PolicyDecision implicitDeny() {
        return new PolicyDecision(Effect.IMPLICIT_DENY, "no statement allows it");
    }
}
