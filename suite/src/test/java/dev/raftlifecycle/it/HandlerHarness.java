package dev.raftlifecycle.it;

import dev.raftlifecycle.config.Settings;
import dev.raftlifecycle.contract.LockTable;
import dev.raftlifecycle.handlers.HandlerRuntime;
import dev.raftlifecycle.contract.HandlerNames;
import dev.raftlifecycle.handlers.HealthPublisherHandler;
import dev.raftlifecycle.handlers.InterruptionHandler;
import dev.raftlifecycle.handlers.LaunchingHandler;
import dev.raftlifecycle.handlers.ReconcilerHandler;
import dev.raftlifecycle.handlers.TerminatingHandler;
import dev.raftlifecycle.rig.Rig;
import dev.raftlifecycle.rig.RaftCluster;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/**
 * Wires the real handlers to a rig cluster as the deployment wires them to AWS: the environment variables
 * the CDK app sets, each handler's own role — with the policy the CDK app synthesizes for that function, enforced by
 * the emulator (a fresh session per harness and handler, so its AWS calls can be told apart in the recorder) — the
 * lock table in the emulator's DynamoDB, and a captured log.
 */
final class HandlerHarness {
    /** The cluster the handlers serve, of any system (SYSTEM is its system). */
    final RaftCluster cluster;
    final Rig rig;
    final String lockTable;
    /** Each handler's credentials (by its short name), made at first use. */
    private final Map<String, AwsSessionCredentials> credentials = new java.util.concurrent.ConcurrentHashMap<>();
    final List<String> log = new CopyOnWriteArrayList<>();
    private final Map<String, String> overrides = new HashMap<>();

