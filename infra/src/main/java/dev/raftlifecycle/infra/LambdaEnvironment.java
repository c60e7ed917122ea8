package dev.raftlifecycle.infra;

import dev.raftlifecycle.config.Settings;
import dev.raftlifecycle.contract.ConsulAccess;
import dev.raftlifecycle.contract.Defaults;
import dev.raftlifecycle.contract.HandlerNames;
import dev.raftlifecycle.contract.VaultAccess;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The handlers' environment variables, named by the functions module's {@link Settings} (the contract). One builder
 * per handler so each gets exactly what it reads.
 */
final class LambdaEnvironment {

    /** The snapshot bucket's name: the snapshot function writes to it, the publisher lists it (SnapshotAgeSeconds). */
    static final String SNAPSHOT_BUCKET = Settings.SNAPSHOT_BUCKET;
    /** The snapshot bucket's KMS key (ARN), for the function's SSE-KMS uploads. */
    static final String SNAPSHOT_KMS_KEY_ID = Settings.SNAPSHOT_KMS_KEY_ID;

    private LambdaEnvironment() {
    }

    /** Lambda environment values are single strings; Settings turns the two characters \n back into newlines. */
    static String escape(String pem) {
        return pem.strip().replace("\r\n", "\n").replace("\n", "\\n");
    }

    /**
     * Shared by the five handlers. caPem may be a CloudFormation parameter token. Each logs in with its own Vault role:
     * the read-only one, or the one that may remove peers and step the leader down. With system=consul there is no
     * role to name: the aws-iam auth method's binding rules choose the ACL role from the function's IAM role.
     */
    static Map<String, String> common(ClusterConfig config, String caPem, String lockTable, String vaultRole) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put(Settings.SYSTEM, config.system().value());
        env.put(Settings.CLUSTER_NAME, config.clusterName());
        env.put(Settings.ASG_NAMES, String.join(",", config.groupNames()));
        env.put(Settings.VAULT_PORT, String.valueOf(config.apiPort()));
        if (config.consul()) {
            env.put(Settings.VAULT_AUTH_MOUNT, ConsulAccess.AUTH_METHOD);
        } else {
            env.put(Settings.VAULT_AUTH_MOUNT, config.vaultAuthMount());
            env.put(Settings.VAULT_AUTH_ROLE, vaultRole);
        }
        env.put(Settings.LOCK_TABLE, lockTable);
        // Events from any other account (or naming none) are refused; the hooks name this cluster's own.
        env.put(Settings.ACCOUNT_ID, software.amazon.awscdk.Aws.ACCOUNT_ID);
        env.put(Settings.LAUNCH_HOOK_NAME, ServerGroups.LAUNCH_HOOK_NAME);
        env.put(Settings.TERMINATE_HOOK_NAME, ServerGroups.TERMINATE_HOOK_NAME);
        env.put(Settings.DECOMMISSION, String.valueOf(config.decommission()));
        env.put(Settings.VAULT_IAM_SERVER_ID, config.iamServerId());
        env.put(Settings.VAULT_CA_PEM, caPem);
        // Handlers connect to node IPs; the certificate is verified against this name, never skipped.
        env.put(Settings.VAULT_TLS_SERVER_NAME, config.tlsServerName());
        env.put(Settings.METRICS_NAMESPACE, config.metricsNamespace());
        env.put(Settings.NON_VOTERS, String.valueOf(config.enterprise()));
        config.expectedServerVersion().ifPresent(version -> env.put(Settings.EXPECTED_VAULT_VERSION, version));
        env.put(Settings.LIFECYCLE_HEARTBEAT_SECONDS, String.valueOf(Defaults.HEARTBEAT_SECONDS));
        env.put(Settings.SAFETY_MARGIN_SECONDS, String.valueOf(ClusterConfig.SAFETY_MARGIN_SECONDS));
        // Shadow mode: decide and log, change nothing. Unset means active (Defaults.MODE); turning it off is a deploy.
        if (config.shadow()) {
            env.put(Settings.MODE, Defaults.MODE_SHADOW);
        }
        // C1 only: about a fifth off the cold path of these short, I/O-bound handlers (BENCHMARKS.md).
        env.put("JAVA_TOOL_OPTIONS", HandlerNames.JAVA_TOOL_OPTIONS);
        return env;
    }

    static Map<String, String> terminating(ClusterConfig config, String caPem, String lockTable) {
        return common(config, caPem, lockTable, VaultAccess.MUTATING_ROLE);
    }

    static Map<String, String> launching(ClusterConfig config, String caPem, String lockTable) {
        Map<String, String> env = common(config, caPem, lockTable, VaultAccess.READ_ROLE);
        env.put(Settings.LAUNCH_MAX_WAIT_SECONDS, String.valueOf(config.launchMaxWaitSeconds()));
        return env;
    }

    /**
     * @param canaryAddress https://load-balancer:port (a token until deploy); null: no canary (Consul)
     * @param unsealKeyArn the unseal key whose state the publisher reads (a token until deploy); null: none (Consul)
     */
    static Map<String, String> publisher(ClusterConfig config, String caPem, String lockTable, String canaryAddress,
            String unsealKeyArn) {
        Map<String, String> env = common(config, caPem, lockTable, VaultAccess.PUBLISHER_ROLE);
        if (unsealKeyArn != null) {
            env.put(Settings.UNSEAL_KEY_ID, unsealKeyArn);
        }
        if (canaryAddress != null) {
            env.put(Settings.CANARY_ADDRESS, canaryAddress);
            env.put(Settings.CANARY_TIMEOUT_MS, String.valueOf(Defaults.CANARY_TIMEOUT_MS));
        }
        return env;
    }

    /**
     * The snapshot function: the usual handler settings, the Vault role that may only read
     * sys/storage/raft/snapshot (Consul: the binding rule maps its IAM role to the snapshot ACL role), and where
     * to write.
     */
    static Map<String, String> snapshot(ClusterConfig config, String caPem, String lockTable, String bucketName,
            String keyArn) {
        Map<String, String> env = common(config, caPem, lockTable, VaultAccess.SNAPSHOT_ROLE);
        env.put(SNAPSHOT_BUCKET, bucketName);
        env.put(SNAPSHOT_KMS_KEY_ID, keyArn);
        return env;
    }

    static Map<String, String> interruption(ClusterConfig config, String caPem, String lockTable) {
        Map<String, String> env = common(config, caPem, lockTable, VaultAccess.MUTATING_ROLE);
        env.put(Settings.REBALANCE_ACTION, config.rebalanceAction());
        // report: it removes nothing either (an operator watching the automation first).
        env.put(Settings.RECONCILE_MODE, config.reconcileMode());
        return env;
    }

    static Map<String, String> reconciler(ClusterConfig config, String caPem, String lockTable) {
        Map<String, String> env = common(config, caPem, lockTable, VaultAccess.MUTATING_ROLE);
        env.put(Settings.RECONCILE_MODE, config.reconcileMode());
        env.put(Settings.STALE_GRACE_SECONDS, String.valueOf(config.staleGraceSeconds()));
        return env;
    }
}
