package dev.raftlifecycle.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raftlifecycle.config.Settings;
import dev.raftlifecycle.contract.LockTable;
import dev.raftlifecycle.handlers.HandlerRuntime;
import dev.raftlifecycle.handlers.HealthPublisherHandler;
import dev.raftlifecycle.handlers.InterruptionHandler;
import dev.raftlifecycle.handlers.ReconcilerHandler;
import dev.raftlifecycle.handlers.LaunchingHandler;
import dev.raftlifecycle.handlers.TerminatingHandler;
import dev.raftlifecycle.rig.ClusterSpec;
import dev.raftlifecycle.rig.Rig;
import dev.raftlifecycle.rig.VaultCluster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/**
 * Everything the lab runs: the AWS emulator, a real Vault cluster spread over three AZ groups, the three
 * real handlers wired as in AWS (same environment variables, the Lambda role's credentials, the lock
 * table), the lifecycle driver standing in for Auto Scaling + EventBridge, and the publisher on a short
 * schedule. Closing it stops every process it started, and only those.
 */
final class LabEnvironment implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    final Rig rig;
    final VaultCluster cluster;
    final Path dir;
    final LifecycleDriver driver;
    final Timeline timeline;
    /** Auto Scaling and Lambda for a roll, at the lab's AWS endpoint ({@link #awsEndpoint()}). */
    final AutoScalingStandIn autoScaling;
    private volatile HandlerRuntime runtime;
    private volatile TerminatingHandler terminating;
    private volatile LaunchingHandler launching;
    private volatile HealthPublisherHandler publisher;
    private volatile ReconcilerHandler reconciler;
    private volatile InterruptionHandler interruption;
    /** The handlers' environment as last wired (adopting a foreign cluster rewires them with its MODE). */
    private volatile Map<String, String> handlerEnv;
    /**
     * Whether the automation is wired to the groups: from the start for a cluster built our way; for a foreign one
     * ({@link ClusterSpec#asForeign()}) only after {@link #adopt}: until then its groups have none of our hooks and no
     * handler runs.
     */
    private volatile boolean adopted;
    private volatile String mode = dev.raftlifecycle.contract.Defaults.MODE;
    private final PrintWriter handlerLog;
    private final LoadBalancerStandIn loadBalancer;
    private final Path operatorToken;
    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2, r -> {
        Thread t = new Thread(r, "lab-schedule");
        t.setDaemon(true);
        return t;
    });
    private volatile JsonNode lastPublish;
    private volatile JsonNode lastReconcile;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    /** A DynamoDB lock table in the emulator, shaped as the CDK app creates it. */
    static String createLockTable(Rig rig, String name) {
        rig.dynamoDb().createTable(r -> r.tableName(name).billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(AttributeDefinition.builder().attributeName(LockTable.PARTITION_KEY)
                        .attributeType(ScalarAttributeType.S).build())
                .keySchema(KeySchemaElement.builder().attributeName(LockTable.PARTITION_KEY).keyType(KeyType.HASH).build()));
        return name;
    }

    /** The handlers' environment for a rig cluster, as the CDK app would set it (the rest at defaults). */
    static Map<String, String> handlerEnvironment(VaultCluster cluster, String lockTable) {
        Map<String, String> env = handlerEnvironment(cluster.rig(), cluster.name(), cluster.groupNames(),
                cluster.tlsServerName(), cluster.caPem(), lockTable);
        env.put(Settings.VAULT_PORT, Integer.toString(cluster.apiPort()));
        return env;
    }

    /** What every rig cluster's handlers are given, whichever the system. */
    static Map<String, String> handlerEnvironment(Rig rig, String clusterName, List<String> groups, String tlsServerName,
                                                  String caPem, String lockTable) {
        Map<String, String> env = new HashMap<>();
        env.put(Settings.CLUSTER_NAME, clusterName);
        env.put(Settings.ASG_NAMES, String.join(",", groups));
        env.put(Settings.VAULT_IAM_SERVER_ID, tlsServerName);
        env.put(Settings.VAULT_CA_PEM, caPem);
        env.put(Settings.VAULT_TLS_SERVER_NAME, tlsServerName);
        env.put(Settings.LOCK_TABLE, lockTable);
        env.put(Settings.ACCOUNT_ID, dev.raftlifecycle.rig.EventBridgeEvents.ACCOUNT);
        env.put(Settings.LAUNCH_HOOK_NAME, dev.raftlifecycle.rig.RigGroups.launchHook(clusterName));
        env.put(Settings.TERMINATE_HOOK_NAME, dev.raftlifecycle.rig.RigGroups.terminateHook(clusterName));
        env.put(Settings.AWS_REGION, Rig.REGION.id());
        env.put(Settings.AWS_ENDPOINT_URL, rig.awsEndpoint().toString());
        return env;
    }

    private LabEnvironment(Rig rig, VaultCluster cluster, Path dir, Map<String, String> overrides) throws IOException {
        this.rig = rig;
        this.cluster = cluster;
        this.dir = dir;
        this.handlerLog = new PrintWriter(Files.newBufferedWriter(dir.resolve("handlers.log"), StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND), true);
        String lockTable = createLockTable(rig, "raft-lifecycle-lab-lock");
        Map<String, String> env = handlerEnvironment(cluster, lockTable);
        env.put(Settings.LIFECYCLE_HEARTBEAT_SECONDS, "10");
        env.put(Settings.SAFETY_MARGIN_SECONDS, "2");
        env.put(Settings.LAUNCH_MAX_WAIT_SECONDS, "120");
        env.put(Settings.LAUNCH_POLL_INTERVAL_MS, "500");
        env.put(Settings.STALE_GRACE_SECONDS, "30");
        this.loadBalancer = new LoadBalancerStandIn(cluster, LoadBalancerStandIn.NLB_INTERVAL,
                LoadBalancerStandIn.NLB_THRESHOLD, LoadBalancerStandIn.NLB_THRESHOLD);
        // The publisher's canary goes through the load balancer, as in a deployment.
        env.put(Settings.CANARY_ADDRESS, "https://127.0.0.1:" + loadBalancer.port());
        env.putAll(overrides);
        wire(env);
        this.adopted = !cluster.spec().foreign();
        this.timeline = new Timeline(cluster, () -> cluster.groupNames().stream().mapToInt(g -> rig.autoScaling()
                .describeAutoScalingGroups(r -> r.autoScalingGroupNames(g)).autoScalingGroups().get(0).desiredCapacity())
                .sum());
        this.driver = new LifecycleDriver(this);
        timeline.lifecycleFrom(driver::state);
        this.autoScaling = new AutoScalingStandIn(this);
        autoScaling.install();
        // The operator token a lab user's vault CLI gets: the cluster's root token. The lab is a disposable local
        // cluster of one user, so an operator token would only be root under another name; the file is the user's
        // alone (0600) and the token is never printed.
        this.operatorToken = dir.resolve("operator-token");
        Files.writeString(operatorToken, cluster.rootToken());
        try {
            Files.setPosixFilePermissions(operatorToken, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: the run folder's own permissions apply
        }
    }

    /** Builds the handlers on this environment: each with its own role, as deployed (the CDK app's policy for it). */
    private void wire(Map<String, String> env) {
        Settings settings = Settings.from(env);
        HandlerRuntimes runtimes = new HandlerRuntimes(rig, settings, handlerLog::println);
        this.runtime = runtimes.of(dev.raftlifecycle.contract.HandlerNames.PUBLISHER_NAME);
        this.terminating = runtimes.terminating();
        this.launching = runtimes.launching();
        this.publisher = runtimes.publisher();
        this.reconciler = runtimes.reconciler();
        this.interruption = runtimes.interruption();
        this.handlerEnv = Map.copyOf(env);
    }

    /** Whether the automation is wired to the groups (see {@link #adopted}). */
    boolean adopted() {
        return adopted;
    }

    /** The handlers' MODE: active, or shadow after {@code scripts/lab adopt --shadow}. */
    String mode() {
        return mode;
    }

    /** Whether the cluster was built the way other tools build them (scripts/lab up --foreign). */
    boolean foreign() {
        return cluster.spec().foreign();
    }

    /**
     * scripts/lab adopt: what an operator does to wire the automation to groups another tool built — our launch and
     * terminate hooks on each group (default result CONTINUE in shadow mode, ABANDON otherwise) and the retain policy (unless {@code retainPolicy} is false: the refusal demo),
     * through the SDK at the lab's AWS endpoint ({@link ClusterAdoption}) — and the handlers the lab runs switched to the
     * adopted configuration (MODE=shadow with {@code shadow}, else active). Adopting again changes the mode (a deploy
     * with shadow on or off). Returns what was done.
     */
    synchronized String adopt(boolean shadow, boolean retainPolicy) {
        StringBuilder out = new StringBuilder();
        List<dev.raftlifecycle.rig.ClusterAdoption.Step> steps = dev.raftlifecycle.rig.ClusterAdoption.adopt(
                awsEndpoint(), awsCredentials(), cluster.groupNames(), cluster.launchHook(), cluster.terminateHook(),
                retainPolicy, shadow);
        for (dev.raftlifecycle.rig.ClusterAdoption.Step step : steps) {
            out.append("adopt: ").append(step.group()).append(": ").append(step.what()).append('\n');
        }
        if (!retainPolicy) {
            out.append("adopt: no retain policy set (--no-retain-policy): the handlers will remove nothing, reason "
                    + "retain-policy-missing\n");
        }
        Map<String, String> env = new HashMap<>(handlerEnv);
        String newMode = shadow ? dev.raftlifecycle.contract.Defaults.MODE_SHADOW : dev.raftlifecycle.contract.Defaults.MODE;
        env.put(Settings.MODE, newMode);
        wire(env);
        mode = newMode;
        adopted = true;
        timeline.mark("adopted" + (shadow ? " (shadow)" : ""));
        out.append("adopt: handlers wired with ").append(Settings.MODE).append('=').append(newMode)
                .append(shadow ? " (they decide and log what they would do; they change nothing)" : "").append('\n');
        for (dev.raftlifecycle.rig.VaultNode node : cluster.nodes()) {
            out.append(String.format(java.util.Locale.ROOT, "adopt: node %s  node_id %s  address %s%n", node.instanceId(),
                    node.nodeId(), node.advertisedHost()));
        }
        return out.toString();
    }

    /** Refuses a lifecycle step the automation would take part in, while it is not wired to the groups. */
    void requireAdopted(String what) {
        if (!adopted) {
            throw new IllegalArgumentException(what + ": the lab's groups have none of our hooks yet (a cluster built"
                    + " the way other tools build them, scripts/lab up --foreign): run 'scripts/lab adopt' first. Until"
                    + " then a termination is what it always was on these groups: the instance goes, its peer stays in Raft");
        }
    }

    /** Starts the emulator and a cluster of {@code nodes} Vault processes over three AZ groups. */
    static LabEnvironment start(int nodes, Path outDir) throws IOException {
        return start(nodes, outDir, Map.of(), step -> { });
    }

    /**
     * @param overrides handler settings that differ from the lab's (e.g. LAUNCH_MAX_WAIT_SECONDS)
     * @param progress  where each step of the start is reported
     */
    static LabEnvironment start(int nodes, Path outDir, Map<String, String> overrides,
                                java.util.function.Consumer<String> progress) throws IOException {
        return start(nodes, outDir, overrides, progress, 0);
    }

    /** @param spotGroups how many groups, counted from the last, run Spot instances */
    static LabEnvironment start(int nodes, Path outDir, Map<String, String> overrides,
                                java.util.function.Consumer<String> progress, int spotGroups) throws IOException {
        return start(nodes, outDir, overrides, progress, spotGroups, false);
    }

    /**
     * @param foreign a cluster built the way other tools build them ({@link ClusterSpec#asForeign()}): UUID node ids,
     *                DNS-name addresses, groups without our hooks or the retain policy; no handler runs until
     *                {@link #adopt}
     */
    static LabEnvironment start(int nodes, Path outDir, Map<String, String> overrides,
                                java.util.function.Consumer<String> progress, int spotGroups, boolean foreign)
            throws IOException {
        Path dir = outDir.resolve("run-" + Instant.now().toString().replace(":", "").replace(".", "") + "-"
                + UUID.randomUUID().toString().substring(0, 4));
        Files.createDirectories(dir);
        progress.accept("starting the AWS emulator (moto) and its recording front");
        Rig rig = Rig.start(dir);
        rig.progress(progress);
        try {
            progress.accept("starting a cluster of " + nodes + " Vault nodes" + (foreign
                    ? " built the way other tools build them (UUID node ids, DNS-name addresses, no hooks of ours)" : ""));
            java.util.Set<Integer> spot = new java.util.HashSet<>();
            for (int zone = 3 - spotGroups; zone < 3; zone++) {
                spot.add(zone);
            }
            ClusterSpec spec = ClusterSpec.defaults().withName("lab" + (ProcessHandle.current().pid() % 10000))
                    .withTotalNodes(nodes).withSpotZones(spot);
            VaultCluster cluster = rig.startCluster(foreign ? spec.asForeign() : spec);
            LabEnvironment lab = new LabEnvironment(rig, cluster, dir, overrides);
            progress.accept((foreign ? "handlers built but not wired to the groups (scripts/lab adopt wires them)"
                    : "handlers wired (terminating, launching, publisher, reconciler, interruption)")
                    + ", load-balancer stand-in on port " + lab.loadBalancer.port());
            return lab;
        } catch (RuntimeException | IOException e) {
            rig.close();
            throw e;
        }
    }

    /** Runs the publisher and the reconciler every {@code every} and samples the timeline every half second. */
    void startSchedules(Duration every) {
        scheduler.scheduleWithFixedDelay(() -> {
            if (!adopted) {
                return; // no automation on a foreign cluster's groups yet
            }
            try {
                lastPublish = invoke("publisher", "{}".getBytes(StandardCharsets.UTF_8));
                lastReconcile = invoke("reconciler", "{}".getBytes(StandardCharsets.UTF_8));
            } catch (RuntimeException e) {
                handlerLog.println("{\"event\":\"lab-schedule-failed\",\"error\":\"" + e.getMessage() + "\"}");
            }
        }, 0, every.toMillis(), TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(timeline::sample, 0, 500, TimeUnit.MILLISECONDS);
    }

    /** The handlers' shared runtime (their settings). */
    HandlerRuntime runtime() {
        return runtime;
    }

    /** The publisher's last result (metrics), if it ran. */
    JsonNode lastPublish() {
        return lastPublish;
    }

    /** The reconciler's last result (stale peers, removed, kept), if it ran. */
    JsonNode lastReconcile() {
        return lastReconcile;
    }

    /** A handler's Lambda function name in the lab (by its short name, {@link dev.raftlifecycle.contract.HandlerNames}). */
    static String functionName(String handler) {
        return "raft-lifecycle-" + handler;
    }

    /**
     * The function a roll invokes for the cluster's status (the stack's StatusFunctionName): the publisher's. Lambda
     * Invoke of it at {@link #awsEndpoint()} runs the lab's publisher handler ({@link AutoScalingStandIn}).
     */
    String statusFunctionName() {
        return functionName(dev.raftlifecycle.contract.HandlerNames.PUBLISHER_NAME);
    }

    /**
     * The lab's AWS endpoint for a roll (and any SDK client or the AWS CLI): the rig's front, with Auto Scaling's and
     * Lambda's answers for what moto lacks. Sign with {@link #awsCredentials()} in {@link Rig#REGION}.
     */
    java.net.URI awsEndpoint() {
        return rig.awsEndpoint();
    }

    /** The emulator's administrator (everything allowed): the lab's own calls, a user's shell. */
    software.amazon.awssdk.auth.credentials.AwsBasicCredentials awsCredentials() {
        return rig.adminCredentials();
    }

    /**
     * The credentials a roll (an operator) signs with in the lab: an IAM user in the emulator whose only policy is the
     * stack's roll operator policy ({@code <cluster>-rolling-upgrade}, as synthesized), bound to this lab's groups,
     * its status function and a stack named after the cluster (the lab has no stack: the DescribeStacks statement is
     * bound but never exercised, the lab's roll names its groups). moto checks the actions; the rig's front the
     * resources ({@link dev.raftlifecycle.rig.RigIam#operatorCredentials}). Made once per lab.
     */
    synchronized software.amazon.awssdk.auth.credentials.AwsBasicCredentials operatorCredentials() {
        if (operator == null) {
            operator = rig.iamRoles().operatorCredentials(new dev.raftlifecycle.rig.RigIam.OperatorBinding(
                    cluster.groupNames(), statusFunctionName(), cluster.name()));
        }
        return operator;
    }

    private software.amazon.awssdk.auth.credentials.AwsBasicCredentials operator;

    /** Delivers an event to a handler through its Lambda entry point; returns the handler's JSON output. */
    JsonNode invoke(String handler, byte[] event) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            switch (handler) {
                case "terminating" -> terminating.handleRequest(new ByteArrayInputStream(event), out,
                        new dev.raftlifecycle.rig.LocalLambdaContext(functionName(handler), Duration.ofMinutes(5), handlerLog::println));
                case "launching" -> launching.handleRequest(new ByteArrayInputStream(event), out,
                        new dev.raftlifecycle.rig.LocalLambdaContext(functionName(handler), Duration.ofMinutes(15), handlerLog::println));
                case "publisher" -> publish(new ByteArrayInputStream(event), out,
                        new dev.raftlifecycle.rig.LocalLambdaContext(functionName(handler), Duration.ofMinutes(1), handlerLog::println));
                case "reconciler" -> reconciler.handleRequest(new ByteArrayInputStream(event), out,
                        new dev.raftlifecycle.rig.LocalLambdaContext(functionName(handler), Duration.ofMinutes(2), handlerLog::println));
                case "interruption" -> interruption.handleRequest(new ByteArrayInputStream(event), out,
                        new dev.raftlifecycle.rig.LocalLambdaContext(functionName(handler), Duration.ofMinutes(2), handlerLog::println));
                default -> throw new IllegalArgumentException("no handler '" + handler
                        + "': use terminating, launching, publisher, reconciler or interruption");
            }
            return JSON.readTree(out.toByteArray());
        } catch (IOException e) {
            throw new IllegalStateException("handler output unreadable: " + e.getMessage(), e);
        }
    }

    /** One publisher run at a time: the schedule's and a Lambda Invoke's (AWS would run them in two sandboxes). */
    private synchronized void publish(ByteArrayInputStream event, ByteArrayOutputStream out,
                                      com.amazonaws.services.lambda.runtime.Context context) throws IOException {
        publisher.handleRequest(event, out, context);
    }

    /**
     * Shell exports that aim the vault CLI, the AWS CLI or one's own script at this lab: the load-balancer stand-in
     * with the cluster's CA and TLS name, the operator token read from its file at eval time (never printed), the
     * emulator's endpoint (the same recording front the handlers use, so the lifecycle states match), its region
     * and credentials (the emulator takes any).
     */
    String env() {
        StringBuilder out = new StringBuilder();
        out.append("# raft-lifecycle lab ").append(cluster.name()).append(": eval \"$(scripts/lab env)\"\n");
        out.append("export VAULT_ADDR='https://127.0.0.1:").append(loadBalancer.port()).append("'")
                .append("   # the load-balancer stand-in (passthrough to nodes passing sys/health)\n");
        out.append("export VAULT_CACERT='").append(cluster.caFile()).append("'\n");
        out.append("export VAULT_TLS_SERVER_NAME='").append(cluster.tlsServerName()).append("'\n");
        out.append("export VAULT_TOKEN=\"$(cat '").append(operatorToken).append("')\"")
                .append("   # the lab's root token (a disposable local cluster)\n");
        out.append("export AWS_ENDPOINT_URL='").append(rig.awsEndpoint()).append("'\n");
        out.append("export AWS_REGION='").append(Rig.REGION.id()).append("' AWS_DEFAULT_REGION='")
                .append(Rig.REGION.id()).append("'\n");
        out.append("export AWS_ACCESS_KEY_ID='").append(rig.adminCredentials().accessKeyId())
                .append("' AWS_SECRET_ACCESS_KEY='").append(rig.adminCredentials().secretAccessKey())
                .append("'   # the emulator's administrator (it checks every signature); the handlers have roles of their own\n");
        out.append("# the vault CLI of this lab: ").append(rig.vaultBin()).append('\n');
        out.append("# the status function (Lambda Invoke at AWS_ENDPOINT_URL runs the lab's publisher): ")
                .append(statusFunctionName()).append('\n');
        return out.toString();
    }

    LoadBalancerStandIn loadBalancer() {
        return loadBalancer;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        loadBalancer.close();
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        rig.close();
        handlerLog.close();
    }
}
