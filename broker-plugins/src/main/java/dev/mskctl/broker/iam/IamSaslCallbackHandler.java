package dev.mskctl.broker.iam;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.auth.login.AppConfigurationEntry;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.security.auth.AuthenticateCallbackHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The IAM listener's (9098) AWS_MSK_IAM server callback: checks the signed payload with
 * {@link SigV4TokenValidator#validatePayload} (signed for one of this broker's advertised host
 * names), then that the principal may {@code kafka-cluster:Connect}: the same checks, with the
 * same code, as {@link IamOAuthBearerValidator}.
 *
 * <p>JAAS options: {@code endpoint}, {@code tokenFile}, {@code region}, {@code clusterArn}.
 */
public final class IamSaslCallbackHandler implements AuthenticateCallbackHandler {
    private static final Logger LOG = LoggerFactory.getLogger(IamSaslCallbackHandler.class);

    private SigV4TokenValidator validator;
    private IamAccess access;
    private Set<String> brokerHosts;

    @Override
    public void configure(Map<String, ?> configs, String mechanism, List<AppConfigurationEntry> jaasConfigEntries) {
        if (!IamSaslServer.MECHANISM.equals(mechanism)) {
            throw new IllegalArgumentException("IamSaslCallbackHandler serves AWS_MSK_IAM only, not " + mechanism);
        }
        IamServerLoginModule.register();
        Map<String, ?> options = jaasConfigEntries.get(0).getOptions();
        try {
            LocalAwsApi api = new LocalAwsApi(URI.create(IamOAuthBearerValidator.option(options, "endpoint")),
                    Path.of(IamOAuthBearerValidator.option(options, "tokenFile")), Clock.systemUTC());
            this.validator = new SigV4TokenValidator(IamOAuthBearerValidator.option(options, "region"), api,
                    Clock.systemUTC());
            this.access = new IamAccess(api, new MskIamActions(IamOAuthBearerValidator.option(options, "clusterArn")),
                    Clock.systemUTC());
        } catch (IOException e) {
            throw new KafkaException("cannot configure MSK IAM authentication: " + e.getMessage(), e);
        }
        this.brokerHosts = advertisedHosts(configs.get("advertised.listeners"));
        if (brokerHosts.isEmpty()) {
            throw new KafkaException("AWS_MSK_IAM needs the broker's advertised.listeners to check the signed host");
        }
    }

    /** Host names of {@code advertised.listeners} ({@code NAME://host:port,…}), lower case. */
    static Set<String> advertisedHosts(Object advertised) {
        Set<String> hosts = new LinkedHashSet<>();
        if (advertised == null) {
            return hosts;
        }
        String text = advertised instanceof List<?> list
                ? String.join(",", list.stream().map(String::valueOf).toList()) : advertised.toString();
        for (String entry : text.split(",")) {
            int scheme = entry.indexOf("://");
            if (scheme < 0) {
                continue;
            }
            String hostPort = entry.substring(scheme + 3).trim();
            int colon = hostPort.lastIndexOf(':');
            String host = colon > 0 ? hostPort.substring(0, colon) : hostPort;
            host = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
            if (!host.isEmpty()) {
                hosts.add(host.toLowerCase(Locale.ROOT));
            }
        }
        return hosts;
    }

    @Override
    public void handle(Callback[] callbacks) throws UnsupportedCallbackException {
        for (Callback callback : callbacks) {
            if (callback instanceof IamSaslServer.PayloadCallback payload) {
                authenticate(payload);
            } else {
                throw new UnsupportedCallbackException(callback);
            }
        }
    }

    private void authenticate(IamSaslServer.PayloadCallback callback) {
        AuthenticatedToken token;
        try {
            token = validator.validatePayload(callback.payload(), brokerHosts);
        } catch (TokenRejectedException e) {
            LOG.info("MSK IAM authentication failed (AWS_MSK_IAM): {}", e.getMessage());
            callback.error("Access denied");
            return;
        } catch (IdentityDirectory.DirectoryUnavailableException e) {
            LOG.warn("MSK IAM authentication failed (AWS_MSK_IAM): {}", e.getMessage());
            callback.error("Temporarily unavailable");
            return;
        }
        PolicyDecision connect = access.connectDecision(token.principalArn());
        if (!connect.allowed()) {
            LOG.info("MSK IAM authentication failed (AWS_MSK_IAM): {} may not kafka-cluster:Connect ({})",
                    token.principalArn(), connect.reason());
            callback.error("Access denied");
            return;
        }
        LOG.info("MSK IAM authenticated {} (AWS_MSK_IAM, access key {}), session until {}", token.principalArn(),
                SigV4TokenValidator.maskKey(token.accessKeyId()), token.expiresAt());
        callback.authenticated(token);
    }

    @Override
    public void close() {
    }
}
