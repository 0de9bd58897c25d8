package dev.mskctl.broker.iam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * IAM semantics the review of 2026-12 found missing (issue 17): cluster-policy principals with
 * account delegation, conditions, permissions boundaries and session policies. Every case
 * here fails on the evaluator before the issue.
 */
class IamFidelityTest {
    static final String ACCOUNT = "123456789012";
    static final String ALICE = "arn:aws:iam::123456789012:user/alice";
    static final String SESSION = "arn:aws:sts::123456789012:assumed-role/Producer/app-1";
    static final String ROLE = "arn:aws:iam::123456789012:role/Producer";
    static final String CLUSTER = "arn:aws:kafka:us-east-1:123456789012:cluster/demo/uuid-1";
    static final String TOPIC = "arn:aws:kafka:us-east-1:123456789012:topic/demo/uuid-1/orders";
    static final String CONNECT = "kafka-cluster:Connect";
    static final String WRITE = "kafka-cluster:WriteData";
    static final Instant NOW = Instant.parse("2026-12-05T12:00:00Z");
    static final String ALLOW_ALL = policy("{\"Effect\":\"Allow\",\"Action\":\"kafka-cluster:*\",\"Resource\":\"*\"}");

    static String policy(String... statements) {
        return "{\"Version\":\"2012-10-17\",\"Statement\":[" + String.join(",", statements) + "]}";
    }

    static String cluster(String principal, String effect) {
        return policy("{\"Effect\":\"" + effect + "\",\"Principal\":" + principal
                + ",\"Action\":\"kafka-cluster:*\",\"Resource\":\"*\"}");
    }

    static IamPolicyEvaluator.Inputs inputs(String principal, List<String> identity, String clusterPolicy) {
        return new IamPolicyEvaluator.Inputs(principal, identity, Optional.ofNullable(clusterPolicy), Optional.empty(),
                List.of(), Map.of(), Map.of(), Optional.empty());
    }

    static PolicyDecision decide(IamPolicyEvaluator.Inputs inputs, String action, String resource) {
        return new IamPolicyEvaluator(inputs, CLUSTER).evaluate(action, resource,
                IamPolicyEvaluator.RequestContext.at("10.1.2.3", NOW));
    }

    // ---- principals ---------------------------------------------------------------------------
    @Test
    void anAccountPrincipalOnlyDelegatesToTheAccount() {
        for (String account : List.of("\"" + ACCOUNT + "\"", "\"arn:aws:iam::" + ACCOUNT + ":root\"")) {
            String clusterPolicy = cluster("{\"AWS\":" + account + "}", "Allow");
            PolicyDecision alone = decide(inputs(ALICE, List.of(), clusterPolicy), WRITE, TOPIC);
            assertFalse(alone.allowed(), account);
            assertTrue(alone.reason().contains("delegates"), alone.reason());
            String identity = policy("{\"Effect\":\"Allow\",\"Action\":\"" + WRITE + "\",\"Resource\":\"" + TOPIC + "\"}");
            assertTrue(decide(inputs(ALICE, List.of(identity), clusterPolicy), WRITE, TOPIC).allowed(), account);
        }
    }

    @Test
    void crossAccountAccessNeedsBothTheClusterPolicyAndTheCallersAccount() {
        String other = "arn:aws:iam::210987654321:role/client";
        String toAccount = cluster("{\"AWS\":\"arn:aws:iam::210987654321:root\"}", "Allow");
        assertFalse(decide(inputs(other, List.of(), toAccount), WRITE, TOPIC).allowed());
        assertFalse(decide(inputs(other, List.of(ALLOW_ALL), null), WRITE, TOPIC).allowed());
        assertTrue(decide(inputs(other, List.of(ALLOW_ALL), toAccount), WRITE, TOPIC).allowed());
        String toRole = cluster("{\"AWS\":\"" + other + "\"}", "Allow");
        assertFalse(decide(inputs(other, List.of(), toRole), WRITE, TOPIC).allowed());
    }

