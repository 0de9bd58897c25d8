package dev.mskctl.broker.iam;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;
import org.apache.kafka.common.Endpoint;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.metrics.Monitorable;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.metadata.authorizer.AclMutator;
import org.apache.kafka.metadata.authorizer.ClusterMetadataAuthorizer;
import org.apache.kafka.metadata.authorizer.StandardAcl;
import org.apache.kafka.metadata.authorizer.StandardAuthorizer;
import org.apache.kafka.server.authorizer.AclCreateResult;
import org.apache.kafka.server.authorizer.AclDeleteResult;
import org.apache.kafka.server.authorizer.Action;
import org.apache.kafka.server.authorizer.AuthorizableRequestContext;
import org.apache.kafka.server.authorizer.AuthorizationResult;
import org.apache.kafka.server.authorizer.AuthorizerServerInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local MSK's authorizer, as MSK's: requests on the IAM listener are decided by IAM
 * policies (Kafka ACLs do not apply to IAM principals); everything else — SCRAM and mTLS
 * principals, brokers, controllers — by Kafka ACLs through a wrapped {@link StandardAuthorizer},
 * which also keeps loading ACLs from the KRaft metadata log.
 *
 * <p>Broker configs: {@code mskctl.iam.listener}, {@code mskctl.iam.endpoint},
 * {@code mskctl.iam.token.file}, {@code mskctl.iam.cluster.arn}. Without them it is exactly
 * StandardAuthorizer.
 */
public final class MskIamAuthorizer implements ClusterMetadataAuthorizer, Monitorable {
    private static final Logger LOG = LoggerFactory.getLogger(MskIamAuthorizer.class);
    private static final Logger DECISIONS = LoggerFactory.getLogger("kafka.authorizer.logger");

    private final StandardAuthorizer acls = new StandardAuthorizer();
    private String iamListener;
    private Set<String> controllerListeners = Set.of();
    private IamAccess iam;

    @Override
    public void configure(Map<String, ?> configs) {
        acls.configure(configs);
        Object listener = configs.get("mskctl.iam.listener");
        if (listener == null) {
            return;
        }
        iamListener = listener.toString();
        Object controllers = configs.get("controller.listener.names");
        if (controllers != null) {
            controllerListeners = Arrays.stream(controllers.toString().split(","))
                    .map(name -> name.trim().toUpperCase(Locale.ROOT)).filter(name -> !name.isEmpty())
                    .collect(Collectors.toUnmodifiableSet());
        }
        try {
            LocalAwsApi api = new LocalAwsApi(URI.create(String.valueOf(configs.get("mskctl.iam.endpoint"))),
                    Path.of(String.valueOf(configs.get("mskctl.iam.token.file"))), Clock.systemUTC());
            iam = new IamAccess(api, new MskIamActions(String.valueOf(configs.get("mskctl.iam.cluster.arn"))),
                    Clock.systemUTC());
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalStateException("cannot configure MSK IAM authorization: " + e.getMessage(), e);
        }
        LOG.info("MSK IAM authorization on listener {} for {}", iamListener, iam.actions().clusterArn());
    }

    private boolean isIam(AuthorizableRequestContext context) {
        if (iam == null) {
            return false;
        }
        if (iamListener.equalsIgnoreCase(context.listenerName())) {
            return true;
        }
        // KRaft brokers forward CreateTopics, configs and ACL changes to the controller, which
        // authorizes them with the client's principal but on its own listener: an IAM principal
        // (named by its ARN; SCRAM and mTLS names never start with "arn:") is still decided by IAM.
        return isForwarded(context) && isIamPrincipalName(context.principal().getName());
    }

    private boolean isForwarded(AuthorizableRequestContext context) {
        return context.listenerName() != null
                && controllerListeners.contains(context.listenerName().toUpperCase(Locale.ROOT));
    }

    static boolean isIamPrincipalName(String name) {
        // "arn:aws" also covers the aws-cn and aws-us-gov partitions.
        return name != null && name.startsWith("arn:aws") && (name.contains(":iam::") || name.contains(":sts::"));
    }