    /**
     * Threads for handler runs a test starts concurrently: never the common pool, whose one or two threads other
     * test classes running at the same time may hold for minutes (a handler waiting below the voter floor).
     */
    static final java.util.concurrent.ExecutorService THREADS = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "it-handler");
        t.setDaemon(true);
        return t;
    });

    private static final java.util.Queue<HandlerHarness> CREATED = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private static final java.util.regex.Pattern SECRET = java.util.regex.Pattern.compile(
            "hv[sbr]\\.[A-Za-z0-9_-]{16,}|Signature=|X-Amz-Security-Token|Authorization");
    private int checked;
    private final Thread creator = Thread.currentThread();
    private final java.time.Instant createdAt = java.time.Instant.now();

    HandlerHarness(RaftCluster cluster) {
        this.cluster = cluster;
        this.rig = cluster.rig();
        this.lockTable = createLockTable(rig);
        CREATED.add(this);
    }

    /**
     * The handler's credentials: its synthesized role's, one session per harness and handler, for the lock-table keys
     * of the CLUSTER_NAME the handlers are configured with (as the stack's own statements name its cluster's).
     */
    AwsSessionCredentials credentials(String handler) {
        String clusterName = environment().get(Settings.CLUSTER_NAME);
        return credentials.computeIfAbsent(handler + "@" + clusterName, k -> rig.handlerCredentials(handler, clusterName));
    }

    /** The decision lines of this harness's handlers. */
    List<String> decisionLines() {
        return log.stream().filter(l -> l.contains("\"event\":\"decision\"") || l.contains("\"event\":\"reconciled\"")
                || l.contains("\"event\":\"published\"")).toList();
    }

    /** Whether this harness was made by the current thread since {@code since} (by the running test). */
    boolean madeByCurrentTestSince(java.time.Instant since) {
        return creator == Thread.currentThread() && !createdAt.isBefore(since);
    }

    /** Every harness made in this JVM. */
    static List<HandlerHarness> created() {
        return List.copyOf(CREATED);
    }

    /**
     * Log lines not checked before that carry a secret (a token, a key, a signature); each line is checked once. The
     * cluster's secrets are read only when there are new lines (for Consul: every ACL token's SecretID).
     */
    synchronized List<String> uncheckedLinesWithSecrets() {
        List<String> lines = List.copyOf(log);
        if (checked >= lines.size()) {
            return List.of();
        }
        List<String> leaks = linesWithSecrets(lines.subList(checked, lines.size()));
        checked = lines.size();
        return leaks;
    }

    /** The secret halves of the AWS credentials this harness gave its handlers. */
    java.util.Set<String> credentialSecrets() {
        java.util.Set<String> secrets = new java.util.HashSet<>();
        credentials.values().forEach(c -> {
            secrets.add(c.secretAccessKey());
            secrets.add(c.sessionToken());
        });
        return secrets;
    }

    /** Of {@code lines}, those that carry one of this harness's secrets or a secret's form. */
    List<String> linesWithSecrets(List<String> lines) {
        java.util.Set<String> secrets = new java.util.HashSet<>(cluster.knownSecrets());
        secrets.addAll(credentialSecrets());
        secrets.removeIf(s -> s == null || s.isBlank());
        List<String> leaks = new java.util.ArrayList<>();
        for (String line : lines) {
            if (SECRET.matcher(line).find() || secrets.stream().anyMatch(line::contains)) {
                leaks.add(line);
            }
        }
        return leaks;
    }

    static String createLockTable(Rig rig) {
        String name = "raft-lifecycle-lock-" + UUID.randomUUID().toString().substring(0, 8);
        rig.dynamoDb().createTable(r -> r.tableName(name).billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(AttributeDefinition.builder().attributeName(LockTable.PARTITION_KEY)
                        .attributeType(ScalarAttributeType.S).build())
                .keySchema(KeySchemaElement.builder().attributeName(LockTable.PARTITION_KEY).keyType(KeyType.HASH).build()));
        return name;
    }

    HandlerHarness with(String variable, String value) {
        overrides.put(variable, value);
        return this;
    }

    Map<String, String> environment() {
        Map<String, String> env = new HashMap<>();
        env.put(Settings.SYSTEM, cluster.system().value());
        env.put(Settings.CLUSTER_NAME, cluster.name());
        env.put(Settings.ASG_NAMES, String.join(",", cluster.groupNames()));
        env.put(Settings.VAULT_PORT, Integer.toString(cluster.apiPort()));
        env.put(Settings.VAULT_IAM_SERVER_ID, cluster.tlsServerName());
        env.put(Settings.VAULT_CA_PEM, cluster.caPem());
        env.put(Settings.VAULT_TLS_SERVER_NAME, cluster.tlsServerName());
        env.put(Settings.LOCK_TABLE, lockTable);
        env.put(Settings.ACCOUNT_ID, dev.raftlifecycle.rig.EventBridgeEvents.ACCOUNT);
        env.put(Settings.LAUNCH_HOOK_NAME, cluster.launchHook());
        env.put(Settings.TERMINATE_HOOK_NAME, cluster.terminateHook());
        env.put(Settings.AWS_REGION, Rig.REGION.id());
        env.put(Settings.AWS_ENDPOINT_URL, rig.awsEndpoint().toString());
        env.put(Settings.CLUSTER_ATTEMPTS, "3");
        env.put(Settings.RETRY_BASE_DELAY_MS, "200");
        env.put(Settings.LIFECYCLE_HEARTBEAT_SECONDS, "5");
        env.put(Settings.SAFETY_MARGIN_SECONDS, "2");
        env.put(Settings.STEP_DOWN_WAIT_SECONDS, "30");
        env.put(Settings.LAUNCH_POLL_INTERVAL_MS, "500");
        // A genuine event's claim is confirmed at the first look here; a false one is looked at for this long.
        env.put(Settings.CLAIM_SETTLE_SECONDS, "5");
        if (cluster instanceof dev.raftlifecycle.rig.VaultCluster vault) {
            env.put(Settings.UNSEAL_KEY_ID, vault.kmsKeyId()); // as the CDK app sets it (read by the publisher only)
        }
        env.putAll(overrides);
        return env;
    }

    /** The runtime a handler (by its short name) is built on: its role's credentials. */
    HandlerRuntime runtime(String handler) {
        return new HandlerRuntime(Settings.from(environment()), StaticCredentialsProvider.create(credentials(handler)),
                Clock.systemUTC(), log::add);
    }

    /**
     * DynamoDB on the rig with the terminating handler's credentials (a competitor's lock, say: one of the functions
     * that may take it).
     */
    software.amazon.awssdk.services.dynamodb.DynamoDbClient dynamo() {
        return dynamo(HandlerNames.TERMINATING_NAME);
    }

    /** DynamoDB on the rig with a handler's credentials. */
    software.amazon.awssdk.services.dynamodb.DynamoDbClient dynamo(String handler) {
        Settings settings = Settings.from(environment());
        return new dev.raftlifecycle.ports.AwsClients(settings.region(), settings.awsEndpoint(),
                StaticCredentialsProvider.create(credentials(handler))).dynamoDb();
    }

    TerminatingHandler terminating() {
        return new TerminatingHandler(runtime(HandlerNames.TERMINATING_NAME));
    }

    LaunchingHandler launching() {
        return new LaunchingHandler(runtime(HandlerNames.LAUNCHING_NAME));
    }

    HealthPublisherHandler publisher() {
        return new HealthPublisherHandler(runtime(HandlerNames.PUBLISHER_NAME));
    }

    ReconcilerHandler reconciler() {
        return new ReconcilerHandler(runtime(HandlerNames.RECONCILER_NAME));
    }

    dev.raftlifecycle.handlers.SnapshotHandler snapshot() {
        return new dev.raftlifecycle.handlers.SnapshotHandler(runtime(HandlerNames.SNAPSHOT_NAME));
    }

    InterruptionHandler interruption() {
        return new InterruptionHandler(runtime(HandlerNames.INTERRUPTION_NAME));
    }

    /** AWS calls this harness's handlers made. */
    List<String> awsCalls() {
        Set<String> keys = credentials.values().stream().map(AwsSessionCredentials::accessKeyId)
                .collect(java.util.stream.Collectors.toSet());
        return rig.recorder().awsCalls().stream().filter(c -> keys.contains(c.accessKeyId()))
                .map(c -> c.service() + ":" + c.action()).toList();
    }
}
