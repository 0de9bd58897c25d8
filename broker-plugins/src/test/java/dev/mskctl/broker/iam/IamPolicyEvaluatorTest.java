package dev.mskctl.broker.iam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class IamPolicyEvaluatorTest {
    static final String ALICE = "arn:aws:iam::123456789012:user/alice";
    static final String SESSION = "arn:aws:sts::123456789012:assumed-role/Producer/app-1";
    static final String TOPIC = "arn:aws:kafka:us-east-1:123456789012:topic/demo/uuid-1/orders";
    static final String OTHER_TOPIC = "arn:aws:kafka:us-east-1:123456789012:topic/demo/uuid-1/payments";

    static PolicyDecision.Effect decide(String policy, String action, String resource) {
        return new IamPolicyEvaluator(ALICE, List.of(policy), Optional.empty()).evaluate(action, resource).effect();
    }

    static String allow(String action, String resource) {
        return "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":" + action
                + ",\"Resource\":" + resource + "}]}";
    }

    @Test
    void exactActionAndResourceAllow() {
        String policy = allow("\"kafka-cluster:WriteData\"", "\"" + TOPIC + "\"");
        assertEquals(PolicyDecision.Effect.ALLOW, decide(policy, "kafka-cluster:WriteData", TOPIC));
        assertEquals(PolicyDecision.Effect.IMPLICIT_DENY, decide(policy, "kafka-cluster:WriteData", OTHER_TOPIC));
        assertEquals(PolicyDecision.Effect.IMPLICIT_DENY, decide(policy, "kafka-cluster:ReadData", TOPIC));
    }

    @Test
    void wildcardsInActionsAndResources() {
        String policy = allow("[\"kafka-cluster:*Topic\",\"kafka-cluster:Read?ata\"]",
                "\"arn:aws:kafka:us-east-1:123456789012:topic/demo/*/ord*\"");
        assertEquals(PolicyDecision.Effect.ALLOW, decide(policy, "kafka-cluster:DescribeTopic", TOPIC));
        assertEquals(PolicyDecision.Effect.ALLOW, decide(policy, "kafka-cluster:ReadData", TOPIC));
        // *Topic does not cover the dynamic-configuration actions, as MSK documents
        assertEquals(PolicyDecision.Effect.IMPLICIT_DENY,
                decide(policy, "kafka-cluster:DescribeTopicDynamicConfiguration", TOPIC));
        assertEquals(PolicyDecision.Effect.IMPLICIT_DENY, decide(policy, "kafka-cluster:ReadData", OTHER_TOPIC));
    }

    @Test
    void actionsMatchCaseInsensitivelyResourcesCaseSensitively() {
        String policy = allow("\"KAFKA-CLUSTER:writedata\"", "\"" + TOPIC + "\"");
        assertEquals(PolicyDecision.Effect.ALLOW, decide(policy, "kafka-cluster:WriteData", TOPIC));
        assertEquals(PolicyDecision.Effect.IMPLICIT_DENY,
                decide(policy, "kafka-cluster:WriteData", TOPIC.replace("orders", "Orders")));
    }

    @Test
    void explicitDenyBeatsAllowAcrossPolicies() {
        String allowAll = allow("\"kafka-cluster:*\"", "\"*\"");
        String deny = "{\"Statement\":{\"Sid\":\"NoOrders\",\"Effect\":\"Deny\",\"Action\":\"kafka-cluster:WriteData\","
                + "\"Resource\":\"" + TOPIC + "\"}}";
        IamPolicyEvaluator evaluator = new IamPolicyEvaluator(ALICE, List.of(allowAll, deny), Optional.empty());
        PolicyDecision decision = evaluator.evaluate("kafka-cluster:WriteData", TOPIC);
        assertEquals(PolicyDecision.Effect.EXPLICIT_DENY, decision.effect());
        assertTrue(decision.reason().contains("NoOrders"), decision.reason());
        assertTrue(evaluator.evaluate("kafka-cluster:WriteData", OTHER_TOPIC).allowed());
    }

    @Test
    void notActionAndNotResource() {
        String policy = "{\"Statement\":[{\"Effect\":\"Allow\",\"NotAction\":\"kafka-cluster:Delete*\","
                + "\"NotResource\":\"" + OTHER_TOPIC + "\"}]}";
        assertEquals(PolicyDecision.Effect.ALLOW, decide(policy, "kafka-cluster:WriteData", TOPIC));
        assertEquals(PolicyDecision.Effect.IMPLICIT_DENY, decide(policy, "kafka-cluster:DeleteTopic", TOPIC));
        assertEquals(PolicyDecision.Effect.IMPLICIT_DENY, decide(policy, "kafka-cluster:WriteData", OTHER_TOPIC));
    }

    @Test
    void conditionsOnKeysAbsentFromTheRequestFollowIam() {
        // Without a request context (IamDecisions), aws:SourceIp is absent: IpAddress fails, NotIpAddress holds.
        String conditional = "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\","
                + "\"Condition\":{\"IpAddress\":{\"aws:SourceIp\":\"10.0.0.0/8\"}}}]}";
        assertEquals(PolicyDecision.Effect.IMPLICIT_DENY, decide(conditional, "kafka-cluster:Connect", TOPIC));
        String denyConditional = conditional.replace("Allow", "Deny").replace("IpAddress", "NotIpAddress");
        IamPolicyEvaluator evaluator = new IamPolicyEvaluator(ALICE,
                List.of(allow("\"*\"", "\"*\""), denyConditional), Optional.empty());
        assertEquals(PolicyDecision.Effect.EXPLICIT_DENY, evaluator.evaluate("kafka-cluster:Connect", TOPIC).effect());
    }

    @Test
    void unreadablePolicyDeniesEverything() {
        IamPolicyEvaluator evaluator = new IamPolicyEvaluator(ALICE,
                List.of(allow("\"*\"", "\"*\""), "{not json"), Optional.empty());
        PolicyDecision decision = evaluator.evaluate("kafka-cluster:Connect", TOPIC);
        assertEquals(PolicyDecision.Effect.EXPLICIT_DENY, decision.effect());
        assertTrue(decision.reason().contains("unreadable"));
        assertFalse(new IamPolicyEvaluator(ALICE, List.of("{\"Statement\":[{\"Effect\":\"Maybe\"}]}"),
                Optional.empty()).evaluate("kafka-cluster:Connect", TOPIC).allowed());
    }

    @Test
    void clusterPolicyGrantsToNamedPrincipalsOnly() {
        String clusterPolicy = "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":"
                + "[\"arn:aws:iam::123456789012:role/Producer\"]},\"Action\":\"kafka-cluster:*\",\"Resource\":\"*\"}]}";
        assertTrue(new IamPolicyEvaluator(SESSION, List.of(), Optional.of(clusterPolicy))
                .evaluate("kafka-cluster:WriteData", TOPIC).allowed());
        assertFalse(new IamPolicyEvaluator(ALICE, List.of(), Optional.of(clusterPolicy))
                .evaluate("kafka-cluster:WriteData", TOPIC).allowed());
        // An account principal delegates to the account: an identity policy must allow it too.
        String accountWide = clusterPolicy.replace("arn:aws:iam::123456789012:role/Producer", "123456789012");
        assertFalse(new IamPolicyEvaluator(ALICE, List.of(), Optional.of(accountWide))
                .evaluate("kafka-cluster:WriteData", TOPIC).allowed());
    }

    @Test
    void wildcardMatcher() {
        assertTrue(IamPolicyEvaluator.wildcardMatch("a*c?e", "abbbcde", false));
        assertFalse(IamPolicyEvaluator.wildcardMatch("a*c?e", "abbbce", false));
        assertTrue(IamPolicyEvaluator.wildcardMatch("*", "", false));
        assertTrue(IamPolicyEvaluator.wildcardMatch("arn:*/x.y+z(1)", "arn:a/x.y+z(1)", false));
        assertFalse(IamPolicyEvaluator.wildcardMatch("arn:a/x.y", "arn:a/xzy", false));
    }
}
