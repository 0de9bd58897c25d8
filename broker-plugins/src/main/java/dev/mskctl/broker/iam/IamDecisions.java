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
 * "clusterPolicy": doc|null, "authorizations": [{"operation", "resourceType", "name"}...]}]}}, and
 * optionally per case {@code "permissionsBoundary": doc, "sessionPolicies": [doc...],
 * "clusterTags": {k: v}, "principalTags": {k: v}, "sourceIp": "…"}; the resource type
 * {@code ANY_TOPIC} stands for Kafka's authorizeByResourceType (WRITE on any topic, which lets an
 * idempotent producer in without IDEMPOTENT_WRITE). stdout: per case and authorization, allowed
 * or not and every MSK check with its decision. As in the broker, an authorization is allowed
 * only when all of its checks are.
 *
 * <p>With {@code --features}: what the model evaluates (condition operators and keys, principal
 * kinds, policy types), for the documentation's feature table and its test.
 */
public final class IamDecisions {
    private static final ObjectMapper JSON = new ObjectMapper();

    private IamDecisions() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length == 1 && args[0].equals("--features")) {
            System.out.println(JSON.writeValueAsString(features()));
            return;
        }
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

    /** What the model evaluates, from the constants the evaluation itself uses. */
    static ObjectNode features() {
        ObjectNode out = JSON.createObjectNode();
        IamConditions.OPERATORS.stream().sorted().forEach(out.putArray("conditionOperators")::add);
        IamConditions.MODIFIERS.forEach(out.putArray("conditionOperatorModifiers")::add);
        IamConditions.SUPPORTED_KEYS.stream().sorted().forEach(out.putArray("conditionKeys")::add);
        IamConditions.SUPPORTED_KEY_PREFIXES.forEach(out.putArray("conditionKeyPrefixes")::add);
        IamPolicyEvaluator.PRINCIPAL_KINDS.forEach(out.putArray("principalKinds")::add);
        IamPolicyEvaluator.POLICY_TYPES.forEach(out.putArray("policyTypes")::add);
        return out;
    }

    private static ObjectNode decideCase(JsonNode item) {
        MskIamActions actions = new MskIamActions(required(item, "clusterArn").asText());
        List<String> identity = new ArrayList<>();
        for (JsonNode policy : required(item, "identityPolicies")) {
            identity.add(policy.toString());
        }
        JsonNode clusterPolicy = item.path("clusterPolicy");
        JsonNode boundary = item.path("permissionsBoundary");
        List<String> session = new ArrayList<>();
        item.path("sessionPolicies").forEach(p -> session.add(p.toString()));
        IamPolicyEvaluator.Inputs inputs = new IamPolicyEvaluator.Inputs(required(item, "principalArn").asText(),
                identity, clusterPolicy.isObject() ? Optional.of(clusterPolicy.toString()) : Optional.empty(),
                boundary.isObject() ? Optional.of(boundary.toString()) : Optional.empty(), session,
                strings(item.path("clusterTags")), strings(item.path("principalTags")), Optional.empty());
        IamPolicyEvaluator evaluator = new IamPolicyEvaluator(inputs, actions.clusterArn());
        IamPolicyEvaluator.RequestContext context = IamPolicyEvaluator.RequestContext.at(
                item.hasNonNull("sourceIp") ? item.get("sourceIp").asText() : null, null);
        ObjectNode out = JSON.createObjectNode();
        out.put("id", item.path("id").asText());
        ArrayNode decisions = out.putArray("decisions");
        for (JsonNode authorization : required(item, "authorizations")) {
            decisions.add(decideOne(actions, evaluator, context, authorization));
        }
        return out;
    }

    private static java.util.Map<String, String> strings(JsonNode object) {
        java.util.Map<String, String> out = new java.util.HashMap<>();
        object.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }

    private static ObjectNode decideOne(MskIamActions actions, IamPolicyEvaluator evaluator,
                                        IamPolicyEvaluator.RequestContext context, JsonNode authorization) {
        String operation = required(authorization, "operation").asText();
        String type = required(authorization, "resourceType").asText();
        String name = required(authorization, "name").asText();
        ObjectNode out = JSON.createObjectNode();
        out.put("operation", operation).put("resourceType", type).put("name", name);
        ArrayNode checks = out.putArray("checks");
        Optional<List<MskIamActions.Check>> mapped = type.equals("ANY_TOPIC")
                ? (operation.equals("WRITE") ? Optional.of(actions.writeOnAnyTopic()) : Optional.empty())
                : actions.checks(operation, type, name);
        boolean allowed = mapped.isPresent();
        for (MskIamActions.Check check : mapped.orElse(List.of())) {
            PolicyDecision decision = evaluator.evaluate(check.action(), check.resourceArn(), context);
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
