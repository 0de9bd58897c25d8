package dev.mskctl.broker.iam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.CallbackHandler;
import javax.security.sasl.Sasl;
import javax.security.sasl.SaslServer;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.security.authenticator.SaslInternalConfigs;
import org.junit.jupiter.api.Test;

/**
 * AWS_MSK_IAM: the JSON signed payload aws-msk-iam-auth sends (lower-case keys, values not
 * URI-encoded, signed for the broker's host), checked by the same validator as OAUTHBEARER.
 * The payloads are signed here with the validator's own SigV4 code and AWS's documentation
 * example keys; the integration tests sign them with aws-msk-iam-auth itself.
 */
class IamSaslServerTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Instant SIGNED = Instant.parse("2026-12-05T10:00:00Z");
    static final String HOST = "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com";
    static final String USER_KEY = "AKIA" + "IOSFODNN7EXAMPLE";
    static final String USER_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    static final String SESSION_KEY = "ASIAIOSFODNN7SESSION";
    static final String SESSION_SECRET = "sessionsecretkey/EXAMPLE+key";
    static final String SESSION_TOKEN = "FwoGZXIvYXdzEXAMPLE/token+with/slashes==";
    static final Instant SESSION_EXPIRY = SIGNED.plusSeconds(300);
    static final IdentityDirectory DIRECTORY = key -> Optional.ofNullable(Map.of(
            USER_KEY, new Identity(SigV4TokenValidatorTest.USER_ARN, USER_SECRET, Optional.empty()),
            SESSION_KEY, new Identity(SigV4TokenValidatorTest.ROLE_ARN, SESSION_SECRET, Optional.of(SESSION_TOKEN),
                    Optional.of(SESSION_EXPIRY))).get(key));

    static SigV4TokenValidator validator(Instant now) {
        return new SigV4TokenValidator("us-east-1", DIRECTORY, Clock.fixed(now, ZoneOffset.UTC));
    }

    /** The payload as aws-msk-iam-auth builds it (AWS4SignedPayloadGenerator's fields). */
    static ObjectNode payload(String key, String secret, String token, String host) {
        String date = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).format(SIGNED);
        String[] scope = {key, date.substring(0, 8), "us-east-1", "kafka-cluster", "aws4_request"};
        TreeMap<String, String> query = new TreeMap<>();
        query.put("Action", "kafka-cluster:Connect");
        query.put("X-Amz-Algorithm", "AWS4-HMAC-SHA256");
        query.put("X-Amz-Credential", String.join("/", scope));
        query.put("X-Amz-Date", date);
        query.put("X-Amz-Expires", "900");
        query.put("X-Amz-SignedHeaders", "host");
        if (token != null) {
            query.put("X-Amz-Security-Token", token);
        }
        String signature = SigV4TokenValidator.signature(secret, host, query, date, scope);
        ObjectNode out = JSON.createObjectNode();
        out.put("version", "2020_10_22").put("host", host).put("user-agent", "aws-msk-iam-auth/2.3.5/test");
        query.forEach((k, v) -> out.put(k.toLowerCase(), v));
        out.put("x-amz-signature", signature);
        return out;
    }

    static byte[] bytes(JsonNode node) {
        return node.toString().getBytes(StandardCharsets.UTF_8);
    }

    static String rejection(ObjectNode payload) {
        return assertThrows(TokenRejectedException.class,
                () -> validator(SIGNED.plusSeconds(5)).validatePayload(bytes(payload), Set.of(HOST))).getMessage();
    }

    @Test
    void aSignedPayloadAuthenticatesItsPrincipal() throws Exception {
        AuthenticatedToken token = validator(SIGNED.plusSeconds(5))
                .validatePayload(bytes(payload(USER_KEY, USER_SECRET, null, HOST)), Set.of(HOST));
        assertEquals(SigV4TokenValidatorTest.USER_ARN, token.principalArn());
        assertEquals(SIGNED.plusSeconds(900), token.expiresAt());
    }

    @Test
    void theSessionEndsWhenTheCredentialsExpireBeforeTheSignature() throws Exception {
        AuthenticatedToken token = validator(SIGNED.plusSeconds(5))
                .validatePayload(bytes(payload(SESSION_KEY, SESSION_SECRET, SESSION_TOKEN, HOST)), Set.of(HOST));
        assertEquals(SigV4TokenValidatorTest.ROLE_ARN, token.principalArn());
        assertEquals(SESSION_EXPIRY, token.expiresAt());
        assertTrue(assertThrows(TokenRejectedException.class, () -> validator(SESSION_EXPIRY.plusSeconds(1))
                .validatePayload(bytes(payload(SESSION_KEY, SESSION_SECRET, SESSION_TOKEN, HOST)), Set.of(HOST)))
                .getMessage().contains("credentials expired"));
    }

    @Test
    void payloadsThatMustNotAuthenticate() {
        assertTrue(rejection(payload(USER_KEY, USER_SECRET, null, "b-9.other.example.com")).contains("host"));
        ObjectNode tampered = payload(USER_KEY, USER_SECRET, null, HOST);
        tampered.put("x-amz-expires", "899");
        assertEquals("signature does not match", rejection(tampered));
        ObjectNode version = payload(USER_KEY, USER_SECRET, null, HOST).put("version", "2021_01_01");
        assertTrue(rejection(version).contains("version"));
        ObjectNode extra = payload(USER_KEY, USER_SECRET, null, HOST).put("x-amz-extra", "1");
        assertTrue(rejection(extra).contains("unexpected field"));
        ObjectNode wrongSecret = payload(USER_KEY, "not-the-secret", null, HOST);
        assertEquals("signature does not match", rejection(wrongSecret));
        ObjectNode noToken = payload(SESSION_KEY, SESSION_SECRET, null, HOST);
        assertTrue(rejection(noToken).contains("X-Amz-Security-Token"));
        assertThrows(TokenRejectedException.class, () -> validator(SIGNED)
                .validatePayload("not json".getBytes(StandardCharsets.UTF_8), Set.of(HOST)));
    }

    /** A callback handler validating with the real validator (no LocalAwsApi, no policies). */
    static CallbackHandler handler() {
        return callbacks -> {
            for (Callback callback : callbacks) {
                IamSaslServer.PayloadCallback payload = (IamSaslServer.PayloadCallback) callback;
                try {
                    payload.authenticated(validator(SIGNED.plusSeconds(5)).validatePayload(payload.payload(),
                            Set.of(HOST)));
                } catch (TokenRejectedException | IdentityDirectory.DirectoryUnavailableException e) {
                    payload.error("Access denied");
                }
            }
        };
    }

    @Test
    void theSaslServerAnswersAsMskAndTellsKafkaTheSessionLifetime() throws Exception {
        SaslServer server = new IamSaslServer(handler());
        assertFalse(server.isComplete());
        byte[] challenge = server.evaluateResponse(bytes(payload(SESSION_KEY, SESSION_SECRET, SESSION_TOKEN, HOST)));
        JsonNode response = JSON.readTree(challenge);
        assertEquals("2020_10_22", response.get("version").asText());
        assertFalse(response.get("request-id").asText().isEmpty());
        assertTrue(server.isComplete());
        assertEquals(SigV4TokenValidatorTest.ROLE_ARN, server.getAuthorizationID());
        assertEquals(SESSION_EXPIRY.toEpochMilli(),
                server.getNegotiatedProperty(SaslInternalConfigs.CREDENTIAL_LIFETIME_MS_SASL_NEGOTIATED_PROPERTY_KEY));
        assertNull(server.getNegotiatedProperty("other"));
    }

    @Test
    void aRefusedPayloadIsAnAuthenticationErrorWithARequestId() {
        SaslServer server = new IamSaslServer(handler());
        String message = assertThrows(SaslAuthenticationException.class,
                () -> server.evaluateResponse(bytes(payload(USER_KEY, "wrong", null, HOST)))).getMessage();
        assertTrue(message.matches("\\[[0-9a-f-]{36}\\]: Access denied"), message);
        assertFalse(server.isComplete());
    }

    @Test
    void theLoginModuleRegistersTheMechanismWithTheJdk() throws Exception {
        IamServerLoginModule.register();
        IamSaslCallbackHandler kafkaHandler = new IamSaslCallbackHandler();
        SaslServer server = Sasl.createSaslServer("AWS_MSK_IAM", "kafka", HOST, Map.of(), kafkaHandler);
        assertEquals("AWS_MSK_IAM", server.getMechanismName());
    }

    @Test
    void brokerHostsComeFromAdvertisedListeners() {
        assertEquals(Set.of("127.0.0.11", "b-1.example.com"), IamSaslCallbackHandler.advertisedHosts(
                "CLIENT_IAM://127.0.0.11:9098,CLIENT_SECURE://B-1.example.com:9094"));
        assertEquals(Set.of("::1"), IamSaslCallbackHandler.advertisedHosts(List.of("CLIENT_IAM://[::1]:9098")));
        assertTrue(IamSaslCallbackHandler.advertisedHosts(null).isEmpty());
    }
}
