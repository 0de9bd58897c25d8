package dev.mskctl.broker.iam;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The broker's IAM decisions without a broker: {@link MskIamActions} and {@link IamPolicyEvaluator}
 * applied to a batch of Kafka authorizations, so policies written elsewhere (Terraform modules,
 * access-as-code) are judged by exactly the model the local MSK enforces. One JVM per batch.
 *
 * <p>stdin: {@code {"cases": [{"id", "clusterArn", "principalArn", "identityPolicies": [doc...],
 * "clusterPolicy": doc|null, "authorizations": [{"operation", "resourceType", "name"}...]}]}};
 * stdout: per case and authorization, allowed or not and every MSK check with its decision.
 * As in the broker, an authorization is allowed only when all of its checks are.
 */
public final class IamDecisions {
    private static final ObjectMapper JSON = new ObjectMapper();

    private IamDecisions() {
    }

    public static void main(String[] args) throws IOException {
        JsonNode input = JSON.readTree(System.in);
        System.out.println(JSON.writeValueAsString(decide(input)));
    }

    static ObjectNode decide(JsonNode input) {
        ObjectNode out = JSON.createObjectNode();
        ArrayNode cases = out.putArray("cases");
        for (JsonNode item : required(input, "cases")) {
            cases.add(decideCase(item));
        }
        return out;
    }

    private static ObjectNode decideCase(JsonNode item) {
        MskIamActions actions = new MskIamActions(required(item, "clusterArn").asText());
        List<String> identity = new ArrayList<>();
        for (JsonNode policy : required(item, "identityPolicies")) {
            identity.add(policy.toString());
        }
        JsonNode clusterPolicy = item.path("clusterPolicy");
        IamPolicyEvaluator evaluator = new IamPolicyEvaluator(required(item, "principalArn").asText(), identity,
                clusterPolicy.isObject() ? Optional.of(clusterPolicy.toString()) : Optional.empty());
        ObjectNode out = JSON.createObjectNode();
        out.put("id", item.path("id").asText());
        ArrayNode decisions = out.putArray("decisions");
        for (JsonNode authorization : required(item, "authorizations")) {
            decisions.add(decideOne(actions, evaluator, authorization));
        }
        return out;
    }

    private static ObjectNode decideOne(MskIamActions actions, IamPolicyEvaluator evaluator, JsonNode authorization) {
        String operation = required(authorization, "operation").asText();
        String type = required(authorization, "resourceType").asText();
        String name = required(authorization, "name").asText();
        ObjectNode out = JSON.createObjectNode();
        out.put("operation", operation).put("resourceType", type).put("name", name);
        ArrayNode checks = out.putArray("checks");
        Optional<List<MskIamActions.Check>> mapped = actions.checks(operation, type, name);
        boolean allowed = mapped.isPresent();
        for (MskIamActions.Check check : mapped.orElse(List.of())) {
            PolicyDecision decision = evaluator.evaluate(check.action(), check.resourceArn());
            allowed &= decision.allowed();
            checks.addObject().put("action", check.action()).put("resource", check.resourceArn())
                    .put("allowed", decision.allowed()).put("reason", decision.reason());
        }
        out.put("allowed", allowed);
        if (mapped.isEmpty()) {
            out.put("reason", "MSK IAM has no action for " + operation + " on " + type);
        }
        return out;
    }

    private static JsonNode required(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw new IllegalArgumentException("missing \"" + field + "\" in " + node);
        }
        return value;
    }
}
