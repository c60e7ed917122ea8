package dev.raftlifecycle.handlers;

import dev.raftlifecycle.config.Settings;
import dev.raftlifecycle.observation.ClusterObserver;
import dev.raftlifecycle.contract.ClusterSystem;
import dev.raftlifecycle.observation.ClusterSessions;
import dev.raftlifecycle.ports.AutoScalingPort;
import dev.raftlifecycle.ports.AwsClients;
import dev.raftlifecycle.ports.CloudWatchPort;
import dev.raftlifecycle.ports.ClusterRecords;
import dev.raftlifecycle.ports.Lazy;
import dev.raftlifecycle.ports.Ec2Port;
import dev.raftlifecycle.ports.MutationLock;
import dev.raftlifecycle.ports.ClusterPort;
import dev.raftlifecycle.ports.ConsulClient;
import dev.raftlifecycle.ports.VaultClient;
import dev.raftlifecycle.ports.VaultTls;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProviderChain;
import software.amazon.awssdk.auth.credentials.ContainerCredentialsProvider;
import software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Everything a handler needs, built once per cold start (and so captured by a SnapStart snapshot): the validated
 * settings, the ports, the probe executor, the clock and the log sink. Building it does no network I/O, so it is
 * safe to snapshot.
 */
public final class HandlerRuntime {
    private final Settings settings;
    private final AwsCredentialsProvider credentials;
    private final VaultClient vault;
    /** The port the observer and the removal steps use: {@link #vault} for Vault, a Consul client for Consul. */
    private final ClusterPort cluster;
    private final AutoScalingPort autoScaling;
    private final Ec2Port ec2;
    private final CloudWatchPort cloudWatch;
    private final dev.raftlifecycle.ports.KmsPort kms;
    private final MutationLock lock;
    private final ClusterRecords records;
    private final Clock clock;
    private final DecisionLog log;
    private final Consumer<String> sink;
    private final ExecutorService probes;
    private final AwsClients aws;
    private final java.util.Optional<dev.raftlifecycle.ports.SnapshotStore> snapshots;

    public HandlerRuntime(Settings settings, AwsCredentialsProvider credentials, Clock clock, Consumer<String> sink) {
        String table = settings.requireLockTable(); // every handler: the lock, the stale marks, the initialized mark
        this.settings = settings;
        this.credentials = credentials;
        this.clock = clock;
        this.sink = sink;
        javax.net.ssl.SSLContext tls = VaultTls.context(settings.caPem(), settings.tlsServerName());
        this.vault = new VaultClient(tls, settings.connectTimeout(), settings.requestTimeout(), settings.vaultPort());
        this.cluster = settings.system() == ClusterSystem.CONSUL
                ? new ConsulClient(tls, settings.connectTimeout(), settings.requestTimeout(), settings.vaultPort())
                : vault;
        this.aws = new AwsClients(settings.region(), settings.awsEndpoint(), credentials);
        // Each client is built at its first call: a handler pays only for the services it uses.
        this.autoScaling = new AutoScalingPort(Lazy.of(aws::autoScaling));
        this.ec2 = new Ec2Port(Lazy.of(aws::ec2));
        this.cloudWatch = new CloudWatchPort(Lazy.of(aws::cloudWatch));
        this.kms = new dev.raftlifecycle.ports.KmsPort(Lazy.of(aws::kms));
        this.snapshots = settings.snapshotBucket().map(bucket -> new dev.raftlifecycle.ports.SnapshotStore(
                Lazy.of(aws::s3), bucket, settings.snapshotKmsKeyId(), settings.snapshotPartBytes()));
        Lazy<DynamoDbClient> dynamo = Lazy.of(aws::dynamoDb);
        this.lock = new MutationLock(dynamo, table, settings.clusterName(), clock);
        this.records = new ClusterRecords(dynamo, table, settings.clusterName());
        this.log = new DecisionLog(sink, settings.metricsNamespace(), settings.clusterName());
        this.probes = Executors.newFixedThreadPool(16, r -> {
            Thread t = new Thread(r, "vault-probe");
            t.setDaemon(true);
            return t;
        });
    }