    @Override
    public List<AuthorizationResult> authorize(AuthorizableRequestContext context, List<Action> actions) {
        if (!isIam(context)) {
            return acls.authorize(context, actions);
        }
        String principal = context.principal().getName();
        String sourceIp = sourceIp(context);
        List<AuthorizationResult> results = new ArrayList<>(actions.size());
        for (Action action : actions) {
            ResourceType type = action.resourcePattern().resourceType();
            String name = action.resourcePattern().name();
            Optional<List<MskIamActions.Check>> checks =
                    iam.actions().checks(action.operation().name(), type.name(), name);
            PolicyDecision decision = checks.isPresent()
                    ? iam.decide(principal, checks.get(), sourceIp)
                    : new PolicyDecision(PolicyDecision.Effect.IMPLICIT_DENY,
                    "MSK IAM has no action for " + action.operation() + " on " + type);
            results.add(decision.allowed() ? AuthorizationResult.ALLOWED : AuthorizationResult.DENIED);
            if (decision.allowed()) {
                DECISIONS.debug("IAM principal {} ALLOWED {} on {} {}: {}", principal, action.operation(), type,
                        name, decision.reason());
            } else if (action.logIfDenied()) {
                DECISIONS.info("IAM principal {} DENIED {} on {} {}: {}", principal, action.operation(), type,
                        name, decision.reason());
            }
        }
        return results;
    }

    private static String sourceIp(AuthorizableRequestContext context) {
        return context.clientAddress() == null ? null : context.clientAddress().getHostAddress();
    }

    /**
     * Kafka asks this for an idempotent producer whose principal lacks IDEMPOTENT_WRITE (KIP-679:
     * "WRITE on any topic" is enough). MSK: WriteDataIdempotently is deprecated for Kafka 2.8+, and
     * WriteData lets an idempotent producer through only when it is allowed on ALL topics of the
     * cluster ({@link MskIamActions#writeOnAnyTopic}); WriteData on some topics is not enough.
     * Nothing else is granted by resource type to IAM principals.
     */
    @Override
    public AuthorizationResult authorizeByResourceType(AuthorizableRequestContext context, AclOperation op,
                                                       ResourceType type) {
        if (!isIam(context)) {
            return acls.authorizeByResourceType(context, op, type);
        }
        if (op != AclOperation.WRITE || type != ResourceType.TOPIC) {
            return AuthorizationResult.DENIED;
        }
        String principal = context.principal().getName();
        PolicyDecision decision = iam.decide(principal, iam.actions().writeOnAnyTopic(), sourceIp(context));
        if (!decision.allowed()) {
            DECISIONS.info("IAM principal {} DENIED idempotent writes (neither WriteDataIdempotently on the cluster"
                    + " nor WriteData on all topics): {}", principal, decision.reason());
        }
        return decision.allowed() ? AuthorizationResult.ALLOWED : AuthorizationResult.DENIED;
    }

    /** StandardAuthorizer records its metrics through these; without them it fails on first use. */
    @Override
    public void withPluginMetrics(PluginMetrics metrics) {
        acls.withPluginMetrics(metrics);
    }

    @Override
    public Map<Endpoint, ? extends CompletionStage<Void>> start(AuthorizerServerInfo serverInfo) {
        return acls.start(serverInfo);
    }

    @Override
    public List<? extends CompletionStage<AclCreateResult>> createAcls(AuthorizableRequestContext context,
                                                                        List<AclBinding> bindings) {
        return acls.createAcls(context, bindings);
    }

    @Override
    public List<? extends CompletionStage<AclDeleteResult>> deleteAcls(AuthorizableRequestContext context,
                                                                        List<AclBindingFilter> filters) {
        return acls.deleteAcls(context, filters);
    }

    @Override
    public Iterable<AclBinding> acls(AclBindingFilter filter) {
        return acls.acls(filter);
    }

    @Override
    public int aclCount() {
        return acls.aclCount();
    }

    @Override
    public void setAclMutator(AclMutator aclMutator) {
        acls.setAclMutator(aclMutator);
    }

    @Override
    public AclMutator aclMutatorOrException() {
        return acls.aclMutatorOrException();
    }

    @Override
    public void completeInitialLoad() {
        acls.completeInitialLoad();
    }

    @Override
    public void completeInitialLoad(Exception e) {
        acls.completeInitialLoad(e);
    }

    @Override
    public void loadSnapshot(Map<Uuid, StandardAcl> snapshot) {
        acls.loadSnapshot(snapshot);
    }

    @Override
    public void addAcl(Uuid id, StandardAcl acl) {
        acls.addAcl(id, acl);
    }

    @Override
    public void removeAcl(Uuid id) {
        acls.removeAcl(id);
    }

    @Override
    public void close() throws IOException {
        acls.close();
    }
}
