package dev.mskctl.broker.iam;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.auth.login.AppConfigurationEntry;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.security.auth.AuthenticateCallbackHandler;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerExtensionsValidatorCallback;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerToken;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The IAM listener's (9098) OAUTHBEARER server callback: accepts MSK IAM tokens whose SigV4
 * signature verifies with the emulator's secret for the access key and whose principal may
 * {@code kafka-cluster:Connect}. The principal is the IAM user or assumed-role ARN.
 *
 * <p>JAAS options: {@code endpoint} (the local AWS API), {@code tokenFile} (its bearer token),
 * {@code region}, {@code clusterArn}.
 */
public final class IamOAuthBearerValidator implements AuthenticateCallbackHandler {
    private static final Logger LOG = LoggerFactory.getLogger(IamOAuthBearerValidator.class);

    private SigV4TokenValidator validator;
    private IamAccess access;

    @Override
    public void configure(Map<String, ?> configs, String mechanism, List<AppConfigurationEntry> jaasConfigEntries) {
        if (!"OAUTHBEARER".equals(mechanism)) {
            throw new IllegalArgumentException("IamOAuthBearerValidator serves OAUTHBEARER only, not " + mechanism);
        }
        Map<String, ?> options = jaasConfigEntries.get(0).getOptions();
        try {
            LocalAwsApi api = new LocalAwsApi(URI.create(option(options, "endpoint")),
                    Path.of(option(options, "tokenFile")), Clock.systemUTC());
            this.validator = new SigV4TokenValidator(option(options, "region"), api, Clock.systemUTC());
            this.access = new IamAccess(api, new MskIamActions(option(options, "clusterArn")), Clock.systemUTC());
        } catch (IOException e) {
            throw new KafkaException("cannot configure MSK IAM authentication: " + e.getMessage(), e);
        }
    }

    @Override
    public void handle(Callback[] callbacks) throws UnsupportedCallbackException {
        for (Callback callback : callbacks) {
            if (callback instanceof OAuthBearerValidatorCallback validation) {
                validate(validation);
            } else if (callback instanceof OAuthBearerExtensionsValidatorCallback extensions) {
                // MSK IAM tokens carry no SASL extensions: refuse any rather than ignore them.
                extensions.inputExtensions().map().keySet().forEach(k -> extensions.error(k, "not supported"));
            } else {
                throw new UnsupportedCallbackException(callback);
            }
        }
    }

    private void validate(OAuthBearerValidatorCallback callback) {
        AuthenticatedToken token;
        try {
            token = validator.validate(callback.tokenValue());
        } catch (TokenRejectedException e) {
            LOG.info("MSK IAM authentication failed: {}", e.getMessage());
            callback.error("invalid_token", null, null);
            return;
        } catch (IdentityDirectory.DirectoryUnavailableException e) {
            LOG.warn("MSK IAM authentication failed: {}", e.getMessage());
            callback.error("temporarily_unavailable", null, null);
            return;
        }
        PolicyDecision connect = access.connectDecision(token.principalArn());
        if (!connect.allowed()) {
            LOG.info("MSK IAM authentication failed: {} may not kafka-cluster:Connect ({})", token.principalArn(),
                    connect.reason());
            callback.error("access_denied", null, null);
            return;
        }
        LOG.info("MSK IAM authenticated {} (OAUTHBEARER, access key {}), session until {}", token.principalArn(),
                SigV4TokenValidator.maskKey(token.accessKeyId()), token.expiresAt());
        callback.token(new IamToken(token));
    }

    @Override
    public void close() {
    }

    static String option(Map<String, ?> options, String name) {
        Object value = options.get(name);
        if (value == null || value.toString().isBlank()) {
            throw new IllegalArgumentException("JAAS option " + name + " is required for MSK IAM authentication");
        }
        return value.toString();
    }

    /**
     * The authenticated session: its principal is the IAM ARN; it expires with the signed URL or
     * the credentials behind it, whichever ends first (Kafka closes it then, KIP-368).
     */
    private record IamToken(AuthenticatedToken token) implements OAuthBearerToken {
        @Override
        public String value() {
            return "redacted";
        }

        @Override
        public Set<String> scope() {
            return Set.of();
        }

        @Override
        public long lifetimeMs() {
            return token.expiresAt().toEpochMilli();
        }

        @Override
        public String principalName() {
            return token.principalArn();
        }

        @Override
        public Long startTimeMs() {
            return token.issuedAt().toEpochMilli();
        }
    }
}