    /** The Lambda runtime's wiring: environment variables, the execution role's credentials, stdout. */
    public static HandlerRuntime fromEnvironment() {
        Settings settings = Settings.fromEnvironment();
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        HandlerRuntime runtime = new HandlerRuntime(settings, lambdaCredentials(), Clock.systemUTC(), out::println);
        runtime.log.line("runtime", "cold-start").field("settings", settings.summary()).emit(runtime.clock.instant());
        return runtime;
    }

    /**
     * The execution role's credentials as Lambda hands them over: environment variables on a plain function, the
     * container credentials endpoint ({@code AWS_CONTAINER_CREDENTIALS_FULL_URI} plus its authorization token) on a
     * SnapStart function, where the key variables are not set. Nothing is resolved here (no I/O at init, so no
     * credentials end up in a snapshot); the first AWS call or Vault login resolves them, the container provider
     * refreshes them before they expire.
     */
    public static AwsCredentialsProvider lambdaCredentials() {
        return AwsCredentialsProviderChain.builder()
                .credentialsProviders(EnvironmentVariableCredentialsProvider.create(), ContainerCredentialsProvider.builder().build())
                .build();
    }

    /**
     * The handler's observer, logging in with VAULT_AUTH_ROLE or, when unset, the handler's own default role (the
     * read-only one for the launching handler and the publisher, the mutating one for the others).
     */
    ClusterObserver observer(String defaultRole) {
        return observer(defaultRole, false);
    }

    /** @param spotRequests whether the observer asks EC2 for a Spot subject's request (the interruption handler) */
    ClusterObserver observer(String defaultRole, boolean spotRequests) {
        ClusterSessions sessions = new ClusterSessions(settings, cluster, credentials, clock,
                settings.authRole().orElse(defaultRole));
        return new ClusterObserver(settings, cluster, autoScaling, ec2, records, sessions, clock, probes,
                certificateProbe(), spotRequests);
    }

    /** Each node's certificate as a new client sees it (a fresh TLS context per observation). */
    dev.raftlifecycle.ports.CertificateProbe certificateProbe() {
        return new dev.raftlifecycle.ports.CertificateProbe(settings.caPem(), settings.tlsServerName(),
                settings.connectTimeout(), settings.requestTimeout(), settings.vaultPort());
    }

    /** The publisher's canary through CANARY_ADDRESS, with the same role as its observer; empty without an address. */
    java.util.Optional<dev.raftlifecycle.observation.CanaryProbe> canary(String defaultRole) {
        return dev.raftlifecycle.observation.CanaryProbe.of(settings, vault, credentials, clock,
                settings.authRole().orElse(defaultRole));
    }

    RemovalSteps removalSteps(ClusterObserver observer) {
        return new RemovalSteps(cluster, observer.sessions(), observer, settings.requestTimeout(), settings.stepDownWait());
    }

    public Settings settings() {
        return settings;
    }

    public AwsCredentialsProvider credentials() {
        return credentials;
    }

    public VaultClient vault() {
        return vault;
    }

    /** The cluster's port (Vault's or Consul's, by SYSTEM). */
    public ClusterPort cluster() {
        return cluster;
    }

    /** How the AWS clients are built (the priming hook rehearses with twins of them). */
    AwsClients awsClients() {
        return aws;
    }

    /** The snapshot bucket, when SNAPSHOT_BUCKET is set. */
    public java.util.Optional<dev.raftlifecycle.ports.SnapshotStore> snapshots() {
        return snapshots;
    }

    public AutoScalingPort autoScaling() {
        return autoScaling;
    }

    public Ec2Port ec2() {
        return ec2;
    }

    public CloudWatchPort cloudWatch() {
        return cloudWatch;
    }

    public dev.raftlifecycle.ports.KmsPort kms() {
        return kms;
    }

    public MutationLock lock() {
        return lock;
    }

    public ClusterRecords records() {
        return records;
    }

    public Clock clock() {
        return clock;
    }

    public DecisionLog log() {
        return log;
    }

    public Consumer<String> sink() {
        return sink;
    }

    public ExecutorService probes() {
        return probes;
    }
}
