package dev.mskctl.broker.iam;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * IAM policy evaluation for one principal, with IAM's rules: an explicit Deny in any policy
 * wins, else an Allow in an identity policy or in the resource (cluster) policy that names
 * the principal, else implicit deny. Action names match case-insensitively and resources
 * case-sensitively, both with the {@code *} and {@code ?} wildcards; NotAction and
 * NotResource are supported. Conditions are not evaluated: an Allow with a Condition never
 * applies and a Deny with a Condition always does (fail closed), which the reason says.
 * A document that does not parse denies everything (fail closed).
 */
public final class IamPolicyEvaluator {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String principalArn;
    private final List<Statement> identityStatements;
    private final List<Statement> resourceStatements;
    private final Optional<String> brokenDocument;

    public IamPolicyEvaluator(String principalArn, List<String> identityPolicies, Optional<String> resourcePolicy) {
        this.principalArn = principalArn;
        List<Statement> identity = new ArrayList<>();
        List<Statement> resource = new ArrayList<>();
        String broken = null;
        for (int i = 0; i < identityPolicies.size(); i++) {
            try {
                identity.addAll(parse(identityPolicies.get(i), "identity policy " + (i + 1), false));
            } catch (IllegalArgumentException e) {
                broken = "identity policy " + (i + 1) + ": " + e.getMessage();
            }
        }
        if (resourcePolicy.isPresent()) {
            try {
                resource.addAll(parse(resourcePolicy.get(), "cluster policy", true));
            } catch (IllegalArgumentException e) {
                broken = "cluster policy: " + e.getMessage();
            }
        }
        this.identityStatements = identity;
        this.resourceStatements = resource;
        this.brokenDocument = Optional.ofNullable(broken);
    }

    public PolicyDecision evaluate(String action, String resourceArn) {
        if (brokenDocument.isPresent()) {
            return new PolicyDecision(PolicyDecision.Effect.EXPLICIT_DENY, "unreadable policy: " + brokenDocument.get());
        }
        PolicyDecision allow = null;
        for (List<Statement> statements : List.of(identityStatements, resourceStatements)) {
            for (Statement statement : statements) {
                if (!statement.matches(principalArn, action, resourceArn)) {
                    continue;
                }
                if (statement.deny) {
                    return new PolicyDecision(PolicyDecision.Effect.EXPLICIT_DENY, "denied by " + statement.label);
                }
                if (allow == null && !statement.hasCondition) {
                    allow = new PolicyDecision(PolicyDecision.Effect.ALLOW, "allowed by " + statement.label);
                }
            }
        }
        return allow != null ? allow : PolicyDecision.implicitDeny();
    }

