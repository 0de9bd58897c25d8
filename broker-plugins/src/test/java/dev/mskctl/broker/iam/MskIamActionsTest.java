package dev.mskctl.broker.iam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class MskIamActionsTest {
    static final String CLUSTER = "arn:aws:kafka:us-east-1:123456789012:cluster/demo/uuid-1";
    static final String BASE = "arn:aws:kafka:us-east-1:123456789012:";
    static final MskIamActions ACTIONS = new MskIamActions(CLUSTER);

    static Stream<Arguments> mapping() {
        String topic = BASE + "topic/demo/uuid-1/orders";
        String group = BASE + "group/demo/uuid-1/billing";
        String txn = BASE + "transactional-id/demo/uuid-1/tx-1";
        return Stream.of(
                Arguments.of(AclOperation.DESCRIBE, ResourceType.CLUSTER, "kafka-cluster", List.of("DescribeCluster@" + CLUSTER)),
                Arguments.of(AclOperation.ALTER, ResourceType.CLUSTER, "kafka-cluster",
                        List.of("DescribeCluster@" + CLUSTER, "AlterCluster@" + CLUSTER)),
                Arguments.of(AclOperation.DESCRIBE_CONFIGS, ResourceType.CLUSTER, "kafka-cluster",
                        List.of("DescribeClusterDynamicConfiguration@" + CLUSTER)),
                Arguments.of(AclOperation.ALTER_CONFIGS, ResourceType.CLUSTER, "kafka-cluster",
                        List.of("DescribeClusterDynamicConfiguration@" + CLUSTER, "AlterClusterDynamicConfiguration@" + CLUSTER)),
                Arguments.of(AclOperation.IDEMPOTENT_WRITE, ResourceType.CLUSTER, "kafka-cluster",
                        List.of("WriteDataIdempotently@" + CLUSTER)),
                Arguments.of(AclOperation.CREATE, ResourceType.TOPIC, "orders", List.of("CreateTopic@" + topic)),
                Arguments.of(AclOperation.DESCRIBE, ResourceType.TOPIC, "orders", List.of("DescribeTopic@" + topic)),
                Arguments.of(AclOperation.READ, ResourceType.TOPIC, "orders",
                        List.of("DescribeTopic@" + topic, "ReadData@" + topic)),
                Arguments.of(AclOperation.WRITE, ResourceType.TOPIC, "orders",
                        List.of("DescribeTopic@" + topic, "WriteData@" + topic)),
                Arguments.of(AclOperation.ALTER, ResourceType.TOPIC, "orders",
                        List.of("DescribeTopic@" + topic, "AlterTopic@" + topic)),
                Arguments.of(AclOperation.DELETE, ResourceType.TOPIC, "orders",
                        List.of("DescribeTopic@" + topic, "DeleteTopic@" + topic)),
                Arguments.of(AclOperation.DESCRIBE_CONFIGS, ResourceType.TOPIC, "orders",
                        List.of("DescribeTopicDynamicConfiguration@" + topic)),
                Arguments.of(AclOperation.ALTER_CONFIGS, ResourceType.TOPIC, "orders",
                        List.of("DescribeTopicDynamicConfiguration@" + topic, "AlterTopicDynamicConfiguration@" + topic)),
                Arguments.of(AclOperation.DESCRIBE, ResourceType.GROUP, "billing", List.of("DescribeGroup@" + group)),
                Arguments.of(AclOperation.READ, ResourceType.GROUP, "billing",
                        List.of("DescribeGroup@" + group, "AlterGroup@" + group)),
                Arguments.of(AclOperation.DELETE, ResourceType.GROUP, "billing",
                        List.of("DescribeGroup@" + group, "DeleteGroup@" + group)),
                Arguments.of(AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, "tx-1",
                        List.of("DescribeTransactionalId@" + txn)),
                Arguments.of(AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, "tx-1",
                        List.of("DescribeTransactionalId@" + txn, "AlterTransactionalId@" + txn)));
    }

    @ParameterizedTest
    @MethodSource("mapping")
    void kafkaChecksMapToMskActionsWithConnectFirst(AclOperation op, ResourceType type, String name, List<String> want) {
        List<String> got = ACTIONS.checks(op.name(), type.name(), name).orElseThrow().stream()
                .map(c -> c.action().substring(MskIamActions.PREFIX.length()) + "@" + c.resourceArn()).toList();
        assertEquals("Connect@" + CLUSTER, got.get(0));
        assertEquals(want, got.subList(1, got.size()));
    }

    @Test
    void operationsMskIamDoesNotGrantHaveNoMapping() {
        assertTrue(ACTIONS.checks(AclOperation.CLUSTER_ACTION.name(), ResourceType.CLUSTER.name(), "kafka-cluster").isEmpty());
        assertTrue(ACTIONS.checks(AclOperation.DESCRIBE.name(), ResourceType.DELEGATION_TOKEN.name(), "t").isEmpty());
        assertTrue(ACTIONS.checks(AclOperation.ALTER.name(), ResourceType.GROUP.name(), "g").isEmpty());
        assertTrue(ACTIONS.checks(AclOperation.DESCRIBE.name(), ResourceType.USER.name(), "u").isEmpty());
    }

    @Test
    void createOnTheClusterIsNeverGrantedSoKafkaDecidesEachTopic() {
        // Kafka creates every topic of a request unchecked when CREATE on the cluster is allowed;
        // MSK's CreateTopic is on topics, so a Deny on some topic names must reach each topic.
        assertTrue(ACTIONS.checks(AclOperation.CREATE.name(), ResourceType.CLUSTER.name(), "kafka-cluster").isEmpty());
    }

    @Test
    void writeOnAnyTopicIsWriteDataOnAllTopics() {
        List<String> got = ACTIONS.writeOnAnyTopic().stream()
                .map(c -> c.action().substring(MskIamActions.PREFIX.length()) + "@" + c.resourceArn()).toList();
        assertEquals(List.of("Connect@" + CLUSTER, "WriteData@" + BASE + "topic/demo/uuid-1/*"), got);
    }

    @Test
    void thePartitionIsKeptInEveryArn() {
        for (String partition : List.of("aws-cn", "aws-us-gov")) {
            String arn = "arn:" + partition + ":kafka:cn-north-1:123456789012:cluster/demo/uuid-1";
            MskIamActions actions = new MskIamActions(arn);
            assertEquals(arn, actions.clusterArn());
            assertEquals("arn:" + partition + ":kafka:cn-north-1:123456789012:topic/demo/uuid-1/orders",
                    actions.checks("WRITE", "TOPIC", "orders").orElseThrow().get(2).resourceArn());
            assertEquals("arn:" + partition + ":kafka:cn-north-1:123456789012:group/demo/uuid-1/g",
                    actions.checks("READ", "GROUP", "g").orElseThrow().get(1).resourceArn());
        }
    }

    @Test
    void clusterArnMustBeAnMskClusterArn() {
        assertThrows(IllegalArgumentException.class,
                () -> new MskIamActions("arn:aws:sqs:us-east-1:123456789012:cluster/demo/uuid-1"));
        assertThrows(IllegalArgumentException.class, () -> new MskIamActions("arn:aws:s3:::bucket"));
        assertEquals(CLUSTER, ACTIONS.clusterArn());
    }
}
