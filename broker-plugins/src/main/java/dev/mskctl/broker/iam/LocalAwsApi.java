package dev.mskctl.broker.iam;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The broker's view of the local AWS API (the mskctl emulator): who owns an access key, and
 * which policies apply to a principal. Answers are cached briefly, so a policy change made
 * with the IAM API applies within {@link #POLICY_TTL}, without a broker restart.
 */
public final class LocalAwsApi implements IdentityDirectory {
    static final Duration IDENTITY_TTL = Duration.ofSeconds(5);
    static final Duration POLICY_TTL = Duration.ofSeconds(2);
    private static final Duration TIMEOUT = Duration.ofSeconds(3);
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * What applies to one principal, as the emulator returned it: identity policies, the cluster
     * policy, the permissions boundary, the session's policies, the cluster's tags, the
     * principal's tags and (for role sessions) the role's ARN.
     */
    public record Policies(List<String> identityPolicies, Optional<String> clusterPolicy,
                           Optional<String> permissionsBoundary, List<String> sessionPolicies,
                           Map<String, String> clusterTags, Map<String, String> principalTags,
                           Optional<String> roleArn) {
        public IamPolicyEvaluator.Inputs inputs(String principalArn) {
            return new IamPolicyEvaluator.Inputs(principalArn, identityPolicies, clusterPolicy, permissionsBoundary,
                    sessionPolicies, clusterTags, principalTags, roleArn);
        }
    }

    private record Cached<T>(T value, Instant expires) {
    }

    private final URI endpoint;
    private final String bearer;
    private final Clock clock;
    private final HttpClient http;
    private final Map<String, Cached<Optional<Identity>>> identities = new ConcurrentHashMap<>();
    private final Map<String, Cached<Policies>> policies = new ConcurrentHashMap<>();

    public LocalAwsApi(URI endpoint, Path tokenFile, Clock clock) throws IOException {
        this.endpoint = endpoint;
        this.bearer = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
        this.clock = clock;
        this.http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    }

    @Override
    public Optional<Identity> lookup(String accessKeyId) throws DirectoryUnavailableException {
        Cached<Optional<Identity>> cached = identities.get(accessKeyId);
        if (cached != null && clock.instant().isBefore(cached.expires())) {
            return cached.value();
        }
        JsonNode body = post("/mskctl/iam/identity", Map.of("accessKeyId", accessKeyId));
        Optional<Identity> identity = body == null ? Optional.empty() : Optional.of(new Identity(
                body.path("principalArn").asText(),
                body.path("secretAccessKey").asText(),
                body.hasNonNull("sessionToken") ? Optional.of(body.get("sessionToken").asText()) : Optional.empty(),
                body.hasNonNull("expiration") ? Optional.of(Instant.parse(body.get("expiration").asText()))
                        : Optional.empty()));
        identities.put(accessKeyId, new Cached<>(identity, clock.instant().plus(IDENTITY_TTL)));
        return identity;
    }

    public Policies policies(String principalArn) throws DirectoryUnavailableException {
        Cached<Policies> cached = policies.get(principalArn);
        if (cached != null && clock.instant().isBefore(cached.expires())) {
            return cached.value();
        }
        JsonNode body = post("/mskctl/iam/policies", Map.of("principalArn", principalArn));
        JsonNode answer = body == null ? JSON.createObjectNode() : body;
        Policies result = new Policies(texts(answer.path("identityPolicies")), text(answer, "clusterPolicy"),
                text(answer, "permissionsBoundary"), texts(answer.path("sessionPolicies")),
                strings(answer.path("clusterTags")), strings(answer.path("principalTags")), text(answer, "roleArn"));
        policies.put(principalArn, new Cached<>(result, clock.instant().plus(POLICY_TTL)));
        return result;
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(p -> out.add(p.asText()));
        return List.copyOf(out);
    }

    private static Optional<String> text(JsonNode node, String field) {
        return node.hasNonNull(field) ? Optional.of(node.get(field).asText()) : Optional.empty();
    }

    private static Map<String, String> strings(JsonNode object) {
        Map<String, String> out = new java.util.HashMap<>();
        object.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        return Map.copyOf(out);
    }

    /** The JSON answer, or null for 404 (no such key or principal). */
    private JsonNode post(String path, Map<String, String> payload) throws DirectoryUnavailableException {
        try {
            HttpRequest request = HttpRequest.newBuilder(endpoint.resolve(path))
                    .timeout(TIMEOUT)
                    .header("Authorization", "Bearer " + bearer)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(payload)))
                    .build();
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 404) {
                return null;
            }
            if (response.statusCode() != 200) {
                throw new DirectoryUnavailableException("local AWS API answered HTTP " + response.statusCode()
                        + " on " + path, null);
            }
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new DirectoryUnavailableException("local AWS API at " + endpoint + " unreachable: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DirectoryUnavailableException("interrupted while asking the local AWS API", e);
        }
    }
}
