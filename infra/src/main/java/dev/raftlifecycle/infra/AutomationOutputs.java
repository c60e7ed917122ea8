package dev.raftlifecycle.infra;

import dev.raftlifecycle.contract.ConsulAccess;
import dev.raftlifecycle.contract.HandlerNames;
import dev.raftlifecycle.contract.VaultAccess;
import java.util.List;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Stack;

/**
 * The stack outputs about the automation itself (handlers' roles, how to bind them, the status and snapshot functions,
 * lock table, alarms, dashboard), the same on a new cluster's stack and an adopted cluster's: one definition for both.
 */
final class AutomationOutputs {
    private AutomationOutputs() {
    }

    static void output(Stack stack, String id, String value, String description) {
        CfnOutput.Builder.create(stack, id).value(value).description(description).build();
    }

    /**
     * Each handler's role ARN and what to bind it to: with Vault, the {@code ConfigureVaultCommand} that binds them all
     * (plus {@code --auth-mount} when it is not the default, and {@code --token-bound-cidr} for each of
     * {@code tokenBoundCidrs}); with Consul, the ACL role each one's binding rule must name.
     */
    static void handlerRoles(Stack stack, ClusterConfig config, LifecycleAutomation automation, Snapshots snapshots,
            List<String> tokenBoundCidrs, String configureVaultDescription) {
        if (config.consul()) {
            for (LifecycleAutomation.Handler handler : automation.handlers()) {
                String name = handlerId(handler);
                String aclRole = automation.mutatingHandlers().contains(handler) ? ConsulAccess.MUTATING_ROLE
                        : ConsulAccess.READ_ROLE;
                output(stack, name + "RoleArn", handler.role().getRoleArn(),
                        "bind to the Consul ACL role " + aclRole + " (" + name + " handler)");
            }
            return;
        }
        output(stack, "VaultTlsServerName", config.tlsServerName(), "the name to verify the Vault certificate against");
        output(stack, "VaultIamServerId", config.iamServerId(), "configure-vault --server-id");
        StringBuilder command = new StringBuilder("scripts/configure-vault");
        for (LifecycleAutomation.Handler handler : automation.handlers()) {
            String name = handlerId(handler);
            String option = automation.mutatingHandlers().contains(handler) ? "--role-arn"
                    : handler == automation.publisher() ? "--publisher-role-arn" : "--read-role-arn";
            output(stack, name + "RoleArn", handler.role().getRoleArn(), "configure-vault " + option + " (" + name
                    + " handler)");
            command.append(' ').append(option).append(' ').append(handler.role().getRoleArn());
        }
        command.append(" --snapshot-role-arn ").append(snapshots.function().role().getRoleArn());
        command.append(" --server-id ").append(config.iamServerId());
        if (!config.vaultAuthMount().equals(VaultAccess.AUTH_MOUNT)) {
            command.append(" --auth-mount ").append(config.vaultAuthMount());
        }
        tokenBoundCidrs.forEach(cidr -> command.append(" --token-bound-cidr ").append(cidr));
        output(stack, "ConfigureVaultCommand", command.toString(), configureVaultDescription);
    }

    /** The handler's short id as outputs name it: Terminating, Launching, Publisher, Reconciler, Interruption. */
    private static String handlerId(LifecycleAutomation.Handler handler) {
        return handler.role().getNode().getId().replace("Role", "");
    }

    /** Snapshots, the status function, alarms, the lock table, dead letters, the dashboard. */
    static void automation(Stack stack, ClusterConfig config, LifecycleAutomation automation, Snapshots snapshots,
            Monitoring monitoring) {
        output(stack, "SnapshotBucketName", snapshots.bucket().getBucketName(), "where the Raft snapshots go, under "
                + snapshots.keyPrefix() + " (retained on stack deletion; readable by "
                + ClusterConfig.BREAK_GLASS_PRINCIPALS + " only)");
        output(stack, "SnapshotFunctionName", snapshots.function().function().getFunctionName(),
                "take a snapshot on demand: aws lambda invoke --function-name <this> --qualifier "
                        + HandlerNames.ALIAS_NAME + " out.json");
        output(stack, "StatusFunctionName", automation.publisher().function().getFunctionName(),
                "the cluster's status without cluster credentials (the health publisher, read-only): aws lambda invoke "
                        + "--function-name <this> --qualifier " + HandlerNames.ALIAS_NAME
                        + " --payload '{\"status\":true}' (scripts/rolling-upgrade reads this)");
        output(stack, "SnapshotKeyArn", snapshots.key().getKeyArn(),
                "the snapshot bucket's KMS key (retained on stack deletion)");
        output(stack, "SnapshotRoleArn", snapshots.function().role().getRoleArn(), config.consul()
                ? "bind to the Consul ACL role " + ConsulAccess.SNAPSHOT_ROLE + " (snapshot function)"
                : "configure-vault --snapshot-role-arn (the Vault role " + VaultAccess.SNAPSHOT_ROLE
                        + ", snapshot function)");
        output(stack, "AlarmTopicArn", monitoring.topic().getTopicArn(), "where alarms notify");
        output(stack, "GateAlarmNames", String.join(",", monitoring.gateAlarmNames()),
                "this cluster's alarms that stop scripts/rolling-upgrade while in ALARM (not the burn-rate windows, "
                        + "not the certificate alarms: the roll renews certificates)");
        output(stack, "LockTableName", automation.lockTable().getTableName(), "the handlers' DynamoDB lock table");
        output(stack, "LifecycleDeadLetterQueueUrl", automation.lifecycleDeadLetters().getQueueUrl(),
                "lifecycle events that could not be handled");
        output(stack, "DashboardName", Monitoring.dashboardName(config), "the CloudWatch dashboard");
    }
}