    @Test
    void anAccountPrincipalDenyStillDeniesEveryoneInIt() {
        String clusterPolicy = cluster("{\"AWS\":\"" + ACCOUNT + "\"}", "Deny");
        assertEquals(PolicyDecision.Effect.EXPLICIT_DENY,
                decide(inputs(ALICE, List.of(ALLOW_ALL), clusterPolicy), WRITE, TOPIC).effect());
    }

    @Test
    void userRoleSessionAndStarPrincipalsGrantOnTheirOwn() {
        assertTrue(decide(inputs(ALICE, List.of(), cluster("{\"AWS\":\"" + ALICE + "\"}", "Allow")), WRITE, TOPIC)
                .allowed());
        assertTrue(decide(inputs(SESSION, List.of(), cluster("{\"AWS\":\"" + ROLE + "\"}", "Allow")), WRITE, TOPIC)
                .allowed());
        assertTrue(decide(inputs(SESSION, List.of(), cluster("{\"AWS\":\"" + SESSION + "\"}", "Allow")), WRITE, TOPIC)
                .allowed());
        assertTrue(decide(inputs(ALICE, List.of(), cluster("\"*\"", "Allow")), WRITE, TOPIC).allowed());
        assertTrue(decide(inputs(ALICE, List.of(), cluster("{\"AWS\":\"*\"}", "Allow")), WRITE, TOPIC).allowed());
        assertFalse(decide(inputs(ALICE, List.of(), cluster("{\"AWS\":\"" + ROLE + "\"}", "Allow")), WRITE, TOPIC)
                .allowed());
    }

    @Test
    void aRoleWithAPathNamesItsSessions() {
        String withPath = "arn:aws:iam::123456789012:role/teams/payments/Producer";
        assertTrue(decide(inputs(SESSION, List.of(), cluster("{\"AWS\":\"" + withPath + "\"}", "Allow")), WRITE, TOPIC)
                .allowed());
    }

    @Test
    void serviceAndNotPrincipalStatementsNoLongerLockEveryoneOut() {
        String firehose = policy("{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"firehose.amazonaws.com\"},"
                + "\"Action\":[\"kafka-cluster:*\"],\"Resource\":\"*\"}");
        PolicyDecision viaIdentity = decide(inputs(ALICE, List.of(ALLOW_ALL), firehose), CONNECT, CLUSTER);
        assertTrue(viaIdentity.allowed(), viaIdentity.reason());
        // A Service principal never names an IAM user: it grants Alice nothing.
        assertFalse(decide(inputs(ALICE, List.of(), firehose), CONNECT, CLUSTER).allowed());

        String denyAllBut = policy("{\"Effect\":\"Deny\",\"NotPrincipal\":{\"AWS\":\"" + ALICE + "\"},"
                + "\"Action\":\"kafka-cluster:*\",\"Resource\":\"*\"}");
        assertTrue(decide(inputs(ALICE, List.of(ALLOW_ALL), denyAllBut), WRITE, TOPIC).allowed());
        assertEquals(PolicyDecision.Effect.EXPLICIT_DENY,
                decide(inputs(SESSION, List.of(ALLOW_ALL), denyAllBut), WRITE, TOPIC).effect());
        String allowAllBut = denyAllBut.replace("Deny", "Allow");
        assertTrue(decide(inputs(SESSION, List.of(), allowAllBut), WRITE, TOPIC).allowed());
        assertFalse(decide(inputs(ALICE, List.of(), allowAllBut), WRITE, TOPIC).allowed());
    }

    // ---- conditions ---------------------------------------------------------------------------
    static IamPolicyEvaluator.Inputs tagged(String principal, List<String> identity, Map<String, String> tags) {
        return new IamPolicyEvaluator.Inputs(principal, identity, Optional.empty(), Optional.empty(), List.of(), tags,
                Map.of("team", "payments"), Optional.empty());
    }

    static String conditional(String effect, String action, String resource, String condition) {
        return policy("{\"Effect\":\"" + effect + "\",\"Action\":\"" + action + "\",\"Resource\":\"" + resource
                + "\",\"Condition\":" + condition + "}");
    }

