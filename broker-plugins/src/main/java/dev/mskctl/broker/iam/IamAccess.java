package dev.mskctl.broker.iam;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides MSK IAM checks for principals, caching per principal for {@link LocalAwsApi#POLICY_TTL}:
 * the policies and every decision made from them (per client address, as aws:SourceIp may
 * decide), so the hot path (Produce, Fetch) is a map lookup and a policy change still applies
 * within seconds. Decisions that depend on the time (aws:CurrentTime) are made on every check.
 */
public final class IamAccess {
    private static final Logger LOG = LoggerFactory.getLogger(IamAccess.class);
    private static final Set<String> LOGGED = ConcurrentHashMap.newKeySet();

    private record DecisionKey(MskIamActions.Check check, String sourceIp) {
    }

    private record Entry(IamPolicyEvaluator evaluator, Map<DecisionKey, PolicyDecision> decisions, Instant expires) {
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

    /**
     * Connect at authentication. Kafka's SASL callbacks get no client address, so conditions on
     * aws:SourceIp are left to the first request, which checks Connect again with the address.
     */
    public PolicyDecision connectDecision(String principalArn) {
        return decide(principalArn, List.of(actions.connect()), null, true);
    }

    /** Allowed only when every check is; a denial names the first check that failed. */
    public PolicyDecision decide(String principalArn, List<MskIamActions.Check> checks, String sourceIp) {
        return decide(principalArn, checks, sourceIp, false);
    }

    private PolicyDecision decide(String principalArn, List<MskIamActions.Check> checks, String sourceIp,
                                  boolean authentication) {
        Entry entry;
        try {
            entry = entry(principalArn);
        } catch (IdentityDirectory.DirectoryUnavailableException e) {
            return new PolicyDecision(PolicyDecision.Effect.IMPLICIT_DENY, e.getMessage());
        }
        Instant now = clock.instant();
        IamPolicyEvaluator.RequestContext context = authentication
                ? IamPolicyEvaluator.RequestContext.authentication(now)
                : IamPolicyEvaluator.RequestContext.at(sourceIp, now);
        boolean cache = !authentication && !entry.evaluator().timeDependent();
        PolicyDecision last = PolicyDecision.implicitDeny();
        for (MskIamActions.Check check : checks) {
            PolicyDecision decision = cache
                    ? entry.decisions().computeIfAbsent(new DecisionKey(check, sourceIp),
                        k -> entry.evaluator().evaluate(check.action(), check.resourceArn(), context))
                    : entry.evaluator().evaluate(check.action(), check.resourceArn(), context);
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
        IamPolicyEvaluator evaluator = new IamPolicyEvaluator(policies.inputs(principalArn), actions.clusterArn());
        for (String unsupported : evaluator.unsupported()) {
            // Once per principal and text: the policies are re-read every few seconds.
            if (LOGGED.add(principalArn + "\n" + unsupported) && LOGGED.size() < 10_000) {
                LOG.warn("MSK IAM: {} for {} is not evaluated by the local MSK: the statement fails closed"
                        + " (an Allow does not apply, a Deny does)", unsupported, principalArn);
            }
        }
        Entry fresh = new Entry(evaluator, new ConcurrentHashMap<>(), now.plus(LocalAwsApi.POLICY_TTL));
        principals.put(principalArn, fresh);
        return fresh;
    }
}
