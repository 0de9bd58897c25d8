package dev.mskctl.broker.iam;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * IAM policy evaluation for one principal in the cluster's account, with IAM's rules:
 * <ol>
 *   <li>an explicit Deny in any policy that applies (identity, cluster, permissions boundary,
 *       session) wins;</li>
 *   <li>else an Allow in an identity policy, if the permissions boundary (when there is one)
 *       and a session policy (when the session has any) allow it too;</li>
 *   <li>else an Allow in the cluster policy: one naming the user or the role session itself
 *       is enough; one naming the role, {@code *} or (with {@code NotPrincipal}) everyone but
 *       some, is limited by the boundary and the session policies; one naming the
 *       <em>account</em> ({@code 123456789012} or {@code …:root}) only delegates to the account,
 *       whose identity policies must then allow it (step 2);</li>
 *   <li>else implicit deny.</li>
 * </ol>
 * A principal of another account than the cluster's (cross-account access) needs both: an
 * identity-side Allow (within its boundary and session policies) and a cluster-policy Allow
 * naming it or its account.
 * Actions match case-insensitively and resources case-sensitively, with {@code *} and {@code ?};
 * NotAction and NotResource are supported; Conditions are evaluated by {@link IamConditions}
 * (an unsupported operator or key fails closed). {@code Service}, {@code Federated} and
 * {@code CanonicalUser} principals never name an IAM user or role, so such statements do not
 * apply to Kafka clients. A document that does not parse denies everything (fail closed).
 */
public final class IamPolicyEvaluator {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Everything IAM knows about the principal that the evaluation needs. */
    public record Inputs(String principalArn, List<String> identityPolicies, Optional<String> clusterPolicy,
                         Optional<String> permissionsBoundary, List<String> sessionPolicies,
                         Map<String, String> clusterTags, Map<String, String> principalTags,
                         Optional<String> roleArn) {
        public static Inputs of(String principalArn, List<String> identityPolicies, Optional<String> clusterPolicy) {
            return new Inputs(principalArn, identityPolicies, clusterPolicy, Optional.empty(), List.of(), Map.of(),
                    Map.of(), Optional.empty());
        }
    }

    /**
     * What varies per request: the client's address (null when unknown), whether it is still to
     * come (authentication, where Kafka gives no address: aws:SourceIp is then decided on every
     * request), and the time.
     */
    public record RequestContext(String sourceIp, boolean sourceIpPending, Instant now) {
        public static RequestContext at(String sourceIp, Instant now) {
            return new RequestContext(sourceIp, false, now);
        }

        public static RequestContext authentication(Instant now) {
            return new RequestContext(null, true, now);
        }

        /** No address, no time: conditions on them see absent keys (IamDecisions). */
        public static final RequestContext NONE = new RequestContext(null, false, null);
    }

    private enum Source { IDENTITY, CLUSTER, BOUNDARY, SESSION }

    /** The policy types evaluated (what IAM has beyond them, such as SCPs, is not). */
    public static final List<String> POLICY_TYPES = List.of("identity policies (inline, managed, groups')",
            "cluster policy", "permissions boundary", "session policies");
    /** How a cluster policy may name the caller, all as IAM: see the class comment. */
    public static final List<String> PRINCIPAL_KINDS = List.of("*", "AWS account", "AWS root", "AWS user",
            "AWS role", "AWS assumed-role", "Service", "Federated", "CanonicalUser", "NotPrincipal");

    /** How a cluster-policy statement names the caller. */
    private enum Naming { NONE, EXACT, ROLE, ANYONE, ACCOUNT }

    private final String principalArn;
    private final String partition;
    private final String account;
    private final String clusterArn;
    private final boolean crossAccount;
    private final Inputs inputs;
    private final List<Statement> statements = new ArrayList<>();
    private final boolean hasBoundary;
    private final boolean hasSessionPolicies;
    private final Optional<String> brokenDocument;
    private final Set<String> unsupported = new LinkedHashSet<>();
    private final boolean timeDependent;
    private final Map<String, String> fixedContext = new HashMap<>();

    public IamPolicyEvaluator(String principalArn, List<String> identityPolicies, Optional<String> resourcePolicy) {
        this(Inputs.of(principalArn, identityPolicies, resourcePolicy), null);
    }

