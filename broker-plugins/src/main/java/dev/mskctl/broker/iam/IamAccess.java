package dev.mskctl.broker.iam;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Decides MSK IAM checks for principals, caching per principal for {@link LocalAwsApi#POLICY_TTL}:
 * the policies and every decision made from them, so the hot path (Produce, Fetch) is a map
 * lookup and a policy change still applies within seconds.
 */
public final class IamAccess {
    private record Entry(IamPolicyEvaluator evaluator, Map<MskIamActions.Check, PolicyDecision> decisions,
                         Instant expires) {
    }

    private final LocalAwsApi api;
    private final MskIamActions actions;
    private final Clock clock;
    private final Map<String, Entry> principals = new ConcurrentHashMap<>();

    public IamAccess(LocalAwsApi api, MskIamActions actions, Clock clock) {
        this.api = api;
        this.actions = actions;
        this.clock = clock;
    }

    public MskIamActions actions() {
        return actions;
    }

    public PolicyDecision connectDecision(String principalArn) {
        return decide(principalArn, List.of(actions.connect()));
    }

    /** Allowed only when every check is; a denial names the first check that failed. */
    public PolicyDecision decide(String principalArn, List<MskIamActions.Check> checks) {
        Entry entry;
        try {
            entry = entry(principalArn);
        } catch (IdentityDirectory.DirectoryUnavailableException e) {
            return new PolicyDecision(PolicyDecision.Effect.IMPLICIT_DENY, e.getMessage());
        }
        PolicyDecision last = PolicyDecision.implicitDeny();
        for (MskIamActions.Check check : checks) {
            PolicyDecision decision = entry.decisions().computeIfAbsent(check,
                    c -> entry.evaluator().evaluate(c.action(), c.resourceArn()));
            if (!decision.allowed()) {
                return new PolicyDecision(decision.effect(),
                        check.action() + " on " + check.resourceArn() + ": " + decision.reason());
            }
            last = decision;
        }
        return last;
    }

    private Entry entry(String principalArn) throws IdentityDirectory.DirectoryUnavailableException {
        Instant now = clock.instant();
        Entry cached = principals.get(principalArn);
        if (cached != null && now.isBefore(cached.expires())) {
            return cached;
        }
        LocalAwsApi.Policies policies = api.policies(principalArn);
        Entry fresh = new Entry(
                new IamPolicyEvaluator(principalArn, policies.identityPolicies(), policies.clusterPolicy()),
                new ConcurrentHashMap<>(), now.plus(LocalAwsApi.POLICY_TTL));
        principals.put(principalArn, fresh);
        return fresh;
    }
}
