package dev.mskctl.broker.iam;

import java.security.Security;
import java.util.Map;
import javax.security.auth.Subject;
import javax.security.auth.callback.CallbackHandler;
import javax.security.auth.spi.LoginModule;

/**
 * The broker's JAAS login module for AWS_MSK_IAM
 * ({@code listener.name.client_iam.aws_msk_iam.sasl.jaas.config}): loading it registers the
 * SASL server for the mechanism, as Kafka's own login modules do for theirs. Its options
 * (endpoint, tokenFile, region, clusterArn) are read by {@link IamSaslCallbackHandler}.
 */
public final class IamServerLoginModule implements LoginModule {
    static {
        register();
    }

    static synchronized void register() {
        if (Security.getProvider("mskctl AWS_MSK_IAM SASL server") == null) {
            Security.addProvider(new IamSaslServer.SaslProvider());
        }
    }

    @Override
    public void initialize(Subject subject, CallbackHandler callbackHandler, Map<String, ?> sharedState,
                           Map<String, ?> options) {
    }

    @Override
    public boolean login() {
        return true;
    }

    @Override
    public boolean commit() {
        return true;
    }

    @Override
    public boolean abort() {
        return false;
    }

    @Override
    public boolean logout() {
        return true;
    }
}