    @Test
    void resourceTagConditionsApplyToTheClusterOnly() {
        String byTag = conditional("Allow", "kafka-cluster:*", "*", "{\"StringEquals\":{\"aws:ResourceTag/env\":\"dev\"}}");
        assertTrue(decide(tagged(ALICE, List.of(byTag), Map.of("env", "dev")), CONNECT, CLUSTER).allowed());
        assertFalse(decide(tagged(ALICE, List.of(byTag), Map.of("env", "prod")), CONNECT, CLUSTER).allowed());
        // MSK: the tag key "will only apply to the cluster resource, not topics, groups and transactional IDs".
        assertFalse(decide(tagged(ALICE, List.of(byTag), Map.of("env", "dev")), WRITE, TOPIC).allowed());
        String denyUnlessDev = conditional("Deny", "kafka-cluster:*", "*",
                "{\"StringNotEquals\":{\"aws:ResourceTag/env\":\"dev\"}}");
        // Absent key (a topic): a negated operator holds, so the Deny applies, as in IAM.
        assertEquals(PolicyDecision.Effect.EXPLICIT_DENY,
                decide(tagged(ALICE, List.of(ALLOW_ALL, denyUnlessDev), Map.of("env", "dev")), WRITE, TOPIC).effect());
        assertTrue(decide(tagged(ALICE, List.of(ALLOW_ALL, denyUnlessDev), Map.of("env", "dev")), CONNECT, CLUSTER)
                .allowed());
        // …IfExists: an absent key makes the condition true.
        String ifExists = byTag.replace("StringEquals", "StringEqualsIfExists");
        assertTrue(decide(tagged(ALICE, List.of(ifExists), Map.of("env", "dev")), WRITE, TOPIC).allowed());
        assertFalse(decide(tagged(ALICE, List.of(ifExists), Map.of("env", "prod")), CONNECT, CLUSTER).allowed());
    }

    @Test
    void principalKeys() {
        String byArn = conditional("Allow", "kafka-cluster:*", "*", "{\"ArnLike\":{\"aws:PrincipalArn\":"
                + "\"arn:aws:iam::*:role/Prod*\"}}");
        assertTrue(decide(tagged(SESSION, List.of(byArn), Map.of()), WRITE, TOPIC).allowed(), "session → role ARN");
        assertFalse(decide(tagged(ALICE, List.of(byArn), Map.of()), WRITE, TOPIC).allowed());
        String byAccount = conditional("Allow", "kafka-cluster:*", "*",
                "{\"StringEquals\":{\"aws:PrincipalAccount\":\"" + ACCOUNT + "\"}}");
        assertTrue(decide(tagged(ALICE, List.of(byAccount), Map.of()), WRITE, TOPIC).allowed());
        String otherAccount = byAccount.replace(ACCOUNT, "999999999999");
        assertFalse(decide(tagged(ALICE, List.of(otherAccount), Map.of()), WRITE, TOPIC).allowed());
        String byPrincipalTag = conditional("Allow", "kafka-cluster:*", "*",
                "{\"StringEqualsIgnoreCase\":{\"aws:PrincipalTag/Team\":\"PAYMENTS\"}}");
        assertTrue(decide(tagged(ALICE, List.of(byPrincipalTag), Map.of()), WRITE, TOPIC).allowed());
    }

