package dev.raftlifecycle.config;

import dev.raftlifecycle.contract.Defaults;
import dev.raftlifecycle.contract.LifecycleEvents;
import dev.raftlifecycle.contract.MetricName;
import dev.raftlifecycle.contract.VaultAccess;
import dev.raftlifecycle.contract.ClusterSystem;
import dev.raftlifecycle.contract.ConsulAccess;
import dev.raftlifecycle.contract.ConsulPorts;
import dev.raftlifecycle.contract.VaultPorts;
import dev.raftlifecycle.decisions.SafetyRules;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The handlers' configuration: one immutable record built from environment variables at cold start.
 * A missing or invalid variable fails the cold start with a message naming it (and every other problem
 * found, so one deploy fixes them all). The variable names are the contract with the CDK app.
 */
public record Settings(
        String clusterName,
        List<String> groupNames,
        int vaultPort,
        String authMount,
        Optional<String> authRole,
        String iamServerId,
        String caPem,
        Optional<String> tlsServerName,
        Duration connectTimeout,
        Duration requestTimeout,
        Optional<String> lockTable,
        String metricsNamespace,
        Duration heartbeatInterval,
        Duration stepDownWait,
        Duration stepDownQuiet,
        int clusterAttempts,
        Duration retryBaseDelay,
        Duration safetyMargin,
        Duration launchMaxWait,
        Duration launchPollInterval,
        boolean nonVoters,
        Optional<String> expectedVaultVersion,
        boolean reconcileRemoves,
        Duration staleGrace,
        boolean rebalanceAsInterruption,
        String region,
        Optional<URI> awsEndpoint,
        String stsUrl,
        String stsRegion,
        SafetyRules safetyRules,
        Optional<URI> canaryAddress,
        Duration canaryTimeout,
        ClusterSystem system,
        String accountId,
        String launchHook,
        String terminateHook,
        boolean decommission,
        Duration claimSettle,
        Optional<String> unsealKeyId,
        Optional<String> snapshotBucket,
        Optional<String> snapshotKmsKeyId,
        int snapshotPartBytes,
        boolean shadow) {

    public static final String CLUSTER_NAME = "CLUSTER_NAME";
    /**
     * Which Raft cluster this deployment looks after: {@code vault} (default) or {@code consul}. The VAULT_* variables
     * then describe that cluster (port, auth mount = Consul's auth method name, server id, CA, TLS name, timeouts).
     */
    public static final String SYSTEM = "SYSTEM";
    public static final String ASG_NAMES = "ASG_NAMES";
    public static final String VAULT_PORT = "VAULT_PORT";
    public static final String VAULT_AUTH_MOUNT = "VAULT_AUTH_MOUNT";
    public static final String VAULT_AUTH_ROLE = "VAULT_AUTH_ROLE";
    public static final String VAULT_IAM_SERVER_ID = "VAULT_IAM_SERVER_ID";
    public static final String VAULT_CA_PEM = "VAULT_CA_PEM";
    public static final String VAULT_CA_FILE = "VAULT_CA_FILE";
    public static final String VAULT_TLS_SERVER_NAME = "VAULT_TLS_SERVER_NAME";
    public static final String VAULT_CONNECT_TIMEOUT_MS = "VAULT_CONNECT_TIMEOUT_MS";
    public static final String VAULT_REQUEST_TIMEOUT_MS = "VAULT_REQUEST_TIMEOUT_MS";
    public static final String LOCK_TABLE = "LOCK_TABLE";
    public static final String METRICS_NAMESPACE = "METRICS_NAMESPACE";
    public static final String LIFECYCLE_HEARTBEAT_SECONDS = "LIFECYCLE_HEARTBEAT_SECONDS";
    public static final String STEP_DOWN_WAIT_SECONDS = "STEP_DOWN_WAIT_SECONDS";
    /**
     * How long after a step-down a terminating instance's action is completed at the earliest (0: at once). Vault
     * 1.14 waits 10 s after a step-down before it competes for the HA lock again, and a shutdown inside that window
     * holds every request to the node until the 10 s are over: completing later lets the instance's stop find the
     * node idle instead of freezing clients on it.
     */
    public static final String STEP_DOWN_QUIET_SECONDS = "STEP_DOWN_QUIET_SECONDS";
    /** Vault 1.14's {@code manualStepDownSleepPeriod}. */
    static final int VAULT_STEP_DOWN_SLEEP_SECONDS = 10;
    public static final String CLUSTER_ATTEMPTS = "CLUSTER_ATTEMPTS";
    public static final String RETRY_BASE_DELAY_MS = "RETRY_BASE_DELAY_MS";
    public static final String SAFETY_MARGIN_SECONDS = "SAFETY_MARGIN_SECONDS";
    public static final String LAUNCH_MAX_WAIT_SECONDS = "LAUNCH_MAX_WAIT_SECONDS";
    public static final String LAUNCH_POLL_INTERVAL_MS = "LAUNCH_POLL_INTERVAL_MS";
    public static final String NON_VOTERS = "NON_VOTERS";
    public static final String EXPECTED_VAULT_VERSION = "EXPECTED_VAULT_VERSION";
    public static final String RECONCILE_MODE = "RECONCILE_MODE";
    /**
     * Defaults.MODE ("active", the default) or Defaults.MODE_SHADOW ("shadow": every handler observes, decides and logs
     * what it would do, removes no peer, steps no leader down and completes every lifecycle action with CONTINUE).
     * Anything else fails the cold start. Turning shadow off is a deploy.
     */
    public static final String MODE = "MODE";
    public static final String STALE_GRACE_SECONDS = "STALE_GRACE_SECONDS";
    /** What the interruption handler does with a rebalance recommendation: "count" (default) or "interruption". */
    public static final String REBALANCE_ACTION = "REBALANCE_ACTION";
    public static final String AWS_REGION = "AWS_REGION";
    public static final String AWS_ENDPOINT_URL = "AWS_ENDPOINT_URL";
    public static final String VAULT_IAM_STS_URL = "VAULT_IAM_STS_URL";
    public static final String VAULT_IAM_STS_REGION = "VAULT_IAM_STS_REGION";
    public static final String MIN_QUORUM = "MIN_QUORUM";
    public static final String MAX_VOTER_LAST_CONTACT_MS = "MAX_VOTER_LAST_CONTACT_MS";
    /**
     * The publisher's canary: where clients reach Vault (the load balancer), as https://host:port. Unset: no canary.
     * TLS is verified against the CA and VAULT_TLS_SERVER_NAME as for every other call.
     */
    public static final String CANARY_ADDRESS = "CANARY_ADDRESS";
    /** How long one canary operation (login, read, write) may take before it counts as failed. */
    public static final String CANARY_TIMEOUT_MS = "CANARY_TIMEOUT_MS";
    /**
     * The AWS account the functions run in (the CDK app sets it): an event from another account, or naming none, is
     * refused.
     */
    public static final String ACCOUNT_ID = "ACCOUNT_ID";
    /** The cluster's launch hook on each group: a launch event naming another hook is not this cluster's. */
    public static final String LAUNCH_HOOK_NAME = "LAUNCH_HOOK_NAME";
    /** The cluster's terminate hook on each group: a terminate event naming another hook is not this cluster's. */
    public static final String TERMINATE_HOOK_NAME = "TERMINATE_HOOK_NAME";
    /**
     * true: the whole cluster is being taken down (the CDK context value {@code decommission}, so turning it on is a
     * deploy): a termination may bypass the quorum guard and the voter floor. Every group at desired capacity 0 means
     * the same without it.
     */
    public static final String DECOMMISSION = "DECOMMISSION";
    /**
     * How long an event's claim that AWS does not confirm is looked at again (every second) before the event is
     * dropped as claim-not-confirmed: AWS's describe calls are eventually consistent, and a genuine event can arrive a
     * moment before they show it.
     */
    public static final String CLAIM_SETTLE_SECONDS = "CLAIM_SETTLE_SECONDS";
    /**
     * The KMS key Vault's awskms seal unseals with (its ARN), set on the publisher only: each run reads its state
     * (DescribeKey) and publishes UnsealKeyUsable. Unset (Consul, or a cluster not unsealed by KMS): not published.
     */
    public static final String UNSEAL_KEY_ID = "UNSEAL_KEY_ID";
    /**
     * The S3 bucket the snapshot function writes to (required there), under {@code snapshots/<CLUSTER_NAME>/}; on the
     * publisher, where set, each run publishes SnapshotAgeSeconds from the newest object under that prefix.
     */
    public static final String SNAPSHOT_BUCKET = "SNAPSHOT_BUCKET";
    /** The KMS key (ARN or id) the snapshot objects are encrypted with (SSE-KMS); unset: the bucket's default. */
    public static final String SNAPSHOT_KMS_KEY_ID = "SNAPSHOT_KMS_KEY_ID";
    /** The multipart part size in bytes (5 MiB..64 MiB; default Defaults.SNAPSHOT_PART_BYTES): one part is in memory. */
    public static final String SNAPSHOT_PART_BYTES = "SNAPSHOT_PART_BYTES";

    /** Every variable this record reads, for documentation and the CDK app. */
    public static final List<String> ALL = List.of(CLUSTER_NAME, ASG_NAMES, VAULT_PORT, VAULT_AUTH_MOUNT,
            VAULT_AUTH_ROLE, VAULT_IAM_SERVER_ID, VAULT_CA_PEM, VAULT_CA_FILE, VAULT_TLS_SERVER_NAME,
            VAULT_CONNECT_TIMEOUT_MS, VAULT_REQUEST_TIMEOUT_MS, LOCK_TABLE, METRICS_NAMESPACE,
            LIFECYCLE_HEARTBEAT_SECONDS, STEP_DOWN_WAIT_SECONDS, STEP_DOWN_QUIET_SECONDS, CLUSTER_ATTEMPTS, RETRY_BASE_DELAY_MS,
            SAFETY_MARGIN_SECONDS, LAUNCH_MAX_WAIT_SECONDS, LAUNCH_POLL_INTERVAL_MS, NON_VOTERS,
            EXPECTED_VAULT_VERSION, RECONCILE_MODE, STALE_GRACE_SECONDS, REBALANCE_ACTION, AWS_REGION, AWS_ENDPOINT_URL,
            VAULT_IAM_STS_URL, VAULT_IAM_STS_REGION, MIN_QUORUM, MAX_VOTER_LAST_CONTACT_MS, CANARY_ADDRESS,
            CANARY_TIMEOUT_MS, SYSTEM, ACCOUNT_ID, LAUNCH_HOOK_NAME, TERMINATE_HOOK_NAME, DECOMMISSION,
            CLAIM_SETTLE_SECONDS, UNSEAL_KEY_ID, SNAPSHOT_BUCKET, SNAPSHOT_KMS_KEY_ID, SNAPSHOT_PART_BYTES, MODE);

    private static final Pattern GROUP_NAME = Pattern.compile("[\\x20-\\x7E&&[^:]]{1,255}");
    private static final Pattern MOUNT = Pattern.compile("[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*");
    private static final Pattern DNS_NAME = Pattern.compile("(?i)[a-z0-9*]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*");

    /**
     * Reads and validates the process environment. {@code AWS_ENDPOINT_URL} is left to the AWS SDK there, which reads
     * it itself, together with {@code AWS_ENDPOINT_URL_<SERVICE>} (which takes precedence) and the FIPS and
     * dual-stack settings: an override taken from it here would shadow those.
     */
    public static Settings fromEnvironment() {
        Map<String, String> env = new java.util.HashMap<>(System.getenv());
        env.remove(AWS_ENDPOINT_URL);
        return from(env);
    }

    /**
     * Reads and validates the given variables.
     *
     * @throws InvalidSettingsException naming every missing or invalid variable
     */
    public static Settings from(Map<String, String> env) {
        Reader r = new Reader(env);
        String clusterName = r.required(CLUSTER_NAME, "the cluster's name, used as the metric dimension");
        List<String> groups = r.list(ASG_NAMES);
        String systemName = r.optional(SYSTEM).orElse(ClusterSystem.VAULT.value());
        ClusterSystem system = ClusterSystem.of(systemName).orElse(ClusterSystem.VAULT);
        if (ClusterSystem.of(systemName).isEmpty()) {
            r.problem(SYSTEM, "must be '" + ClusterSystem.VAULT.value() + "' or '" + ClusterSystem.CONSUL.value()
                    + "', not '" + systemName + "'");
        }
        boolean consul = system == ClusterSystem.CONSUL;
        int port = r.integer(VAULT_PORT, consul ? ConsulPorts.HTTPS : VaultPorts.API, 1, 65535);
        String mount = r.optional(VAULT_AUTH_MOUNT).orElse(consul ? ConsulAccess.AUTH_METHOD : VaultAccess.AUTH_MOUNT);
        if (!MOUNT.matcher(mount).matches()) {
            r.problem(VAULT_AUTH_MOUNT, "is not a mount path: " + mount);
        }
        // Each handler has its own default (read-only or mutating); the CDK app sets it per function.
        Optional<String> role = r.optional(VAULT_AUTH_ROLE);
        String serverId = r.required(VAULT_IAM_SERVER_ID, consul
                ? "the ServerIDHeaderValue configured on the Consul aws-iam auth method"
                : "the X-Vault-AWS-IAM-Server-ID value configured on the Vault AWS auth method");
        String caPem = r.caPem();
        Optional<String> serverName = r.optional(VAULT_TLS_SERVER_NAME);
        serverName.ifPresent(name -> {
            if (!DNS_NAME.matcher(name).matches()) {
                r.problem(VAULT_TLS_SERVER_NAME, "is not a DNS name: " + name);
            }
        });
        Duration connect = r.millis(VAULT_CONNECT_TIMEOUT_MS, 1000, 50, 30_000);
        Duration request = r.millis(VAULT_REQUEST_TIMEOUT_MS, 3000, 100, 60_000);
        Optional<String> lock = r.optional(LOCK_TABLE);
        String namespace = r.optional(METRICS_NAMESPACE).orElse(consul ? MetricName.CONSUL_NAMESPACE : MetricName.DEFAULT_NAMESPACE);
        Duration heartbeat = r.seconds(LIFECYCLE_HEARTBEAT_SECONDS, Defaults.HEARTBEAT_SECONDS, 5, 3600);
        Duration stepDown = r.seconds(STEP_DOWN_WAIT_SECONDS, 30, 1, 600);
        // Vault's stepped-down leader sits out elections for 10 s; Consul's leadership transfer has no such pause.
        Duration stepDownQuiet = r.seconds(STEP_DOWN_QUIET_SECONDS, consul ? 0 : VAULT_STEP_DOWN_SLEEP_SECONDS, 0, 60);
        int attempts = r.integer(CLUSTER_ATTEMPTS, 3, 1, 20);
        Duration retryDelay = r.millis(RETRY_BASE_DELAY_MS, 500, 0, 60_000);
        Duration margin = r.seconds(SAFETY_MARGIN_SECONDS, Defaults.SAFETY_MARGIN_SECONDS, 1, 120);
        Duration launchWait = r.seconds(LAUNCH_MAX_WAIT_SECONDS, Defaults.LAUNCH_MAX_WAIT_SECONDS, 5, 7200);
        Duration launchPoll = r.millis(LAUNCH_POLL_INTERVAL_MS, 1000, 100, 60_000);
        boolean nonVoters = r.bool(NON_VOTERS, false);
        Optional<String> expectedVersion = r.optional(EXPECTED_VAULT_VERSION).map(v -> v.startsWith("v") ? v.substring(1) : v);
        String mode = r.optional(RECONCILE_MODE).orElse(Defaults.RECONCILE_MODE);
        if (!mode.equals("remove") && !mode.equals("report")) {
            r.problem(RECONCILE_MODE, "must be 'remove' or 'report', not '" + mode + "'");
        }
        Duration grace = r.seconds(STALE_GRACE_SECONDS, Defaults.STALE_GRACE_SECONDS, 0, 86_400);
        String rebalance = r.optional(REBALANCE_ACTION).orElse(Defaults.REBALANCE_ACTION);
        if (!rebalance.equals(Defaults.REBALANCE_ACTION) && !rebalance.equals(Defaults.REBALANCE_AS_INTERRUPTION)) {
            r.problem(REBALANCE_ACTION, "must be '" + Defaults.REBALANCE_ACTION + "' or '"
                    + Defaults.REBALANCE_AS_INTERRUPTION + "', not '" + rebalance + "'");
        }
        OptionalInt minQuorum = r.optional(MIN_QUORUM).isPresent() ? OptionalInt.of(r.integer(MIN_QUORUM, 1, 1, 99))
                : OptionalInt.empty();
        Duration contactBound = r.millis(MAX_VOTER_LAST_CONTACT_MS,
                (int) SafetyRules.DEFAULT_MAX_VOTER_LAST_CONTACT.toMillis(), 100, 600_000);
        String region = r.optional(AWS_REGION).orElse(null);
        if (region == null) {
            r.problem(AWS_REGION, "is required (the Lambda runtime sets it)");
        }
        Optional<URI> endpoint = r.optional(AWS_ENDPOINT_URL).map(v -> r.uri(AWS_ENDPOINT_URL, v));
        String stsUrl = r.optional(VAULT_IAM_STS_URL).orElse("https://sts.amazonaws.com/");
        r.uri(VAULT_IAM_STS_URL, stsUrl);
        String stsRegion = r.optional(VAULT_IAM_STS_REGION).orElse("us-east-1");
        Optional<URI> canary = r.optional(CANARY_ADDRESS).map(v -> r.canaryAddress(v));
        if (consul && canary.isPresent()) {
            r.problem(CANARY_ADDRESS, "the canary reads and writes Vault KV paths; it has no Consul counterpart yet (unset it with "
                    + SYSTEM + "=" + ClusterSystem.CONSUL.value() + ")");
        }
        Duration canaryTimeout = r.millis(CANARY_TIMEOUT_MS, Defaults.CANARY_TIMEOUT_MS, 100, 10_000);
        String account = r.required(ACCOUNT_ID, "the AWS account the function runs in (events from any other are refused)");
        if (!account.isEmpty() && !account.matches("\\d{12}")) {
            r.problem(ACCOUNT_ID, "is not an AWS account id: " + account);
        }
        String launchHook = r.optional(LAUNCH_HOOK_NAME).orElse(LifecycleEvents.LAUNCH_HOOK_NAME);
        String terminateHook = r.optional(TERMINATE_HOOK_NAME).orElse(LifecycleEvents.TERMINATE_HOOK_NAME);
        boolean decommission = r.bool(DECOMMISSION, false);
        Duration claimSettle = r.seconds(CLAIM_SETTLE_SECONDS, Defaults.CLAIM_SETTLE_SECONDS, 0, 120);
        Optional<String> unsealKey = r.optional(UNSEAL_KEY_ID);
        unsealKey.ifPresent(k -> {
            if (!k.matches("arn:aws[a-z-]*:kms:[a-z0-9-]+:\\d{12}:key/[A-Za-z0-9-]+|[A-Za-z0-9-]{1,256}")) {
                r.problem(UNSEAL_KEY_ID, "is not a KMS key ARN or id: " + k);
            }
        });
        Optional<String> snapshotBucket = r.optional(SNAPSHOT_BUCKET);
        snapshotBucket.ifPresent(b -> {
            if (!b.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
                r.problem(SNAPSHOT_BUCKET, "is not an S3 bucket name: " + b);
            }
        });
        Optional<String> snapshotKey = r.optional(SNAPSHOT_KMS_KEY_ID);
        snapshotKey.ifPresent(k -> {
            if (!k.matches("arn:aws[a-z-]*:kms:[a-z0-9-]+:\\d{12}:(key|alias)/[A-Za-z0-9/_-]+|alias/[A-Za-z0-9/_-]+|[A-Za-z0-9-]{1,256}")) {
                r.problem(SNAPSHOT_KMS_KEY_ID, "is not a KMS key ARN, id or alias: " + k);
            }
        });
        int partBytes = r.integer(SNAPSHOT_PART_BYTES, Defaults.SNAPSHOT_PART_BYTES, 5 * 1024 * 1024, 64 * 1024 * 1024);
        String handlerMode = r.optional(MODE).orElse(Defaults.MODE);
        if (!handlerMode.equals(Defaults.MODE) && !handlerMode.equals(Defaults.MODE_SHADOW)) {
            r.problem(MODE, "must be '" + Defaults.MODE + "' or '" + Defaults.MODE_SHADOW + "', not '" + handlerMode + "'");
        }
        r.failIfProblems();
        return new Settings(clusterName, groups, port, mount, role, serverId, caPem, serverName, connect, request,
                lock, namespace, heartbeat, stepDown, stepDownQuiet, attempts, retryDelay, margin, launchWait, launchPoll, nonVoters,
                expectedVersion, mode.equals("remove"), grace, rebalance.equals(Defaults.REBALANCE_AS_INTERRUPTION), region, endpoint, stsUrl, stsRegion,
                new SafetyRules(contactBound, minQuorum, decommission), canary, canaryTimeout, system, account, launchHook, terminateHook,
                decommission, claimSettle, unsealKey, snapshotBucket, snapshotKey, partBytes,
                handlerMode.equals(Defaults.MODE_SHADOW));
    }

    /** Defaults.MODE_SHADOW or Defaults.MODE, as MODE said. */
    public String mode() {
        return shadow ? Defaults.MODE_SHADOW : Defaults.MODE;
    }

    /** Whether the group belongs to this cluster. */
    public boolean ownsGroup(String groupName) {
        return groupNames.contains(groupName);
    }

    /** The lock table name, or a clear failure for a handler that mutates the cluster without one. */
    public String requireLockTable() {
        return lockTable.orElseThrow(() -> new InvalidSettingsException(List.of(
                LOCK_TABLE + ": is required by this handler (the DynamoDB table that serializes cluster changes)")));
    }

    /** The snapshot bucket, or a clear failure for the snapshot function without one. */
    public String requireSnapshotBucket() {
        return snapshotBucket.orElseThrow(() -> new InvalidSettingsException(List.of(
                SNAPSHOT_BUCKET + ": is required by the snapshot function (the S3 bucket its snapshots go to)")));
    }

    /** The key prefix of this cluster's snapshots: {@code snapshots/<cluster>/}. */
    public String snapshotPrefix() {
        return Defaults.SNAPSHOT_KEY_PREFIX + clusterName + "/";
    }

    /** Collects problems instead of failing at the first. */
    private static final class Reader {
        private final Map<String, String> env;
        private final List<String> problems = new ArrayList<>();

        Reader(Map<String, String> env) {
            this.env = env;
        }

        void problem(String variable, String message) {
            problems.add(variable + ": " + message);
        }

        Optional<String> optional(String name) {
            String value = env.get(name);
            return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
        }

        String required(String name, String what) {
            Optional<String> value = optional(name);
            if (value.isEmpty()) {
                problem(name, "is required (" + what + ")");
                return "";
            }
            return value.get();
        }

        List<String> list(String name) {
            String raw = required(name, "comma-separated Auto Scaling group names of this cluster");
            Set<String> names = new LinkedHashSet<>();
            for (String part : raw.split(",")) {
                String trimmed = part.trim();
                if (trimmed.isEmpty()) {
                    continue;
                }
                if (!GROUP_NAME.matcher(trimmed).matches()) {
                    problem(name, "'" + trimmed + "' is not an Auto Scaling group name");
                }
                names.add(trimmed);
            }
            if (!raw.isEmpty() && names.isEmpty()) {
                problem(name, "lists no group");
            }
            return List.copyOf(names);
        }

        int integer(String name, int fallback, int min, int max) {
            Optional<String> value = optional(name);
            if (value.isEmpty()) {
                return fallback;
            }
            try {
                int parsed = Integer.parseInt(value.get());
                if (parsed < min || parsed > max) {
                    problem(name, "must be between " + min + " and " + max + ", not " + parsed);
                    return fallback;
                }
                return parsed;
            } catch (NumberFormatException e) {
                problem(name, "must be a whole number, not '" + value.get() + "'");
                return fallback;
            }
        }

        Duration seconds(String name, int fallback, int min, int max) {
            return Duration.ofSeconds(integer(name, fallback, min, max));
        }

        Duration millis(String name, int fallback, int min, int max) {
            return Duration.ofMillis(integer(name, fallback, min, max));
        }

        boolean bool(String name, boolean fallback) {
            Optional<String> value = optional(name);
            if (value.isEmpty()) {
                return fallback;
            }
            return switch (value.get().toLowerCase(java.util.Locale.ROOT)) {
                case "true", "1", "yes" -> true;
                case "false", "0", "no" -> false;
                default -> {
                    problem(name, "must be true or false, not '" + value.get() + "'");
                    yield fallback;
                }
            };
        }

        URI uri(String name, String value) {
            try {
                URI uri = URI.create(value);
                if (uri.getScheme() == null || uri.getHost() == null) {
                    problem(name, "must be an absolute URL, not '" + value + "'");
                }
                return uri;
            } catch (IllegalArgumentException e) {
                problem(name, "must be an absolute URL, not '" + value + "'");
                return null;
            }
        }

        /** https://host:port, nothing more (the canary's paths are its own). */
        URI canaryAddress(String value) {
            URI uri = uri(CANARY_ADDRESS, value);
            if (uri == null || uri.getHost() == null) {
                return null;
            }
            if (!"https".equals(uri.getScheme()) || uri.getPort() < 1
                    || uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !uri.getRawPath().equals("/")
                    || uri.getRawQuery() != null || uri.getRawUserInfo() != null) {
                problem(CANARY_ADDRESS, "must be https://host:port (the load balancer's address), not '" + value + "'");
                return null;
            }
            return uri;
        }

        String caPem() {
            Optional<String> inline = optional(VAULT_CA_PEM);
            Optional<String> file = optional(VAULT_CA_FILE);
            if (inline.isPresent() && file.isPresent()) {
                problem(VAULT_CA_PEM, "set either " + VAULT_CA_PEM + " or " + VAULT_CA_FILE + ", not both");
                return "";
            }
            String pem;
            String source;
            if (inline.isPresent()) {
                pem = inline.get().replace("\\n", "\n");
                source = VAULT_CA_PEM;
            } else if (file.isPresent()) {
                source = VAULT_CA_FILE;
                try {
                    pem = Files.readString(Path.of(file.get()), StandardCharsets.US_ASCII);
                } catch (Exception e) {
                    problem(VAULT_CA_FILE, "cannot read " + file.get() + ": " + e.getMessage());
                    return "";
                }
            } else {
                problem(VAULT_CA_PEM, "is required (the PEM of the CA that signed Vault's TLS certificates; "
                        + "or set " + VAULT_CA_FILE + "); TLS verification cannot be turned off");
                return "";
            }
            if (!pem.contains("-----BEGIN CERTIFICATE-----")) {
                problem(source, "holds no PEM certificate");
            }
            return pem;
        }

        void failIfProblems() {
            if (!problems.isEmpty()) {
                throw new InvalidSettingsException(problems);
            }
        }
    }

    /** Human-readable summary for the cold-start log line; no secrets exist in this record. */
    public String summary() {
        return "system=" + system.value() + " cluster=" + clusterName + " groups=" + String.join(",", groupNames) + " vaultPort=" + vaultPort
                + " authMount=" + authMount + " role=" + authRole.orElse("(handler default)") + " tlsServerName=" + tlsServerName.orElse("(ip)")
                + " lockTable=" + lockTable.orElse("-") + " namespace=" + metricsNamespace
                + " canary=" + canaryAddress.map(URI::toString).orElse("-") + " account=" + accountId
                + " hooks=" + launchHook + "," + terminateHook + " decommission=" + decommission
                + " snapshotBucket=" + snapshotBucket.orElse("-") + " mode=" + mode();
    }
}
