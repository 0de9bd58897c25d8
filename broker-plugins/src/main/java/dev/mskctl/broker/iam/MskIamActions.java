package dev.mskctl.broker.iam;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Kafka's (operation, resource) checks as the MSK IAM actions and resource ARNs that must be
 * allowed, after MSK's "Semantics of actions and resources": each action with the
 * prerequisites MSK names on the same resource, and Connect on the cluster for all.
 *
 * <p>Operations and resource types are named as Kafka's {@code AclOperation} and
 * {@code ResourceType} constants ({@code IDEMPOTENT_WRITE}, {@code TOPIC}, ...) but passed as
 * strings, so the map needs no Kafka classes: {@link IamDecisions} runs it outside a broker.
 */
public final class MskIamActions {
    public static final String PREFIX = "kafka-cluster:";

    /** One IAM action on one resource ARN. */
    public record Check(String action, String resourceArn) {
    }

    private final String partition;
    private final String region;
    private final String account;
    private final String clusterName;
    private final String clusterUuid;

    /**
     * @param clusterArn {@code arn:<partition>:kafka:<region>:<account>:cluster/<name>/<uuid>}; the
     *                   partition ({@code aws}, {@code aws-cn}, {@code aws-us-gov}) is kept in every ARN
     */
    public MskIamActions(String clusterArn) {
        String[] parts = clusterArn.split(":", 6);
        String[] resource = parts.length == 6 ? parts[5].split("/") : new String[0];
        if (parts.length != 6 || !parts[0].equals("arn") || !parts[2].equals("kafka") || parts[1].isEmpty()
                || resource.length != 3 || !resource[0].equals("cluster")) {
            throw new IllegalArgumentException("not an MSK cluster ARN: " + clusterArn);
        }
        this.partition = parts[1];
        this.region = parts[3];
        this.account = parts[4];
        this.clusterName = resource[1];
        this.clusterUuid = resource[2];
    }

    public String clusterArn() {
        return arn("cluster", null);
    }

    public Check connect() {
        return new Check(PREFIX + "Connect", clusterArn());
    }

    /**
     * The checks for one Kafka authorization, or empty when MSK IAM never allows it.
     *
     * @param operation a Kafka {@code AclOperation} name, such as {@code WRITE}
     * @param type      a Kafka {@code ResourceType} name, such as {@code TOPIC}
     */
    public Optional<List<Check>> checks(String operation, String type, String name) {
        List<Check> checks = new ArrayList<>();
        checks.add(connect());
        switch (type) {
            case "CLUSTER" -> {
                String cluster = clusterArn();
                switch (operation) {
                    case "DESCRIBE" -> checks.add(check("DescribeCluster", cluster));
                    case "ALTER" -> {
                        checks.add(check("DescribeCluster", cluster));
                        checks.add(check("AlterCluster", cluster));
                    }
                    case "DESCRIBE_CONFIGS" -> checks.add(check("DescribeClusterDynamicConfiguration", cluster));
                    case "ALTER_CONFIGS" -> {
                        checks.add(check("DescribeClusterDynamicConfiguration", cluster));
                        checks.add(check("AlterClusterDynamicConfiguration", cluster));
                    }
                    case "IDEMPOTENT_WRITE" -> checks.add(check("WriteDataIdempotently", cluster));
                    // CreateTopics and Metadata auto-creation ask CREATE on the cluster first and, when it
                    // is allowed, create every topic of the request unchecked. MSK's CreateTopic is on the
                    // topic resource, so it is never allowed here: Kafka then asks CREATE on each topic
                    // (below), and a Deny on some topic names applies to exactly those.
                    case "CREATE" -> {
                        return Optional.empty();
                    }
                    default -> {
                        return Optional.empty();
                    }
                }
            }
            case "TOPIC" -> {
                String topic = arn("topic", name);
                switch (operation) {
                    case "DESCRIBE" -> checks.add(check("DescribeTopic", topic));
                    case "CREATE" -> checks.add(check("CreateTopic", topic));
                    case "READ" -> {
                        checks.add(check("DescribeTopic", topic));
                        checks.add(check("ReadData", topic));
                    }
                    case "WRITE" -> {
                        checks.add(check("DescribeTopic", topic));
                        checks.add(check("WriteData", topic));
                    }
                    case "ALTER" -> {
                        checks.add(check("DescribeTopic", topic));
                        checks.add(check("AlterTopic", topic));
                    }
                    case "DELETE" -> {
                        checks.add(check("DescribeTopic", topic));
                        checks.add(check("DeleteTopic", topic));
                    }
                    case "DESCRIBE_CONFIGS" -> checks.add(check("DescribeTopicDynamicConfiguration", topic));
                    case "ALTER_CONFIGS" -> {
                        checks.add(check("DescribeTopicDynamicConfiguration", topic));
                        checks.add(check("AlterTopicDynamicConfiguration", topic));
                    }
                    default -> {
                        return Optional.empty();
                    }
                }
            }
            case "GROUP" -> {
                String group = arn("group", name);
                switch (operation) {
                    case "DESCRIBE" -> checks.add(check("DescribeGroup", group));
                    case "READ" -> {
                        checks.add(check("DescribeGroup", group));
                        checks.add(check("AlterGroup", group));
                    }
                    case "DELETE" -> {
                        checks.add(check("DescribeGroup", group));
                        checks.add(check("DeleteGroup", group));
                    }
                    default -> {
                        return Optional.empty();
                    }
                }
            }
            case "TRANSACTIONAL_ID" -> {
                String id = arn("transactional-id", name);
                switch (operation) {
                    case "DESCRIBE" -> checks.add(check("DescribeTransactionalId", id));
                    case "WRITE" -> {
                        checks.add(check("DescribeTransactionalId", id));
                        checks.add(check("AlterTransactionalId", id));
                    }
                    default -> {
                        return Optional.empty();
                    }
                }
            }
            default -> {
                return Optional.empty();
            }
        }
        return Optional.of(checks);
    }

    /**
     * Kafka's "WRITE on any topic" (authorizeByResourceType), which lets an idempotent producer
     * (InitProducerId without a transactional id, KIP-679) through without IDEMPOTENT_WRITE. MSK:
     * "it is not possible to WriteDataIdempotently to a topic by only providing WriteData access to
     * that topic; this does not affect the case when WriteData is provided to ALL topics", so it
     * is WriteData on every topic of the cluster, the literal {@code topic/<cluster>/<uuid>/*}.
     */
    public List<Check> writeOnAnyTopic() {
        return List.of(connect(), check("WriteData", arn("topic", "*")));
    }

    private static Check check(String action, String resourceArn) {
        return new Check(PREFIX + action, resourceArn);
    }

    private String arn(String kind, String resource) {
        String base = "arn:" + partition + ":kafka:" + region + ":" + account + ":" + kind + "/" + clusterName + "/" + clusterUuid;
        return resource == null ? base : base + "/" + resource;
    }
}