    @Test
    void sourceIpSecureTransportAndCurrentTime() {
        String fromVpc = conditional("Allow", "kafka-cluster:*", "*", "{\"IpAddress\":{\"aws:SourceIp\":"
                + "[\"10.0.0.0/8\",\"2001:db8::/32\"]}}");
        assertTrue(decide(tagged(ALICE, List.of(fromVpc), Map.of()), WRITE, TOPIC).allowed());
        IamPolicyEvaluator evaluator = new IamPolicyEvaluator(tagged(ALICE, List.of(fromVpc), Map.of()), CLUSTER);
        assertFalse(evaluator.evaluate(WRITE, TOPIC, IamPolicyEvaluator.RequestContext.at("192.168.1.1", NOW)).allowed());
        assertTrue(evaluator.evaluate(WRITE, TOPIC, IamPolicyEvaluator.RequestContext.at("2001:db8::7", NOW)).allowed());
        // At authentication Kafka gives no address: decided with the first request instead.
        assertTrue(evaluator.evaluate(CONNECT, CLUSTER, IamPolicyEvaluator.RequestContext.authentication(NOW)).allowed());
        String denyOutside = conditional("Deny", "kafka-cluster:*", "*",
                "{\"NotIpAddress\":{\"aws:SourceIp\":\"10.0.0.0/8\"}}");
        IamPolicyEvaluator guard = new IamPolicyEvaluator(tagged(ALICE, List.of(ALLOW_ALL, denyOutside), Map.of()),
                CLUSTER);
        assertEquals(PolicyDecision.Effect.EXPLICIT_DENY,
                guard.evaluate(WRITE, TOPIC, IamPolicyEvaluator.RequestContext.at("127.0.0.1", NOW)).effect());
        assertTrue(guard.evaluate(CONNECT, CLUSTER, IamPolicyEvaluator.RequestContext.authentication(NOW)).allowed());

        String tlsOnly = conditional("Deny", "kafka-cluster:*", "*", "{\"Bool\":{\"aws:SecureTransport\":\"false\"}}");
        assertTrue(decide(tagged(ALICE, List.of(ALLOW_ALL, tlsOnly), Map.of()), WRITE, TOPIC).allowed());

        String until = conditional("Allow", "kafka-cluster:*", "*",
                "{\"DateLessThan\":{\"aws:CurrentTime\":\"2026-12-31T00:00:00Z\"}}");
        IamPolicyEvaluator timed = new IamPolicyEvaluator(tagged(ALICE, List.of(until), Map.of()), CLUSTER);
        assertTrue(timed.timeDependent());
        assertTrue(timed.evaluate(WRITE, TOPIC, IamPolicyEvaluator.RequestContext.at(null, NOW)).allowed());
        assertFalse(timed.evaluate(WRITE, TOPIC, IamPolicyEvaluator.RequestContext.at(null,
                Instant.parse("2027-01-01T00:00:00Z"))).allowed());
        String epoch = until.replace("DateLessThan", "NumericLessThan").replace("aws:CurrentTime", "aws:EpochTime")
                .replace("2026-12-31T00:00:00Z", Long.toString(NOW.getEpochSecond() + 1));
        assertTrue(decide(tagged(ALICE, List.of(epoch), Map.of()), WRITE, TOPIC).allowed());
    }

    @Test
    void nullAndSetOperators() {
        String noOrg = conditional("Allow", "kafka-cluster:*", "*", "{\"Null\":{\"aws:ResourceTag/env\":\"true\"}}");
        assertTrue(decide(tagged(ALICE, List.of(noOrg), Map.of()), WRITE, TOPIC).allowed());
        assertFalse(decide(tagged(ALICE, List.of(noOrg), Map.of("env", "x")), CONNECT, CLUSTER).allowed());
        String anyValue = conditional("Allow", "kafka-cluster:*", "*",
                "{\"ForAnyValue:StringLike\":{\"aws:PrincipalTag/team\":[\"pay*\",\"ops\"]}}");
        assertTrue(decide(tagged(ALICE, List.of(anyValue), Map.of()), WRITE, TOPIC).allowed());
    }

    @Test
    void unsupportedConditionsFailClosedAndAreNamed() {
        for (String condition : List.of("{\"StringLike\":{\"kafka-cluster:topicName\":\"orders\"}}",
                "{\"StringEquals\":{\"aws:PrincipalOrgID\":\"o-123\"}}",
                "{\"BinaryEquals\":{\"aws:PrincipalArn\":\"AA==\"}}")) {
            String allow = conditional("Allow", "kafka-cluster:*", "*", condition);
            IamPolicyEvaluator evaluator = new IamPolicyEvaluator(tagged(ALICE, List.of(allow), Map.of()), CLUSTER);
            assertFalse(evaluator.evaluate(WRITE, TOPIC, IamPolicyEvaluator.RequestContext.at("10.0.0.1", NOW))
                    .allowed(), condition);
            assertEquals(1, evaluator.unsupported().size(), condition);
            String named = evaluator.unsupported().iterator().next();
            assertTrue(named.contains("identity policy 1 statement #1"), named);
            assertTrue(named.contains("topicName") || named.contains("PrincipalOrgID") || named.contains("BinaryEquals"),
                    named);
            String deny = allow.replace("\"Allow\"", "\"Deny\"");
            PolicyDecision denied = decide(tagged(ALICE, List.of(ALLOW_ALL, deny), Map.of()), WRITE, TOPIC);
            assertEquals(PolicyDecision.Effect.EXPLICIT_DENY, denied.effect(), condition);
            assertTrue(denied.reason().contains("fails closed"), denied.reason());
        }
        String topicName = new IamPolicyEvaluator(tagged(ALICE, List.of(conditional("Allow", "*", "*",
                "{\"StringLike\":{\"kafka-cluster:topicName\":\"orders\"}}")), Map.of()), CLUSTER).unsupported()
                .iterator().next();
        assertTrue(topicName.contains("not a key MSK documents"), topicName);
    }

