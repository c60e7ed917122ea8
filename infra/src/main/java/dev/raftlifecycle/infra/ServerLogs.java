package dev.raftlifecycle.infra;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.ArnComponents;
import software.amazon.awscdk.ArnFormat;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.iam.IRole;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.kms.Key;
import software.amazon.awscdk.services.logs.LogGroup;
import software.constructs.Construct;

/**
 * Where the servers' logs go: Vault's audit device (Vault only: Consul's audit logging is an Enterprise feature) and
 * the systemd journal, shipped by the CloudWatch agent on each server, into log groups named
 * {@code /raft-lifecycle/<clusterName>/audit|journal}, encrypted with a key of their own and kept for
 * logRetentionDays. Both groups and their key are RETAINED when the stack is deleted: an audit trail outlives the
 * cluster it recorded.
 */
public final class ServerLogs extends Construct {

    /** Every server log group's name starts with this, then the cluster's name. */
    public static final String PREFIX = "/raft-lifecycle/";
    public static final String AUDIT = "audit";
    public static final String JOURNAL = "journal";
    /**
     * What the CloudWatch agent calls on an existing group: create its stream (one per instance), describe it (the
     * agent's start-up check) and put events. Not CreateLogGroup: the groups exist, and the agent must not make others.
     */
    public static final List<String> AGENT_ACTIONS = List.of("logs:CreateLogStream", "logs:DescribeLogStreams",
            "logs:PutLogEvents");

    /** The log group name of the cluster's logs of this kind: one definition for the stack, the README and tests. */
    public static String groupName(String clusterName, String kind) {
        return PREFIX + clusterName + "/" + kind;
    }

    private final Key key;
    private final LogGroup journal;
    private final LogGroup audit;

    public ServerLogs(Construct scope, String id, ClusterConfig config) {
        super(scope, id);
        Stack stack = Stack.of(this);
        this.key = Key.Builder.create(this, "Key")
                .description("raft-lifecycle " + config.clusterName() + ": encrypts the servers' audit and journal logs")
                .enableKeyRotation(true)
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();
        // CloudWatch Logs encrypts and decrypts with the key on the log groups' behalf; the encryption context names
        // the log group, so the service may use it for this cluster's groups only.
        key.addToResourcePolicy(PolicyStatement.Builder.create()
                .sid("CloudWatchLogsEncryptsThisClustersLogGroups")
                .principals(List.of(new ServicePrincipal("logs." + Aws.REGION + ".amazonaws.com")))
                .actions(List.of("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                        "kms:Describe*"))
                .resources(List.of("*"))
                .conditions(Map.of("ArnLike", Map.of("kms:EncryptionContext:aws:logs:arn", stack.formatArn(
                        ArnComponents.builder()
                                .service("logs")
                                .resource("log-group")
                                .resourceName(PREFIX + config.clusterName() + "/*")
                                .arnFormat(ArnFormat.COLON_RESOURCE_NAME)
                                .build()))))
                .build());
        this.journal = group("Journal", groupName(config.clusterName(), JOURNAL), config);
        this.audit = config.consul() ? null : group("Audit", groupName(config.clusterName(), AUDIT), config);
    }

    private LogGroup group(String id, String name, ClusterConfig config) {
        return LogGroup.Builder.create(this, id)
                .logGroupName(name)
                .encryptionKey(key)
                .retention(LogRetention.of(config.logRetentionDays()))
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();
    }

    /** Lets the servers' CloudWatch agent write to exactly these groups. */
    public void allowAgentToShip(IRole serverRole) {
        List<String> resources = new ArrayList<>();
        for (LogGroup group : groups()) {
            resources.add(group.getLogGroupArn()); // arn:...:log-group:<name>:* (the group and its streams)
        }
        serverRole.addToPrincipalPolicy(PolicyStatement.Builder.create()
                .sid("CloudWatchAgentShipsServerLogs")
                .actions(AGENT_ACTIONS)
                .resources(resources)
                .build());
    }

    public List<LogGroup> groups() {
        return audit == null ? List.of(journal) : List.of(audit, journal);
    }

    public LogGroup journal() {
        return journal;
    }

    /** Vault's audit log group (a Consul stack has none). */
    public LogGroup audit() {
        if (audit == null) {
            throw new IllegalStateException("a Consul stack has no audit log group");
        }
        return audit;
    }

    public Key key() {
        return key;
    }
}
