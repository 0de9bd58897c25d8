package dev.mskctl.broker.iam;

import java.nio.charset.StandardCharsets;
import java.security.Provider;
import java.util.Map;
import java.util.UUID;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.CallbackHandler;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.sasl.SaslException;
import javax.security.sasl.SaslServer;
import javax.security.sasl.SaslServerFactory;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.security.authenticator.SaslInternalConfigs;

/**
 * The server side of the AWS_MSK_IAM SASL mechanism (the one aws-msk-iam-auth's
 * {@code IAMLoginModule} speaks): one client message, the JSON signed payload, answered by one
 * server message, {@code {"version":"2020_10_22","request-id":"…"}}. The payload is checked by
 * {@link IamSaslCallbackHandler} with the same validator and IAM policies as OAUTHBEARER.
 * The session ends when the signature or the credentials behind it expire (KIP-368).
 */
public final class IamSaslServer implements SaslServer {
    public static final String MECHANISM = "AWS_MSK_IAM";

    /** What the callback handler is asked to check, and what it answers. */
    public static final class PayloadCallback implements Callback {
        private final byte[] payload;
        private AuthenticatedToken token;
        private String error;

        PayloadCallback(byte[] payload) {
            this.payload = payload;
        }

        public byte[] payload() {
            return payload;
        }

        public void authenticated(AuthenticatedToken token) {
            this.token = token;
        }

        public void error(String error) {
            this.error = error;
        }
    }

    private final CallbackHandler callbackHandler;
    private AuthenticatedToken token;
    private boolean complete;

    IamSaslServer(CallbackHandler callbackHandler) {
        this.callbackHandler = callbackHandler;
    }

    @Override
    public String getMechanismName() {
        return MECHANISM;
    }

    @Override
    public byte[] evaluateResponse(byte[] response) throws SaslException {
        if (complete) {
            throw new IllegalStateException("AWS_MSK_IAM authentication is already complete");
        }
        String requestId = UUID.randomUUID().toString();
        PayloadCallback callback = new PayloadCallback(response);
        try {
            callbackHandler.handle(new Callback[] {callback});
        } catch (UnsupportedCallbackException | java.io.IOException e) {
            throw new SaslException("AWS_MSK_IAM: the callback handler cannot check payloads: " + e.getMessage(), e);
        }
        if (callback.token == null) {
            // MSK's shape: "[request-id]: reason"; the details are in the broker log with the same id.
            throw new SaslAuthenticationException("[" + requestId + "]: "
                    + (callback.error == null ? "Access denied" : callback.error));
        }
        token = callback.token;
        complete = true;
        return ("{\"version\":\"" + SigV4TokenValidator.PAYLOAD_VERSION + "\",\"request-id\":\"" + requestId + "\"}")
                .getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public boolean isComplete() {
        return complete;
    }

    @Override
    public String getAuthorizationID() {
        requireComplete();
        return token.principalArn();
    }

    @Override
    public Object getNegotiatedProperty(String name) {
        requireComplete();
        if (SaslInternalConfigs.CREDENTIAL_LIFETIME_MS_SASL_NEGOTIATED_PROPERTY_KEY.equals(name)) {
            return token.expiresAt().toEpochMilli();
        }
        return null;
    }

    @Override
    public byte[] unwrap(byte[] incoming, int offset, int len) {
        throw new IllegalStateException("AWS_MSK_IAM supports neither integrity nor privacy");
    }

    @Override
    public byte[] wrap(byte[] outgoing, int offset, int len) {
        throw new IllegalStateException("AWS_MSK_IAM supports neither integrity nor privacy");
    }

    @Override
    public void dispose() {
        token = null;
    }

    private void requireComplete() {
        if (!complete) {
            throw new IllegalStateException("AWS_MSK_IAM authentication is not complete");
        }
    }

    /** Creates {@link IamSaslServer}s for the JDK's {@code Sasl.createSaslServer}. */
    public static final class Factory implements SaslServerFactory {
        @Override
        public SaslServer createSaslServer(String mechanism, String protocol, String serverName,
                                           Map<String, ?> props, CallbackHandler cbh) throws SaslException {
            if (!MECHANISM.equals(mechanism)) {
                throw new SaslException("mechanism " + mechanism + " is not " + MECHANISM);
            }
            if (!(cbh instanceof IamSaslCallbackHandler)) {
                throw new SaslException(MECHANISM + " needs " + IamSaslCallbackHandler.class.getName()
                        + " as the listener's sasl.server.callback.handler.class");
            }
            return new IamSaslServer(cbh);
        }

        @Override
        public String[] getMechanismNames(Map<String, ?> props) {
            return new String[] {MECHANISM};
        }
    }

    /** The security provider that makes AWS_MSK_IAM known to the JDK's SASL framework. */
    public static final class SaslProvider extends Provider {
        private static final long serialVersionUID = 1L;

        public SaslProvider() {
            super("mskctl AWS_MSK_IAM SASL server", "1.0", "MSK IAM authentication for the local MSK");
            put("SaslServerFactory." + MECHANISM, Factory.class.getName());
        }
    }
}