    /** @param clusterArn the cluster's ARN, the only resource aws:ResourceTag applies to (null: none) */
    public IamPolicyEvaluator(Inputs inputs, String clusterArn) {
        this.inputs = inputs;
        this.principalArn = inputs.principalArn();
        String[] parts = principalArn.split(":", 6);
        this.partition = parts.length == 6 ? parts[1] : "aws";
        this.account = parts.length == 6 ? parts[4] : "";
        this.clusterArn = clusterArn;
        String[] clusterParts = clusterArn == null ? new String[0] : clusterArn.split(":", 6);
        this.crossAccount = clusterParts.length == 6 && !clusterParts[4].equals(account);
        String broken = null;
        List<String> identity = inputs.identityPolicies();
        for (int i = 0; i < identity.size(); i++) {
            broken = add(identity.get(i), "identity policy " + (i + 1), Source.IDENTITY, broken);
        }
        if (inputs.clusterPolicy().isPresent()) {
            broken = add(inputs.clusterPolicy().get(), "cluster policy", Source.CLUSTER, broken);
        }
        if (inputs.permissionsBoundary().isPresent()) {
            broken = add(inputs.permissionsBoundary().get(), "permissions boundary", Source.BOUNDARY, broken);
        }
        for (int i = 0; i < inputs.sessionPolicies().size(); i++) {
            broken = add(inputs.sessionPolicies().get(i), "session policy " + (i + 1), Source.SESSION, broken);
        }
        this.hasBoundary = inputs.permissionsBoundary().isPresent();
        this.hasSessionPolicies = !inputs.sessionPolicies().isEmpty();
        this.brokenDocument = Optional.ofNullable(broken);
        this.timeDependent = statements.stream().anyMatch(s -> s.conditions.usesAny(IamConditions.TIME_KEYS));
        statements.forEach(s -> s.conditions.unsupported().forEach(u -> unsupported.add(s.label + ": " + u)));
        fixedContext.put("aws:principalarn", conditionPrincipalArn());
        fixedContext.put("aws:principalaccount", account);
        fixedContext.put("aws:securetransport", "true"); // 9098 is TLS, as on MSK
        String resource = parts.length == 6 ? parts[5] : "";
        if (resource.startsWith("user/")) {
            fixedContext.put("aws:principaltype", "User");
            fixedContext.put("aws:username", resource.substring(resource.lastIndexOf('/') + 1));
        } else if (resource.startsWith("assumed-role/")) {
            fixedContext.put("aws:principaltype", "AssumedRole");
        }
        inputs.principalTags().forEach((k, v) -> fixedContext.put("aws:principaltag/" + k.toLowerCase(Locale.ROOT), v));
        if (clusterArn != null) {
            String[] cluster = clusterArn.split(":", 6);
            if (cluster.length == 6) {
                fixedContext.put("aws:requestedregion", cluster[3]);
            }
        }
    }

    private String add(String document, String source, Source kind, String broken) {
        try {
            statements.addAll(parse(document, source, kind));
            return broken;
        } catch (IllegalArgumentException e) {
            return source + ": " + e.getMessage();
        }
    }

    /** The role ARN for a role session (aws:PrincipalArn is the role's, not the session's). */
    private String conditionPrincipalArn() {
        if (inputs.roleArn().isPresent()) {
            return inputs.roleArn().get();
        }
        String[] parts = principalArn.split(":", 6);
        if (parts.length == 6 && parts[5].startsWith("assumed-role/")) {
            return "arn:" + parts[1] + ":iam::" + parts[4] + ":role/" + parts[5].split("/")[1];
        }
        return principalArn;
    }

    /** Condition operators and keys in these policies that the local MSK does not evaluate. */
    public Set<String> unsupported() {
        return unsupported;
    }

    /** Decisions depend on aws:CurrentTime/aws:EpochTime, so they must not be cached. */
    public boolean timeDependent() {
        return timeDependent;
    }

    public PolicyDecision evaluate(String action, String resourceArn) {
        return evaluate(action, resourceArn, RequestContext.NONE);
    }