    private static List<Statement> parse(String document, String source, boolean resourcePolicy) {
        JsonNode root;
        try {
            root = JSON.readTree(document);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON");
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        JsonNode statements = root.get("Statement");
        if (statements == null) {
            throw new IllegalArgumentException("no Statement");
        }
        List<Statement> out = new ArrayList<>();
        int index = 0;
        for (JsonNode node : statements.isArray() ? statements : List.of(statements)) {
            index++;
            String sid = node.hasNonNull("Sid") ? node.get("Sid").asText() : "#" + index;
            out.add(Statement.of(node, source + " statement " + sid, resourcePolicy));
        }
        return out;
    }

    static boolean wildcardMatch(String pattern, String value, boolean ignoreCase) {
        if (ignoreCase) {
            pattern = pattern.toLowerCase(Locale.ROOT);
            value = value.toLowerCase(Locale.ROOT);
        }
        int p = 0;
        int v = 0;
        int star = -1;
        int mark = 0;
        while (v < value.length()) {
            if (p < pattern.length() && (pattern.charAt(p) == '?' || pattern.charAt(p) == value.charAt(v))) {
                p++;
                v++;
            } else if (p < pattern.length() && pattern.charAt(p) == '*') {
                star = p++;
                mark = v;
            } else if (star >= 0) {
                p = star + 1;
                v = ++mark;
            } else {
                return false;
            }
        }
        while (p < pattern.length() && pattern.charAt(p) == '*') {
            p++;
        }
        return p == pattern.length();
    }

    private static final class Statement {
        final String label;
        final boolean deny;
        final boolean hasCondition;
        final List<String> actions;
        final boolean notAction;
        final List<String> resources;
        final boolean notResource;
        final List<String> principals; // only for resource policies; empty = any

        private Statement(String label, boolean deny, boolean hasCondition, List<String> actions, boolean notAction,
                          List<String> resources, boolean notResource, List<String> principals) {
            this.label = label;
            this.deny = deny;
            this.hasCondition = hasCondition;
            this.actions = actions;
            this.notAction = notAction;
            this.resources = resources;
            this.notResource = notResource;
            this.principals = principals;
        }

        static Statement of(JsonNode node, String label, boolean resourcePolicy) {
            String effect = node.path("Effect").asText("");
            if (!effect.equals("Allow") && !effect.equals("Deny")) {
                throw new IllegalArgumentException(label + ": Effect must be Allow or Deny");
            }
            boolean notAction = node.has("NotAction");
            boolean notResource = node.has("NotResource");
            List<String> actions = strings(node.get(notAction ? "NotAction" : "Action"), label + ": Action");
            List<String> resources = node.has("Resource") || notResource
                    ? strings(node.get(notResource ? "NotResource" : "Resource"), label + ": Resource")
                    : List.of("*");
            List<String> principals = List.of();
            if (resourcePolicy) {
                JsonNode principal = node.get("Principal");
                if (principal == null) {
                    throw new IllegalArgumentException(label + ": a cluster policy statement needs a Principal");
                }
                principals = principal.isTextual() ? List.of(principal.asText())
                        : strings(principal.get("AWS"), label + ": Principal.AWS");
            }
            return new Statement(label, effect.equals("Deny"), node.has("Condition"), actions, notAction, resources,
                    notResource, principals);
        }

        boolean matches(String principalArn, String action, String resourceArn) {
            if (!principals.isEmpty() && principals.stream().noneMatch(p -> principalMatches(p, principalArn))) {
                return false;
            }
            boolean actionListed = actions.stream().anyMatch(a -> wildcardMatch(a, action, true));
            boolean resourceListed = resources.stream().anyMatch(r -> wildcardMatch(r, resourceArn, false));
            return (notAction != actionListed) && (notResource != resourceListed);
        }

        private static List<String> strings(JsonNode node, String what) {
            if (node == null) {
                throw new IllegalArgumentException(what + " is missing");
            }
            if (node.isTextual()) {
                return List.of(node.asText());
            }
            if (node.isArray()) {
                List<String> out = new ArrayList<>();
                node.forEach(n -> out.add(n.asText()));
                if (!out.isEmpty()) {
                    return out;
                }
            }
            throw new IllegalArgumentException(what + " must be a string or a list of strings");
        }
    }

    /** A resource policy's principal names the caller by ARN, role, account, root or "*". */
    static boolean principalMatches(String principal, String callerArn) {
        if ("*".equals(principal) || principal.equals(callerArn)) {
            return true;
        }
        String[] parts = callerArn.split(":", 6);
        if (parts.length < 6) {
            return false;
        }
        String account = parts[4];
        if (principal.equals(account) || principal.equals("arn:" + parts[1] + ":iam::" + account + ":root")) {
            return true;
        }
        // arn:aws:sts::123:assumed-role/Role/session is covered by arn:aws:iam::123:role/Role
        if (parts[2].equals("sts") && parts[5].startsWith("assumed-role/")) {
            String role = parts[5].substring("assumed-role/".length()).split("/")[0];
            return principal.equals("arn:" + parts[1] + ":iam::" + account + ":role/" + role);
        }
        return false;
    }
}