    // ---- permission boundaries and session policies ------------------------------------------
    static IamPolicyEvaluator.Inputs limited(String principal, String clusterPolicy, String boundary,
                                             List<String> session) {
        return new IamPolicyEvaluator.Inputs(principal, List.of(ALLOW_ALL), Optional.ofNullable(clusterPolicy),
                Optional.ofNullable(boundary), session, Map.of(), Map.of(), Optional.empty());
    }

    static final String ONLY_CONNECT = policy("{\"Effect\":\"Allow\",\"Action\":\"" + CONNECT + "\",\"Resource\":\"*\"}");

    @Test
    void thePermissionsBoundaryLimitsIdentityPolicies() {
        assertTrue(decide(limited(ALICE, null, ONLY_CONNECT, List.of()), CONNECT, CLUSTER).allowed());
        PolicyDecision write = decide(limited(ALICE, null, ONLY_CONNECT, List.of()), WRITE, TOPIC);
        assertFalse(write.allowed());
        assertTrue(write.reason().contains("permissions boundary"), write.reason());
        String denyInBoundary = policy("{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}",
                "{\"Effect\":\"Deny\",\"Action\":\"" + CONNECT + "\",\"Resource\":\"*\"}");
        assertEquals(PolicyDecision.Effect.EXPLICIT_DENY,
                decide(limited(ALICE, null, denyInBoundary, List.of()), CONNECT, CLUSTER).effect());
    }

    @Test
    void sessionPoliciesLimitTheRoleSession() {
        assertTrue(decide(limited(SESSION, null, null, List.of(ONLY_CONNECT)), CONNECT, CLUSTER).allowed());
        PolicyDecision write = decide(limited(SESSION, null, null, List.of(ONLY_CONNECT)), WRITE, TOPIC);
        assertFalse(write.allowed());
        assertTrue(write.reason().contains("session policy"), write.reason());
    }

    @Test
    void clusterPolicyGrantsAreLimitedAsIamDocuments() {
        // Naming the user ARN: not limited by the user's boundary.
        String toAlice = cluster("{\"AWS\":\"" + ALICE + "\"}", "Allow");
        assertTrue(decide(limited(ALICE, toAlice, ONLY_CONNECT, List.of()), WRITE, TOPIC).allowed());
        // Naming the role ARN: limited by the session policy; naming the session: not.
        String toRole = cluster("{\"AWS\":\"" + ROLE + "\"}", "Allow");
        IamPolicyEvaluator.Inputs roleOnly = new IamPolicyEvaluator.Inputs(SESSION, List.of(), Optional.of(toRole),
                Optional.empty(), List.of(ONLY_CONNECT), Map.of(), Map.of(), Optional.empty());
        assertFalse(decide(roleOnly, WRITE, TOPIC).allowed());
        String toSession = cluster("{\"AWS\":\"" + SESSION + "\"}", "Allow");
        IamPolicyEvaluator.Inputs sessionNamed = new IamPolicyEvaluator.Inputs(SESSION, List.of(),
                Optional.of(toSession), Optional.empty(), List.of(ONLY_CONNECT), Map.of(), Map.of(), Optional.empty());
        assertTrue(decide(sessionNamed, WRITE, TOPIC).allowed());
    }
}