    public PolicyDecision evaluate(String action, String resourceArn, RequestContext request) {
        if (brokenDocument.isPresent()) {
            return new PolicyDecision(PolicyDecision.Effect.EXPLICIT_DENY, "unreadable policy: " + brokenDocument.get());
        }
        Map<String, String> context = context(resourceArn, request);
        Statement identityAllow = null;
        Statement exactAllow = null;
        Statement limitedAllow = null;
        Statement accountAllow = null;
        boolean boundaryAllows = false;
        boolean sessionAllows = false;
        for (Statement statement : statements) {
            Naming naming = statement.naming(principalArn, inputs.roleArn(), partition, account);
            if (naming == Naming.NONE || !statement.matchesRequest(action, resourceArn)) {
                continue;
            }
            IamConditions.Outcome outcome = statement.conditions.evaluateSafely(context, request.sourceIpPending());
            if (statement.deny) {
                if (outcome == IamConditions.Outcome.TRUE || outcome == IamConditions.Outcome.UNSUPPORTED) {
                    return new PolicyDecision(PolicyDecision.Effect.EXPLICIT_DENY, "denied by " + statement.label
                            + (outcome == IamConditions.Outcome.UNSUPPORTED ? " (unsupported condition: fails closed, "
                            + String.join("; ", statement.conditions.unsupported()) + ")" : ""));
                }
                continue;
            }
            if (outcome == IamConditions.Outcome.FALSE || outcome == IamConditions.Outcome.UNSUPPORTED) {
                continue;
            }
            switch (statement.source) {
                case IDENTITY -> identityAllow = identityAllow == null ? statement : identityAllow;
                case BOUNDARY -> boundaryAllows = true;
                case SESSION -> sessionAllows = true;
                case CLUSTER -> {
                    switch (naming) {
                        case EXACT -> exactAllow = exactAllow == null ? statement : exactAllow;
                        case ACCOUNT -> accountAllow = accountAllow == null ? statement : accountAllow;
                        default -> limitedAllow = limitedAllow == null ? statement : limitedAllow;
                    }
                }
                default -> throw new IllegalStateException();
            }
        }
        boolean boundaryOk = !hasBoundary || boundaryAllows;
        boolean sessionOk = !hasSessionPolicies || sessionAllows;
        if (crossAccount) {
            Statement resource = exactAllow != null ? exactAllow : limitedAllow != null ? limitedAllow : accountAllow;
            if (identityAllow != null && boundaryOk && sessionOk && resource != null) {
                return new PolicyDecision(PolicyDecision.Effect.ALLOW, "allowed by " + identityAllow.label + " and "
                        + resource.label + " (cross-account)");
            }
            return deny(resource == null ? "cross-account: no cluster policy statement allows " + account
                    : "cross-account: " + resource.label + " allows it, the principal's own account does not");
        }
        if (exactAllow != null) {
            return allow(exactAllow);
        }
        if (boundaryOk && sessionOk) {
            if (identityAllow != null) {
                return allow(identityAllow);
            }
            if (limitedAllow != null) {
                return allow(limitedAllow);
            }
        }
        Statement allowed = identityAllow != null ? identityAllow : limitedAllow;
        if (allowed != null && !boundaryOk) {
            return deny(allowed.label + " allows it, the permissions boundary does not");
        }
        if (allowed != null) {
            return deny(allowed.label + " allows it, no session policy does");
        }
        if (accountAllow != null) {
            return deny(accountAllow.label + " names the account, which only delegates: no identity policy allows it");
        }
        return PolicyDecision.implicitDeny();
    }

    private static PolicyDecision allow(Statement statement) {
        return new PolicyDecision(PolicyDecision.Effect.ALLOW, "allowed by " + statement.label);
    }

    private static PolicyDecision deny(String reason) {
        return new PolicyDecision(PolicyDecision.Effect.IMPLICIT_DENY, reason);
    }

    private Map<String, String> context(String resourceArn, RequestContext request) {
        Map<String, String> context = new HashMap<>(fixedContext);
        if (request.sourceIp() != null) {
            context.put("aws:sourceip", request.sourceIp());
        }
        if (request.now() != null) {
            context.put("aws:currenttime", request.now().toString());
            context.put("aws:epochtime", Long.toString(request.now().getEpochSecond()));
        }
        // aws:ResourceTag applies to the cluster resource only, not to topics, groups or transactional IDs.
        if (resourceArn.equals(clusterArn)) {
            inputs.clusterTags().forEach((k, v) -> context.put("aws:resourcetag/" + k.toLowerCase(Locale.ROOT), v));
        }
        return context;
    }

