package dev.raftlifecycle.rig;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.builder.SdkSyncClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.Credentials;

/**
 * One rig session: the AWS emulator (moto), the recording AWS front the code under test talks to, the IAM
 * role the Lambda handlers assume, and the Vault clusters started in it. {@link #shared()} gives one per
 * JVM, closed (with every process it started) when the JVM exits.
 */
public final class Rig implements AutoCloseable {
    public static final Region REGION = Region.US_EAST_1;

    static {
        // The AWS front forwards each request to moto with its own Host header (signed by the client, and checked by
        // moto's signature check); java.net.http lets a caller set Host only when this is set before its first use.
        System.setProperty("jdk.httpclient.allowRestrictedHeaders", "host");
        try {
            java.net.http.HttpRequest.newBuilder(URI.create("http://127.0.0.1/")).header("Host", "check");
        } catch (IllegalArgumentException e) {
            throw new RigException("java.net.http was used in this JVM before the rig could allow the Host header;"
                    + " start the JVM with -Djdk.httpclient.allowRestrictedHeaders=host", e);
        }
    }
    private static Rig shared;

    private final Path workDir;
    private final MotoServer moto;
    private final LifecycleRecorder front;
    private final Path vaultBin;
    private final String vaultVersion;
    private final AwsBasicCredentials admin;
    private final String adminArn;
    private final RigIam iamRoles;
    private final List<RaftCluster> clusters = new CopyOnWriteArrayList<>();

    private final Ec2Client ec2;
    private final AutoScalingClient autoScaling;
    private final IamClient iam;
    private final StsClient sts;
    private final KmsClient kms;
    private final DynamoDbClient dynamoDb;
    private final SecretsManagerClient secretsManager;
    private final CloudWatchClient cloudWatch;

    private Rig(Path workDir) {
        this.workDir = workDir;
        this.vaultBin = Tools.vault();
        this.vaultVersion = Tools.vaultVersion(vaultBin);
        this.moto = MotoServer.start(workDir);
        // The rig's own principal, made while moto still accepts anyone; then access control goes on for good.
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        IamClient bootstrap = client(IamClient.builder(), AwsBasicCredentials.create("bootstrap", "bootstrap"));
        String adminName = "raft-lifecycle-rig-" + suffix;
        String adminArn = bootstrap.createUser(r -> r.userName(adminName)).user().arn();
        bootstrap.putUserPolicy(r -> r.userName(adminName).policyName("everything").policyDocument(
                "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}"));
        var key = bootstrap.createAccessKey(r -> r.userName(adminName)).accessKey();
        this.admin = AwsBasicCredentials.create(key.accessKeyId(), key.secretAccessKey());
        this.adminArn = adminArn;
        moto.enforceIam();
        // The rig's own clients go straight to moto, so the front records only the code under test.
        this.ec2 = client(Ec2Client.builder());
        this.autoScaling = client(AutoScalingClient.builder());
        this.iam = client(IamClient.builder());
        this.sts = client(StsClient.builder());
        this.kms = client(KmsClient.builder());
        this.dynamoDb = client(DynamoDbClient.builder());
        this.secretsManager = client(SecretsManagerClient.builder());
        this.cloudWatch = client(CloudWatchClient.builder());
        this.iamRoles = new RigIam(iam, sts, autoScaling, admin.accessKeyId(), trustPolicy());
        this.front = LifecycleRecorder.start(moto.endpoint(), kms, iamRoles);
    }

