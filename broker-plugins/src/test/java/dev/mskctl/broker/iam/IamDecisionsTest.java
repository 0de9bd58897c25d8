package dev.mskctl.broker.iam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class IamDecisionsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String CLUSTER = "arn:aws:kafka:us-east-1:123456789012:cluster/demo/uuid-1";
    static final String TOPIC = "arn:aws:kafka:us-east-1:123456789012:topic/demo/uuid-1/orders";

    static JsonNode run(String identityPolicy, String clusterPolicy, String authorizations) throws Exception {
        String input = "{\"cases\": [{\"id\": \"c1\", \"clusterArn\": \"" + CLUSTER + "\","
                + " \"principalArn\": \"arn:aws:iam::123456789012:role/app\","
                + " \"identityPolicies\": [" + identityPolicy + "], \"clusterPolicy\": " + clusterPolicy + ","
                + " \"authorizations\": " + authorizations + "}]}";
        JsonNode out = IamDecisions.decide(JSON.readTree(input)).get("cases").get(0);
        assertEquals("c1", out.get("id").asText());
        return out.get("decisions");
    }

    static String onCluster(String operation) {
        return "[{\"operation\": \"" + operation + "\", \"resourceType\": \"CLUSTER\", \"name\": \"kafka-cluster\"}]";
    }

    static String statement(String actions, String resource) {
        return "{\"Effect\": \"Allow\", \"Action\": [" + actions + "], \"Resource\": \"" + resource + "\"}";
    }

    static String allow(String actions, String resource) {
        return "{\"Statement\": [" + statement(actions, resource) + "]}";
    }

    @Test
    void aWriteIsAllowedOnlyWithConnectDescribeTopicAndWriteData() throws Exception {
        String write = "[{\"operation\": \"WRITE\", \"resourceType\": \"TOPIC\", \"name\": \"orders\"}]";
        JsonNode denied = run(allow("\"kafka-cluster:WriteData\"", TOPIC), "null", write).get(0);
        assertFalse(denied.get("allowed").asBoolean());
        assertEquals(3, denied.get("checks").size());
        assertEquals("kafka-cluster:Connect", denied.get("checks").get(0).get("action").asText());
        assertFalse(denied.get("checks").get(0).get("allowed").asBoolean());
        assertTrue(denied.get("checks").get(2).get("allowed").asBoolean());

        String policy = "{\"Statement\": [" + statement("\"kafka-cluster:Connect\"", CLUSTER) + ", "
                + statement("\"kafka-cluster:DescribeTopic\", \"kafka-cluster:WriteData\"", TOPIC) + "]}";
        assertTrue(run(policy, "null", write).get(0).get("allowed").asBoolean());
    }

    @Test
    void anIdempotentProducerNeedsWriteDataIdempotentlyOnTheCluster() throws Exception {
        String init = onCluster("IDEMPOTENT_WRITE");
        JsonNode onlyConnect = run(allow("\"kafka-cluster:Connect\"", CLUSTER), "null", init).get(0);
        assertFalse(onlyConnect.get("allowed").asBoolean());
        assertEquals("kafka-cluster:WriteDataIdempotently", onlyConnect.get("checks").get(1).get("action").asText());
        assertEquals(CLUSTER, onlyConnect.get("checks").get(1).get("resource").asText());
        JsonNode granted = run(allow("\"kafka-cluster:Connect\", \"kafka-cluster:WriteDataIdempotently\"", CLUSTER),
                "null", init).get(0);
        assertTrue(granted.get("allowed").asBoolean());
    }

    @Test
    void theClusterPolicyGrantsThePrincipalsItNames() throws Exception {
        String clusterPolicy = "{\"Statement\": [{\"Effect\": \"Allow\", \"Principal\": {\"AWS\": "
                + "[\"arn:aws:iam::123456789012:role/app\"]}, \"Action\": [\"kafka-cluster:Connect\", "
                + "\"kafka-cluster:DescribeCluster\"], \"Resource\": \"" + CLUSTER + "\"}]}";
        String describe = onCluster("DESCRIBE");
        assertTrue(run("", clusterPolicy, describe).get(0).get("allowed").asBoolean());
    }

    @Test
    void anAccountPrincipalInTheClusterPolicyOnlyDelegates() throws Exception {
        String clusterPolicy = "{\"Statement\": [{\"Effect\": \"Allow\", \"Principal\": {\"AWS\": "
                + "\"arn:aws:iam::123456789012:root\"}, \"Action\": \"kafka-cluster:*\", \"Resource\": \"*\"}]}";
        assertFalse(run("", clusterPolicy, onCluster("DESCRIBE")).get(0).get("allowed").asBoolean());
    }

    @Test
    void writeDataOnAllTopicsLetsAnIdempotentProducerIn() throws Exception {
        String anyTopic = "[{\"operation\": \"WRITE\", \"resourceType\": \"ANY_TOPIC\", \"name\": \"*\"}]";
        String allTopics = "{\"Statement\": [" + statement("\"kafka-cluster:Connect\"", CLUSTER) + ", "
                + statement("\"kafka-cluster:WriteData\"", "arn:aws:kafka:us-east-1:123456789012:topic/demo/*") + "]}";
        assertTrue(run(allTopics, "null", anyTopic).get(0).get("allowed").asBoolean());
        String oneTopic = "{\"Statement\": [" + statement("\"kafka-cluster:Connect\"", CLUSTER) + ", "
                + statement("\"kafka-cluster:WriteData\"", TOPIC) + "]}";
        assertFalse(run(oneTopic, "null", anyTopic).get(0).get("allowed").asBoolean());
    }

    @Test
    void featuresNameWhatTheModelEvaluates() {
        JsonNode features = IamDecisions.features();
        assertTrue(features.get("conditionOperators").toString().contains("\"IpAddress\""));
        assertTrue(features.get("conditionKeys").toString().contains("\"aws:sourceip\""));
        assertTrue(features.get("policyTypes").toString().contains("permissions boundary"));
    }

    @Test
    void anAuthorizationMskIamHasNoActionForIsDeniedWithTheReason() throws Exception {
        JsonNode out = run(allow("\"kafka-cluster:*\"", "*"), "null", onCluster("CLUSTER_ACTION")).get(0);
        assertFalse(out.get("allowed").asBoolean());
        assertEquals("MSK IAM has no action for CLUSTER_ACTION on CLUSTER", out.get("reason").asText());
    }

    @Test
    void aMissingFieldIsAnError() {
        assertThrows(IllegalArgumentException.class, () -> IamDecisions.decide(JSON.readTree("{}")));
    }
}