    private static List<Statement> parse(String document, String source, Source kind) {
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
            out.add(Statement.of(node, source + " statement " + sid, kind));
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
        final Source source;
        final boolean deny;
        final IamConditions conditions;
        final List<String> actions;
        final boolean notAction;
        final List<String> resources;
        final boolean notResource;
        /** Cluster policy only: the AWS principals named (IAM ARNs, accounts, "*"). */
        final List<String> principals;
        /** Cluster policy only: the statement names principals of another kind (Service, …) too. */
        final boolean otherPrincipals;
        final boolean notPrincipal;

        private Statement(String label, Source source, boolean deny, IamConditions conditions, List<String> actions,
                          boolean notAction, List<String> resources, boolean notResource, List<String> principals,
                          boolean otherPrincipals, boolean notPrincipal) {
            this.label = label;
            this.source = source;
            this.deny = deny;
            this.conditions = conditions;
            this.actions = actions;
            this.notAction = notAction;
            this.resources = resources;
            this.notResource = notResource;
            this.principals = principals;
            this.otherPrincipals = otherPrincipals;
            this.notPrincipal = notPrincipal;
        }

        static Statement of(JsonNode node, String label, Source source) {
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
            boolean other = false;
            boolean notPrincipal = false;
            if (source == Source.CLUSTER) {
                notPrincipal = node.has("NotPrincipal");
                JsonNode principal = node.get(notPrincipal ? "NotPrincipal" : "Principal");
                if (principal == null) {
                    throw new IllegalArgumentException(label + ": a cluster policy statement needs a Principal");
                }
                if (principal.isTextual()) {
                    if (!principal.asText().equals("*")) {
                        throw new IllegalArgumentException(label + ": Principal must be \"*\" or an object");
                    }
                    principals = List.of("*");
                } else if (principal.isObject()) {
                    List<String> aws = new ArrayList<>();
                    for (var fields = principal.fields(); fields.hasNext(); ) {
                        var field = fields.next();
                        if (field.getKey().equals("AWS")) {
                            aws.addAll(strings(field.getValue(), label + ": Principal.AWS"));
                        } else {
                            other = true; // Service, Federated, CanonicalUser: never an IAM user or role
                        }
                    }
                    principals = List.copyOf(aws);
                } else {
                    throw new IllegalArgumentException(label + ": Principal must be \"*\" or an object");
                }
            }
            return new Statement(label, source, effect.equals("Deny"),
                    IamConditions.parse(node.get("Condition"), label), actions, notAction, resources, notResource,
                    principals, other, notPrincipal);
        }

        /** Whether (and how) this statement applies to the caller: identity-side policies always do. */
        Naming naming(String callerArn, Optional<String> roleArn, String partition, String account) {
            if (source != Source.CLUSTER) {
                return Naming.EXACT;
            }
            Naming best = Naming.NONE;
            for (String principal : principals) {
                Naming n = principalNaming(principal, callerArn, roleArn, partition, account);
                if (n.ordinal() > 0 && (best == Naming.NONE || n.ordinal() < best.ordinal())) {
                    best = n;
                }
            }
            if (notPrincipal) {
                // Applies to everyone the list does not name; what it grants is limited like "*".
                return best == Naming.NONE ? Naming.ANYONE : Naming.NONE;
            }
            return best;
        }

        boolean matchesRequest(String action, String resourceArn) {
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
        String[] parts = callerArn.split(":", 6);
        return parts.length == 6
                && principalNaming(principal, callerArn, Optional.empty(), parts[1], parts[4]) != Naming.NONE;
    }

    private static Naming principalNaming(String principal, String callerArn, Optional<String> roleArn,
                                          String partition, String account) {
        if ("*".equals(principal)) {
            return Naming.ANYONE;
        }
        if (principal.equals(callerArn)) {
            return Naming.EXACT;
        }
        if (principal.equals(account) || principal.equals("arn:" + partition + ":iam::" + account + ":root")) {
            return Naming.ACCOUNT;
        }
        String[] parts = callerArn.split(":", 6);
        if (parts.length == 6 && parts[2].equals("sts") && parts[5].startsWith("assumed-role/")) {
            // arn:aws:sts::123:assumed-role/Role/session is covered by the role's ARN, path included.
            String role = parts[5].substring("assumed-role/".length()).split("/")[0];
            if (roleArn.isPresent() ? principal.equals(roleArn.get())
                    : principal.equals("arn:" + partition + ":iam::" + account + ":role/" + role)) {
                return Naming.ROLE;
            }
            String prefix = "arn:" + partition + ":iam::" + account + ":role/";
            if (roleArn.isEmpty() && principal.startsWith(prefix) && principal.endsWith("/" + role)) {
                return Naming.ROLE; // a role with a path: the session ARN does not show the path
            }
        }
        return Naming.NONE;
    }
}
