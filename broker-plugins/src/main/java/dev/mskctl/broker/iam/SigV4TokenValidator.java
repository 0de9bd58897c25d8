package dev.mskctl.broker.iam;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Validates MSK IAM credentials: the AWS_MSK_IAM payload ({@link #validatePayload}) and the
 * OAUTHBEARER tokens of aws-msk-iam-sasl-signer ({@link #validate}): base64url (unpadded) of a
 * SigV4 query-presigned {@code https://kafka.<region>.amazonaws.com/?Action=kafka-cluster:Connect&...}
 * URL. The signature is recomputed with the secret key of the access key it names; the
 * {@code User-Agent} parameter is added after signing, so it is not part of the signature.
 */
public final class SigV4TokenValidator {
    static final String SERVICE = "kafka-cluster";
    static final String ACTION = "kafka-cluster:Connect";
    static final String ALGORITHM = "AWS4-HMAC-SHA256";
    static final Duration MAX_LIFETIME = Duration.ofSeconds(900);
    static final Duration CLOCK_SKEW = Duration.ofMinutes(5);
    private static final int MAX_TOKEN_CHARS = 8192;
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");
    static final String PAYLOAD_VERSION = "2020_10_22";
    /** aws-msk-iam-auth's lower-case payload keys, back to the presigned query's parameter names. */
    private static final java.util.Map<String, String> PAYLOAD_PARAMETERS = java.util.Map.of(
            "action", "Action", "x-amz-algorithm", "X-Amz-Algorithm", "x-amz-credential", "X-Amz-Credential",
            "x-amz-date", "X-Amz-Date", "x-amz-expires", "X-Amz-Expires", "x-amz-security-token",
            "X-Amz-Security-Token", "x-amz-signedheaders", "X-Amz-SignedHeaders", "x-amz-signature", "X-Amz-Signature");
    private static final com.fasterxml.jackson.databind.ObjectMapper PAYLOAD_JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();
    private static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    private final String region;
    private final IdentityDirectory directory;
    private final Clock clock;

    public SigV4TokenValidator(String region, IdentityDirectory directory, Clock clock) {
        this.region = region;
        this.directory = directory;
        this.clock = clock;
    }

    public AuthenticatedToken validate(String token)
            throws TokenRejectedException, IdentityDirectory.DirectoryUnavailableException {
        if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_CHARS) {
            throw new TokenRejectedException("token is empty or too long");
        }
        String url;
        try {
            url = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new TokenRejectedException("token is not base64url");
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new TokenRejectedException("token is not a URL");
        }
        String expectedHost = "kafka." + region + ".amazonaws.com";
        if (!"https".equals(uri.getScheme()) || !expectedHost.equals(uri.getHost())) {
            throw new TokenRejectedException("token is for host " + uri.getHost() + ", expected " + expectedHost);
        }
        if (uri.getPath() != null && !uri.getPath().isEmpty() && !"/".equals(uri.getPath())) {
            throw new TokenRejectedException("token URL has an unexpected path");
        }
        TreeMap<String, String> query = parseQuery(uri.getRawQuery());
        return verify(query, expectedHost);
    }

    /**
     * Validates the AWS_MSK_IAM client's first message (aws-msk-iam-auth): a JSON object of
     * strings, version {@code 2020_10_22}, the signed host (the broker's name the client dialed),
     * and the presigned query's parameters under lower-case names, not URI-encoded.
     *
     * @param brokerHosts the names this broker answers to on the listener; the payload's host must be one
     */
    public AuthenticatedToken validatePayload(byte[] payload, java.util.Set<String> brokerHosts)
            throws TokenRejectedException, IdentityDirectory.DirectoryUnavailableException {
        if (payload == null || payload.length == 0 || payload.length > MAX_TOKEN_CHARS) {
            throw new TokenRejectedException("payload is empty or too long");
        }
        com.fasterxml.jackson.databind.JsonNode json;
        try {
            json = PAYLOAD_JSON.readTree(payload);
        } catch (java.io.IOException e) {
            throw new TokenRejectedException("payload is not JSON");
        }
        if (json == null || !json.isObject()) {
            throw new TokenRejectedException("payload is not a JSON object");
        }
        TreeMap<String, String> query = new TreeMap<>();
        String version = null;
        String host = null;
        for (var fields = json.fields(); fields.hasNext(); ) {
            var field = fields.next();
            if (!field.getValue().isTextual()) {
                throw new TokenRejectedException("payload field " + field.getKey() + " is not a string");
            }
            String value = field.getValue().asText();
            switch (field.getKey()) {
                case "version" -> version = value;
                case "host" -> host = value;
                case "user-agent" -> { } // not signed
                default -> {
                    String name = PAYLOAD_PARAMETERS.get(field.getKey());
                    if (name == null) {
                        throw new TokenRejectedException("payload has an unexpected field " + field.getKey());
                    }
                    query.put(name, value);
                }
            }
        }
        require(PAYLOAD_VERSION.equals(version), "payload version must be " + PAYLOAD_VERSION);
        require(host != null && !host.isEmpty(), "payload has no host");
        require(brokerHosts.contains(host.toLowerCase(java.util.Locale.ROOT)),
                "payload was signed for host " + host + ", this broker is " + String.join(" or ", brokerHosts));
        return verify(query, host);
    }

    private AuthenticatedToken verify(TreeMap<String, String> query, String signedHost)
            throws TokenRejectedException, IdentityDirectory.DirectoryUnavailableException {
        require(ACTION.equals(query.get("Action")), "Action must be " + ACTION);
        require(ALGORITHM.equals(query.get("X-Amz-Algorithm")), "X-Amz-Algorithm must be " + ALGORITHM);
        require("host".equals(query.get("X-Amz-SignedHeaders")), "X-Amz-SignedHeaders must be host");
        String signature = required(query, "X-Amz-Signature");
        String amzDate = required(query, "X-Amz-Date");
        String[] scope = required(query, "X-Amz-Credential").split("/");
        require(scope.length == 5, "X-Amz-Credential is malformed");
        String accessKeyId = scope[0];
        require(scope[1].length() == 8 && amzDate.startsWith(scope[1]), "credential date does not match X-Amz-Date");
        require(region.equals(scope[2]), "token was signed for region " + scope[2] + ", the cluster is in " + region);
        require(SERVICE.equals(scope[3]), "token was signed for service " + scope[3] + ", expected " + SERVICE);
        require("aws4_request".equals(scope[4]), "credential scope must end with aws4_request");

        Instant issued;
        try {
            issued = LocalDateTime.parse(amzDate, AMZ_DATE).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            throw new TokenRejectedException("X-Amz-Date is malformed");
        }
        long expiresSeconds;
        try {
            expiresSeconds = Long.parseLong(required(query, "X-Amz-Expires"));
        } catch (NumberFormatException e) {
            throw new TokenRejectedException("X-Amz-Expires is not a number");
        }
        require(expiresSeconds > 0 && expiresSeconds <= MAX_LIFETIME.toSeconds(),
                "X-Amz-Expires must be 1.." + MAX_LIFETIME.toSeconds());
        Instant now = clock.instant();
        Instant expires = issued.plusSeconds(expiresSeconds);
        require(!issued.isAfter(now.plus(CLOCK_SKEW)), "token is dated in the future (clock skew)");
        require(now.isBefore(expires), "token expired at " + expires);

        Optional<Identity> identity = directory.lookup(accessKeyId);
        if (identity.isEmpty()) {
            throw new TokenRejectedException("unknown access key " + maskKey(accessKeyId));
        }
        Optional<String> sessionToken = identity.get().sessionToken();
        String presentedToken = query.get("X-Amz-Security-Token");
        if (sessionToken.isPresent() && !sessionToken.get().equals(presentedToken)) {
            throw new TokenRejectedException("session credentials need their X-Amz-Security-Token");
        }
        if (sessionToken.isEmpty() && presentedToken != null) {
            throw new TokenRejectedException("X-Amz-Security-Token given for long-term credentials");
        }

        String expected = signature(identity.get().secretAccessKey(), signedHost, query, amzDate, scope);
        if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
                signature.getBytes(StandardCharsets.US_ASCII))) {
            throw new TokenRejectedException("signature does not match");
        }
        // The session lasts as long as the signature and the credentials behind it (MSK: the
        // credential's expiry), whichever ends first.
        Optional<Instant> credentialExpiry = identity.get().credentialExpiry();
        if (credentialExpiry.isPresent()) {
            require(now.isBefore(credentialExpiry.get()), "credentials expired at " + credentialExpiry.get());
            if (credentialExpiry.get().isBefore(expires)) {
                expires = credentialExpiry.get();
            }
        }
        return new AuthenticatedToken(identity.get().principalArn(), accessKeyId, issued, expires);
    }

    static String signature(String secretKey, String host, TreeMap<String, String> query, String amzDate,
                            String[] scope) {
        StringBuilder canonicalQuery = new StringBuilder();
        TreeMap<String, String> encoded = new TreeMap<>();
        query.forEach((k, v) -> {
            if (!"X-Amz-Signature".equals(k) && !"User-Agent".equals(k)) {
                encoded.put(uriEncode(k), uriEncode(v));
            }
        });
        encoded.forEach((k, v) -> {
            if (canonicalQuery.length() > 0) {
                canonicalQuery.append('&');
            }
            canonicalQuery.append(k).append('=').append(v);
        });
        String canonicalRequest = "GET\n/\n" + canonicalQuery + "\nhost:" + host + "\n\nhost\n" + EMPTY_SHA256;
        String credentialScope = String.join("/", scope[1], scope[2], scope[3], scope[4]);
        String stringToSign = ALGORITHM + "\n" + amzDate + "\n" + credentialScope + "\n" + sha256Hex(canonicalRequest);
        byte[] key = hmac(("AWS4" + secretKey).getBytes(StandardCharsets.UTF_8), scope[1]);
        key = hmac(key, scope[2]);
        key = hmac(key, scope[3]);
        key = hmac(key, scope[4]);
        return HexFormat.of().formatHex(hmac(key, stringToSign));
    }

    static TreeMap<String, String> parseQuery(String rawQuery) throws TokenRejectedException {
        TreeMap<String, String> params = new TreeMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            throw new TokenRejectedException("token URL has no query");
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new TokenRejectedException("token URL query is malformed");
            }
            String key = URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = URLDecoder.decode(pair.substring(eq + 1).replace("+", "%2B"), StandardCharsets.UTF_8);
            if (params.put(key, value) != null) {
                throw new TokenRejectedException("token URL repeats parameter " + key);
            }
        }
        return params;
    }

    /** SigV4 URI encoding: RFC 3986 unreserved characters stay, everything else is %XX. */
    static String uriEncode(String value) {
        StringBuilder out = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.' || c == '~') {
                out.append(c);
            } else {
                out.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return out.toString();
    }

    static String maskKey(String accessKeyId) {
        return accessKeyId.length() <= 8 ? "****" : accessKeyId.substring(0, 4) + "****"
                + accessKeyId.substring(accessKeyId.length() - 4);
    }

    private static String required(TreeMap<String, String> query, String name) throws TokenRejectedException {
        String value = query.get(name);
        if (value == null || value.isEmpty()) {
            throw new TokenRejectedException(name + " is missing");
        }
        return value;
    }

    private static void require(boolean condition, String reason) throws TokenRejectedException {
        if (!condition) {
            throw new TokenRejectedException(reason);
        }
    }

    private static String sha256Hex(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }
}
