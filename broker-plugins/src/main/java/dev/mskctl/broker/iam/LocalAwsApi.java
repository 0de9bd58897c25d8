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

    /** The policies that apply to one principal, as the emulator returned them. */
    public record Policies(List<String> identityPolicies, Optional<String> clusterPolicy) {
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
                body.hasNonNull("sessionToken") ? Optional.of(body.get("sessionToken").asText()) : Optional.empty()));
        identities.put(accessKeyId, new Cached<>(identity, clock.instant().plus(IDENTITY_TTL)));
        return identity;
    }

    public Policies policies(String principalArn) throws DirectoryUnavailableException {
        Cached<Policies> cached = policies.get(principalArn);
        if (cached != null && clock.instant().isBefore(cached.expires())) {
            return cached.value();
        }
        JsonNode body = post("/mskctl/iam/policies", Map.of("principalArn", principalArn));
        List<String> identityPolicies = new ArrayList<>();
        if (body != null) {
            body.path("identityPolicies").forEach(p -> identityPolicies.add(p.asText()));
        }
        Optional<String> clusterPolicy = body != null && body.hasNonNull("clusterPolicy")
                ? Optional.of(body.get("clusterPolicy").asText()) : Optional.empty();
        Policies result = new Policies(List.copyOf(identityPolicies), clusterPolicy);
        policies.put(principalArn, new Cached<>(result, clock.instant().plus(POLICY_TTL)));
        return result;
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