    /** The JVM-wide rig session, started on first use. */
    public static synchronized Rig shared() {
        if (shared == null) {
            shared = start(defaultWorkDir());
            Rig session = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(session::close, "rig-shutdown"));
        }
        return shared;
    }

    public static Rig start(Path workDir) {
        try {
            Files.createDirectories(workDir);
        } catch (IOException e) {
            throw new RigException("cannot create rig work dir " + workDir + ": " + e.getMessage(), e);
        }
        return new Rig(workDir);
    }

    /** target/rig-runs/<run> under the module when run by Maven, else a temp folder. */
    static Path defaultWorkDir() {
        String configured = System.getProperty("rig.workDir");
        Path base = configured != null ? Path.of(configured)
                : Path.of(System.getProperty("java.io.tmpdir"), "raft-lifecycle-rig");
        return base.resolve("run-" + ProcessHandle.current().pid() + "-" + UUID.randomUUID().toString().substring(0, 6));
    }

    private <B extends AwsClientBuilder<B, C> & SdkSyncClientBuilder<B, C>, C> C client(B builder) {
        return client(builder, admin);
    }

    private <B extends AwsClientBuilder<B, C> & SdkSyncClientBuilder<B, C>, C> C client(B builder,
                                                                                        AwsBasicCredentials as) {
        builder.region(REGION)
                .endpointOverride(moto.endpoint())
                .credentialsProvider(StaticCredentialsProvider.create(as));
        builder.httpClientBuilder(UrlConnectionHttpClient.builder());
        return builder.build();
    }

    /** Starts a cluster of the system in this session; it is stopped with the session if not closed before. */
    public RaftCluster start(dev.raftlifecycle.contract.ClusterSystem system, ClusterSpec spec) {
        return switch (system) {
            case VAULT -> startCluster(spec);
            case CONSUL -> startConsulCluster(spec);
        };
    }

    /** Starts a Vault cluster in this session; it is stopped with the session if not closed before. */
    public VaultCluster startCluster(ClusterSpec spec) {
        VaultCluster cluster = VaultCluster.start(this, spec);
        clusters.add(cluster);
        return cluster;
    }

    void forget(RaftCluster cluster) {
        clusters.remove(cluster);
    }

    /** Starts a Consul server cluster in this session (the consul binary: {@link Tools#consul()}). */
    public ConsulCluster startConsulCluster(ClusterSpec spec) {
        ConsulCluster cluster = ConsulCluster.start(this, spec, Tools.consul());
        clusters.add(cluster);
        return cluster;
    }

    /**
     * A Consul server cluster as a deployment secures it: gossip encrypted with this key (base64, as `consul keygen`
     * prints it) and server RPC over mutually verified TLS with verify_server_hostname. The spec's tlsServerName must
     * then be {@code server.rig.consul} (datacenter {@link ConsulCluster#DATACENTER}).
     */
    public ConsulCluster startConsulCluster(ClusterSpec spec, String gossipKey) {
        ConsulCluster cluster = ConsulCluster.start(this, spec, Tools.consul(), gossipKey);
        clusters.add(cluster);
        return cluster;
    }

    /** The endpoint the code under test uses for every AWS service (AWS_ENDPOINT_URL). */
    public URI awsEndpoint() {
        return front.endpoint();
    }

    /** moto itself, for Vault's own calls (KMS seal, STS/IAM for the AWS auth method). */
    public URI motoEndpoint() {
        return moto.endpoint();
    }

    public LifecycleRecorder recorder() {
        return front;
    }

    /**
     * What EC2 does when it takes a Spot instance back: the instance's Spot request shows the interruption
     * ({@code marked-for-termination}) and the warning goes out. Returns the warning, sent at {@code time}.
     */
    public byte[] interruptSpot(String instanceId, java.time.Instant time) {
        front.spotRequestStatus(instanceId, dev.raftlifecycle.contract.Ec2Events.SPOT_MARKED_FOR_TERMINATION);
        return EventBridgeEvents.spotInterruption(instanceId, dev.raftlifecycle.contract.Ec2Events.SPOT_TERMINATE, time);
    }

    /** {@link #interruptSpot(String, Instant)} now. */
    public byte[] interruptSpot(String instanceId) {
        return interruptSpot(instanceId, java.time.Instant.now());
    }

    private volatile java.util.function.Consumer<String> progress = step -> { };

    /** Where the rig reports the steps of starting a cluster (the lab prints them; tests need not). */
    public void progress(java.util.function.Consumer<String> listener) {
        this.progress = listener;
    }

    void progressed(String step) {
        progress.accept(step);
    }

    /**
     * The rig's own principal in the emulator, allowed everything: what the rig itself, the servers (Vault's seal and
     * its AWS auth method's IAM reads, Consul's), the first-boot playbook and the lab's CLI environment sign with.
     * Never a handler's: those get {@link #handlerCredentials}.
     */
    public AwsBasicCredentials adminCredentials() {
        return admin;
    }

    /** The rig's own principal's ARN (a role's trust policy names it, so the rig may assume the role). */
    public String adminArn() {
        return adminArn;
    }

    /**
     * A trust policy that lets the rig assume a role (moto evaluates trust policies, and fails on a service
     * principal).
     */
    public String trustPolicy() {
        return "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"" + adminArn
                + "\"},\"Action\":\"sts:AssumeRole\"}]}";
    }

    /** The emulator's IAM: each handler's role with its synthesized policy. */
    public RigIam iamRoles() {
        return iamRoles;
    }

    /** The IAM role of a handler (by its short name), with the policy the CDK app synthesizes for it. */
    public String handlerRoleArn(String handler) {
        return iamRoles.roleArn(handler);
    }

    /**
     * Fresh credentials of a handler's role (an AssumeRole session of its own, so a test can tell its calls apart in
     * the recorder), for the lock-table items of {@code clusterName}.
     */
    public AwsSessionCredentials handlerCredentials(String handler, String clusterName) {
        return iamRoles.credentials(handler, clusterName, java.util.Set.of());
    }

    public Path vaultBin() {
        return vaultBin;
    }

    public String vaultVersion() {
        return vaultVersion;
    }

    public String motoVersion() {
        return moto.version();
    }

    public Path workDir() {
        return workDir;
    }

    public Ec2Client ec2() {
        return ec2;
    }

    public AutoScalingClient autoScaling() {
        return autoScaling;
    }

    public IamClient iam() {
        return iam;
    }

    public StsClient sts() {
        return sts;
    }

    public KmsClient kms() {
        return kms;
    }

    public DynamoDbClient dynamoDb() {
        return dynamoDb;
    }

    public SecretsManagerClient secretsManager() {
        return secretsManager;
    }

    public CloudWatchClient cloudWatch() {
        return cloudWatch;
    }

    /** The repository root (for files the rig shares with the deployment, e.g. the Vault policy). */
    public static Path repoRoot() {
        String configured = System.getProperty("raftlifecycle.repoRoot");
        if (configured != null) {
            return Path.of(configured);
        }
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            if (Files.isDirectory(dir.resolve("functions")) && Files.isRegularFile(dir.resolve("pom.xml"))
                    && Files.isDirectory(dir.resolve("rig"))) {
                return dir;
            }
            dir = dir.getParent();
        }
        throw new RigException("cannot find the repository root from " + Path.of("").toAbsolutePath()
                + "; set -Draftlifecycle.repoRoot");
    }

    @Override
    public synchronized void close() {
        for (RaftCluster cluster : List.copyOf(clusters)) {
            try {
                cluster.close();
            } catch (RuntimeException e) {
                System.err.println("rig: closing " + cluster.name() + " failed: " + e.getMessage());
            }
        }
        front.close();
        moto.close();
    }
}
