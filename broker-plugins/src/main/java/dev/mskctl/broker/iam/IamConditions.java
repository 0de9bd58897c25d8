package dev.mskctl.broker.iam;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * IAM's Condition element, as far as MSK documents it: the condition operators (String, Arn,
 * Bool, IpAddress, Date, Numeric, Null, each non-Null one also as {@code …IfExists}, and the
 * {@code ForAnyValue:}/{@code ForAllValues:} set prefixes) over the context keys the local MSK
 * can supply ({@link #SUPPORTED_KEYS}, {@link #SUPPORTED_KEY_PREFIXES}). Operators within a
 * block, and keys within an operator, must all hold; the values of one key are alternatives.
 * A key absent from the request fails a plain operator and satisfies a negated one, as in IAM.
 *
 * <p>Anything else (an operator or a key it does not know) is <em>unsupported</em>: the
 * statement then fails closed (an Allow does not apply, a Deny does), and {@link #unsupported()}
 * names it so the broker can log it. Pure: no Kafka types, no I/O.
 */
public final class IamConditions {
    /** Context keys the local MSK supplies (lower case: IAM condition keys are case-insensitive). */
    public static final Set<String> SUPPORTED_KEYS = Set.of(
            "aws:principalarn", "aws:principalaccount", "aws:principaltype", "aws:username",
            "aws:sourceip", "aws:securetransport", "aws:currenttime", "aws:epochtime", "aws:requestedregion");
    /** Tag keys: the cluster's tags (only on the cluster resource, as MSK), the principal's tags. */
    public static final List<String> SUPPORTED_KEY_PREFIXES = List.of("aws:resourcetag/", "aws:principaltag/");
    /** Condition operators, without the IfExists suffix and the set prefixes. */
    public static final Set<String> OPERATORS = Set.of(
            "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
            "StringLike", "StringNotLike", "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike", "Bool",
            "IpAddress", "NotIpAddress", "DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals",
            "DateGreaterThan", "DateGreaterThanEquals", "NumericEquals", "NumericNotEquals", "NumericLessThan",
            "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals", "Null");
    /** What may wrap an operator: the IfExists suffix and the two set prefixes. */
    public static final List<String> MODIFIERS = List.of("IfExists", "ForAnyValue:", "ForAllValues:");
    /** Keys some write in MSK policies that AWS's Service Authorization Reference does not define. */
    public static final Set<String> UNDOCUMENTED_MSK_KEYS = Set.of(
            "kafka-cluster:topicname", "kafka-cluster:groupid", "kafka-cluster:transactionalid");
    /** Keys whose value changes with every request: decisions using them are not cached. */
    static final Set<String> TIME_KEYS = Set.of("aws:currenttime", "aws:epochtime");

    /** The outcome of a Condition block. */
    public enum Outcome {
        TRUE, FALSE,
        /** An unsupported operator or key: the statement fails closed. */
        UNSUPPORTED,
        /** Needs aws:SourceIp, which is not known yet (authentication): decided on each request. */
        DEFERRED
    }

    private record Clause(String operator, boolean ifExists, String set, String key, List<String> values) {
    }

    private final List<Clause> clauses;
    private final List<String> unsupported;

    private IamConditions(List<Clause> clauses, List<String> unsupported) {
        this.clauses = clauses;
        this.unsupported = unsupported;
    }

    public static final IamConditions NONE = new IamConditions(List.of(), List.of());

    /** @param block a statement's {@code Condition} value (an object), or null */
    static IamConditions parse(JsonNode block, String label) {
        if (block == null || block.isNull()) {
            return NONE;
        }
        if (!block.isObject()) {
            throw new IllegalArgumentException(label + ": Condition must be an object");
        }
        List<Clause> clauses = new ArrayList<>();
        List<String> unsupported = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> ops = block.fields(); ops.hasNext(); ) {
            Map.Entry<String, JsonNode> op = ops.next();
            String name = op.getKey();
            String set = null;
            if (name.startsWith(MODIFIERS.get(1)) || name.startsWith(MODIFIERS.get(2))) {
                set = name.substring(0, name.indexOf(':'));
                name = name.substring(name.indexOf(':') + 1);
            }
            boolean ifExists = name.endsWith(MODIFIERS.get(0)) && !name.equals(MODIFIERS.get(0));
            String operator = ifExists ? name.substring(0, name.length() - MODIFIERS.get(0).length()) : name;
            if (!OPERATORS.contains(operator) || (ifExists && operator.equals("Null"))) {
                unsupported.add("condition operator " + op.getKey());
            }
            if (!op.getValue().isObject()) {
                throw new IllegalArgumentException(label + ": Condition " + op.getKey() + " must be an object");
            }
            for (Iterator<Map.Entry<String, JsonNode>> keys = op.getValue().fields(); keys.hasNext(); ) {
                Map.Entry<String, JsonNode> key = keys.next();
                String lower = key.getKey().toLowerCase(Locale.ROOT);
                if (!isSupportedKey(lower)) {
                    unsupported.add("condition key " + key.getKey() + (UNDOCUMENTED_MSK_KEYS.contains(lower)
                            ? " (not a key MSK documents: its Service Authorization Reference lists only"
                            + " aws:ResourceTag/${TagKey} for kafka-cluster)" : ""));
                }
                List<String> values = new ArrayList<>();
                JsonNode v = key.getValue();
                if (v.isArray()) {
                    v.forEach(item -> values.add(item.asText()));
                } else {
                    values.add(v.asText());
                }
                clauses.add(new Clause(operator, ifExists, set, lower, values));
            }
        }
        return new IamConditions(List.copyOf(clauses), List.copyOf(unsupported));
    }

    static boolean isSupportedKey(String lowerKey) {
        return SUPPORTED_KEYS.contains(lowerKey)
                || SUPPORTED_KEY_PREFIXES.stream().anyMatch(p -> lowerKey.startsWith(p) && lowerKey.length() > p.length());
    }

    public boolean isEmpty() {
        return clauses.isEmpty() && unsupported.isEmpty();
    }

    /** What this block uses that the local MSK does not evaluate (empty when all is supported). */
    public List<String> unsupported() {
        return unsupported;
    }

    boolean usesAny(Set<String> keys) {
        return clauses.stream().anyMatch(c -> keys.contains(c.key()));
    }

    /**
     * @param context lower-case key to value; a key that is absent is not in the request
     * @param deferSourceIp aws:SourceIp is not known yet: clauses on it are {@link Outcome#DEFERRED}
     */
    public Outcome evaluate(Map<String, String> context, boolean deferSourceIp) {
        if (!unsupported.isEmpty()) {
            return Outcome.UNSUPPORTED;
        }
        boolean deferred = false;
        for (Clause clause : clauses) {
            if (deferSourceIp && clause.key().equals("aws:sourceip")) {
                deferred = true;
                continue;
            }
            if (!holds(clause, context.get(clause.key()))) {
                return Outcome.FALSE;
            }
        }
        return deferred ? Outcome.DEFERRED : Outcome.TRUE;
    }

    private static boolean holds(Clause clause, String value) {
        String op = clause.operator();
        if (op.equals("Null")) {
            boolean wantAbsent = clause.values().stream().anyMatch(v -> v.equalsIgnoreCase("true"));
            return wantAbsent == (value == null);
        }
        if (value == null) {
            if ("ForAllValues".equals(clause.set())) {
                return true;
            }
            if ("ForAnyValue".equals(clause.set())) {
                return false;
            }
            return clause.ifExists() || negated(op);
        }
        // Every context key the local MSK supplies is single-valued: ForAnyValue and
        // ForAllValues of one value are the operator itself.
        boolean any = clause.values().stream().anyMatch(expected -> matches(positive(op), expected, value));
        return negated(op) ? !any : any;
    }

    static boolean negated(String op) {
        return op.contains("Not");
    }

    private static String positive(String op) {
        return switch (op) {
            case "NotIpAddress" -> "IpAddress";
            default -> op.replace("Not", "");
        };
    }

    private static boolean matches(String op, String expected, String value) {
        return switch (op) {
            case "StringEquals" -> expected.equals(value);
            case "StringEqualsIgnoreCase" -> expected.equalsIgnoreCase(value);
            case "StringLike" -> IamPolicyEvaluator.wildcardMatch(expected, value, false);
            case "ArnEquals", "ArnLike" -> arnLike(expected, value);
            case "Bool" -> expected.equalsIgnoreCase(value);
            case "IpAddress" -> inCidr(expected, value);
            case "DateEquals" -> compareDates(expected, value) == 0;
            case "DateLessThan" -> compareDates(expected, value) < 0;
            case "DateLessThanEquals" -> compareDates(expected, value) <= 0;
            case "DateGreaterThan" -> compareDates(expected, value) > 0;
            case "DateGreaterThanEquals" -> compareDates(expected, value) >= 0;
            case "NumericEquals" -> compareNumbers(expected, value) == 0;
            case "NumericLessThan" -> compareNumbers(expected, value) < 0;
            case "NumericLessThanEquals" -> compareNumbers(expected, value) <= 0;
            case "NumericGreaterThan" -> compareNumbers(expected, value) > 0;
            case "NumericGreaterThanEquals" -> compareNumbers(expected, value) >= 0;
            default -> false;
        };
    }

    /** IAM's ArnLike: each of the six colon-separated parts matched on its own. */
    static boolean arnLike(String pattern, String arn) {
        String[] p = pattern.split(":", 6);
        String[] a = arn.split(":", 6);
        if (p.length != 6 || a.length != 6) {
            return false;
        }
        for (int i = 0; i < 6; i++) {
            if (!IamPolicyEvaluator.wildcardMatch(p[i], a[i], false)) {
                return false;
            }
        }
        return true;
    }

    /** Context value compared with the policy value: negative when the context value is earlier. */
    private static int compareDates(String policy, String context) {
        Instant expected = instant(policy);
        Instant actual = instant(context);
        if (expected == null || actual == null) {
            throw new NotComparable(); // an unparseable date matches no operator
        }
        return actual.compareTo(expected);
    }

    private static final class NotComparable extends RuntimeException {
        NotComparable() {
            super(null, null, false, false);
        }
    }

    static Instant instant(String text) {
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            try {
                return Instant.parse(text);
            } catch (DateTimeParseException e2) {
                try {
                    return Instant.ofEpochSecond(Long.parseLong(text));
                } catch (NumberFormatException e3) {
                    return null;
                }
            }
        }
    }

    private static int compareNumbers(String policy, String context) {
        try {
            return new BigDecimal(context).compareTo(new BigDecimal(policy));
        } catch (NumberFormatException e) {
            throw new NotComparable();
        }
    }

    /** IPv4 or IPv6 CIDR (or a bare address); only address literals, never a DNS lookup. */
    static boolean inCidr(String cidr, String address) {
        String[] parts = cidr.split("/", 2);
        byte[] network = literal(parts[0]);
        byte[] host = literal(address);
        if (network == null || host == null || network.length != host.length) {
            return false;
        }
        int bits;
        try {
            bits = parts.length == 2 ? Integer.parseInt(parts[1]) : network.length * 8;
        } catch (NumberFormatException e) {
            return false;
        }
        if (bits < 0 || bits > network.length * 8) {
            return false;
        }
        for (int i = 0; i < bits; i++) {
            int mask = 0x80 >> (i % 8);
            if ((network[i / 8] & mask) != (host[i / 8] & mask)) {
                return false;
            }
        }
        return true;
    }

    private static byte[] literal(String text) {
        String t = text.trim();
        if (t.isEmpty() || !t.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == '.' || c == ':')) {
            return null;
        }
        try {
            return InetAddress.getByName(t).getAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** Wraps {@link #evaluate} so an unparseable date or number is a non-match, not an error. */
    Outcome evaluateSafely(Map<String, String> context, boolean deferSourceIp) {
        try {
            return evaluate(context, deferSourceIp);
        } catch (NotComparable e) {
            return Outcome.FALSE;
        }
    }
}
