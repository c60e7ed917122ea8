package dev.raftlifecycle.infra;

import dev.raftlifecycle.contract.ClusterSystem;
import dev.raftlifecycle.contract.Defaults;
import dev.raftlifecycle.contract.MetricName;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

/**
 * Everything a deployment can choose, read once from CDK context values (cdk.json or {@code cdk synth -c key=value})
 * and validated with messages naming the context key. Every key and its default is documented in infra/README.md;
 * {@link #KEYS} lists them so a test can hold the README to it.
 */
public record ClusterConfig(
        String clusterName,
        String stackName,
        Optional<ExistingVpc> existingVpc,
        String vpcCidr,
        List<String> availabilityZones,
        int natGateways,
        List<String> clientCidrs,
        String instanceType,
        Optional<String> amiId,
        String amiSsmParameter,
        String rootVolumeDevice,
        int rootVolumeGiB,
        int nodesPerAz,
        String vaultVersion,
        String tlsSecret,
        Optional<String> tlsSecretKmsKeyArn,
        String tlsServerName,
        String iamServerId,
        Optional<String> caCertificatePem,
        Optional<String> alarmEmail,
        Optional<String> alarmTopicArn,
        boolean enterprise,
        String metricsNamespace,
        int launchMaxWaitSeconds,
        boolean elbHealthChecks,
        int healthCheckGracePeriodSeconds,
        int staleGraceSeconds,
        String reconcileMode,
        String rebalanceAction,
        int logRetentionDays,
        Path functionsJar,
        boolean decommission,
        ClusterSystem system,
        String consulVersion,
        String datacenter,
        String gossipKeySecret,
        Optional<String> gossipKeySecretKmsKeyArn,
        List<String> keyAdmins,
        List<String> breakGlassPrincipals,
        List<String> initCidrs,
        Optional<String> cloudFormationRoleArn,
        int snapshotIntervalMinutes,
        int snapshotRetentionDays,
        boolean shadow,
        String vaultAuthMount,
        Optional<Adoption> adoption) {

    /**
     * An existing VPC, imported without lookups: one private subnet per availability zone, in the same order (for an
     * adopted cluster: the subnets the Lambdas run in, any number).
     */
    public record ExistingVpc(String vpcId, List<String> privateSubnetIds) {
    }

    /**
     * An adopted cluster ({@code adopt=<group names>}): Auto Scaling groups that exist already, which the automation-only
     * stack ({@link AdoptedClusterStack}) hooks into without owning them.
     *
     * @param groupNames the existing groups, as named in the {@code adopt} context value
     * @param serverSecurityGroupId the servers' security group: the Lambdas' group may reach it on {@code apiPort}
     *                              (the stack does not change it; the operator admits the Lambdas' group)
     * @param apiPort the servers' API port (Vault 8200, Consul HTTPS 8501 unless {@code apiPort} says otherwise)
     * @param serverVersionGiven whether {@code vaultVersion}/{@code consulVersion} was given: only then do the
     *                           handlers expect a version ({@code EXPECTED_VAULT_VERSION})
     */
    public record Adoption(List<String> groupNames, String serverSecurityGroupId, int apiPort,
                           boolean serverVersionGiven) {
    }

    public static final String CLUSTER_NAME = "clusterName";
    public static final String STACK_NAME = "stackName";
    public static final String VPC_ID = "vpcId";
    public static final String PRIVATE_SUBNET_IDS = "privateSubnetIds";
    public static final String VPC_CIDR = "vpcCidr";
    public static final String AVAILABILITY_ZONES = "availabilityZones";
    public static final String NAT_GATEWAYS = "natGateways";
    public static final String CLIENT_CIDRS = "clientCidrs";
    public static final String INSTANCE_TYPE = "instanceType";
    public static final String AMI_ID = "amiId";
    public static final String AMI_SSM_PARAMETER = "amiSsmParameter";
    public static final String ROOT_VOLUME_DEVICE = "rootVolumeDevice";
    public static final String ROOT_VOLUME_GIB = "rootVolumeGiB";
    public static final String NODES_PER_AZ = "nodesPerAz";
    public static final String VAULT_VERSION = "vaultVersion";
    public static final String TLS_SECRET = "tlsSecret";
    public static final String TLS_SECRET_KMS_KEY_ARN = "tlsSecretKmsKeyArn";
    public static final String TLS_SERVER_NAME = "tlsServerName";
    public static final String IAM_SERVER_ID = "iamServerId";
    public static final String CA_CERTIFICATE_FILE = "caCertificateFile";
    public static final String CA_CERTIFICATE_PEM = "caCertificatePem";
    public static final String ALARM_EMAIL = "alarmEmail";
    public static final String ALARM_TOPIC_ARN = "alarmTopicArn";
    public static final String ENTERPRISE = "enterprise";
    public static final String METRICS_NAMESPACE = "metricsNamespace";
    public static final String LAUNCH_MAX_WAIT_SECONDS = "launchMaxWaitSeconds";
    /**
     * true: the groups replace what the load balancer finds unhealthy (HealthCheckType ELB). Off by default: a new
     * cluster's nodes are uninitialized and fail the load balancer's check, and ELB checks would have the groups
     * replace them in a loop. Deploy with it once the cluster is initialized and the health publisher reports the
     * groups ready (its "elbHealthChecks" field: "ready: ..."). No function holds the right to change it.
     */
    public static final String ELB_HEALTH_CHECKS = "elbHealthChecks";
    public static final String HEALTH_CHECK_GRACE_PERIOD_SECONDS = "healthCheckGracePeriodSeconds";
    public static final String STALE_GRACE_SECONDS = "staleGraceSeconds";
    public static final String RECONCILE_MODE = "reconcileMode";
    /** What a Spot rebalance recommendation does: "count" (default, counted and logged) or "interruption". */
    public static final String REBALANCE_ACTION = "rebalanceAction";
    public static final String LOG_RETENTION_DAYS = "logRetentionDays";
    public static final String FUNCTIONS_JAR = "functionsJar";
    /**
     * true: the functions' DECOMMISSION setting, declaring that the whole cluster is being taken down (deploy with it
     * before `cdk destroy` of a cluster with a dead voter): terminations then bypass the quorum guard. A deploy, never a
     * tag: whoever may tag a group may not switch the guard off.
     */
    public static final String DECOMMISSION = "decommission";
    /** Which Raft cluster the stack deploys: {@code vault} (default) or {@code consul}. */
    public static final String SYSTEM = "system";
    /** Consul only: the Consul version the handlers expect (the AMI's pin). */
    public static final String CONSUL_VERSION = "consulVersion";
    /** Consul only: the datacenter name (default: the cluster name); part of the servers' certificate name. */
    public static final String DATACENTER = "datacenter";
    /** Consul only: the Secrets Manager secret holding the gossip encryption key (base64, {@code consul keygen}). */
    public static final String GOSSIP_KEY_SECRET = "gossipKeySecret";
    /** Consul only: the customer managed KMS key encrypting {@link #GOSSIP_KEY_SECRET}, if any. */
    public static final String GOSSIP_KEY_SECRET_KMS_KEY_ARN = "gossipKeySecretKmsKeyArn";

    /**
     * IAM role or user ARNs that administer the stack's retained keys, the unseal key (Vault) and the snapshot key
     * (PutKeyPolicy, DisableKey, ScheduleKeyDeletion, ...). Default: the CDK bootstrap's CloudFormation execution role only. The account root
     * keeps read-only actions, so an IAM policy alone never lets anyone disable or delete the key.
     */
    public static final String KEY_ADMINS = "keyAdmins";
    /**
     * IAM role or user ARNs that may read and change the cluster's secrets besides the server role (the secrets'
     * resource policies deny everyone else). Default: none.
     */
    public static final String BREAK_GLASS_PRINCIPALS = "breakGlassPrincipals";
    /**
     * Vault only: while set, the API admits only these ranges instead of clientCidrs (the first initialization's
     * window, when whoever reaches an uninitialized Vault can initialize it), and an alarm fires once the cluster is
     * initialized. Deploy without it after `vault operator init`.
     */
    public static final String INIT_CIDRS = "initCidrs";
    /**
     * The role CloudFormation creates and updates the stack as, when it is not the CDK bootstrap's execution role
     * ({@code cdk deploy --role-arn}, a pipeline's own role). KMS refuses a key policy that would not let its creator put
     * one again, and the secrets' write rules must keep CloudFormation able to manage them: both name this role.
     * Default: the bootstrap's execution role.
     */
    public static final String CLOUDFORMATION_ROLE_ARN = "cloudFormationRoleArn";
    /**
     * Minutes between scheduled Raft snapshots (an EventBridge rule {@code rate(N minutes)}); 0: no schedule, snapshots
     * on demand only ({@code aws lambda invoke}), and no snapshot-age alarm.
     */
    public static final String SNAPSHOT_INTERVAL_MINUTES = "snapshotIntervalMinutes";
    /** Days the snapshot bucket keeps a snapshot object, and a noncurrent version after it was overwritten or deleted. */
    public static final String SNAPSHOT_RETENTION_DAYS = "snapshotRetentionDays";
    /**
     * Adopt a running cluster: the comma-separated names of its existing Auto Scaling groups. The app then synthesizes
     * the automation-only stack ({@link AdoptedClusterStack}) instead of a whole cluster.
     */
    public static final String ADOPT = "adopt";
    /**
     * true: every function runs with {@code MODE=shadow} (Settings.MODE): it observes, decides and logs what it would do,
     * and changes nothing (no peer removed, no step-down; lifecycle actions completed with CONTINUE at once). A deploy
     * turns it on and off. Either stack.
     */
    public static final String SHADOW = "shadow";
    /** Vault only: the path of the AWS auth method the handlers log in with (scripts/configure-vault --auth-mount). */
    public static final String VAULT_AUTH_MOUNT = "vaultAuthMount";
    /**
     * An adopted Vault cluster's default {@link #VAULT_AUTH_MOUNT}: a mount of the handlers' own.
     * scripts/configure-vault sets {@code iam_server_id_header_value} on the mount it is given, which every IAM login
     * there must then send: on a running cluster's {@code aws/}, which its own clients may use, that would lock them
     * out.
     */
    public static final String ADOPTED_VAULT_AUTH_MOUNT = "raft-lifecycle-aws";
    /** Adopt only: the servers' security group id (sg-...), which the Lambdas' security group may reach. */
    public static final String SERVER_SECURITY_GROUP_ID = "serverSecurityGroupId";
    /** Adopt only: the servers' API port, when it is not Vault's 8200 or Consul's 8501. */
    public static final String API_PORT = "apiPort";
    /** The longest snapshot interval accepted: a week (the age alarm fires after two). */
    public static final int MAX_SNAPSHOT_INTERVAL_MINUTES = 7 * 24 * 60;
    /** The longest retention accepted: ten years. */
    public static final int MAX_SNAPSHOT_RETENTION_DAYS = 3650;
    /** The widest range initCidrs accepts: the operator's host or bastion, not a network. */
    public static final int INIT_CIDR_MIN_PREFIX = 24;

    /** Every context key this app reads. */
    public static final List<String> KEYS = List.of(CLUSTER_NAME, STACK_NAME, VPC_ID, PRIVATE_SUBNET_IDS, VPC_CIDR,
            AVAILABILITY_ZONES, NAT_GATEWAYS, CLIENT_CIDRS, INSTANCE_TYPE, AMI_ID, AMI_SSM_PARAMETER,
            ROOT_VOLUME_DEVICE, ROOT_VOLUME_GIB, NODES_PER_AZ, VAULT_VERSION, TLS_SECRET, TLS_SECRET_KMS_KEY_ARN,
            TLS_SERVER_NAME, IAM_SERVER_ID, CA_CERTIFICATE_FILE, CA_CERTIFICATE_PEM, ALARM_EMAIL, ALARM_TOPIC_ARN,
            ENTERPRISE, METRICS_NAMESPACE, LAUNCH_MAX_WAIT_SECONDS, ELB_HEALTH_CHECKS,
            HEALTH_CHECK_GRACE_PERIOD_SECONDS, STALE_GRACE_SECONDS, RECONCILE_MODE, REBALANCE_ACTION, LOG_RETENTION_DAYS,
            FUNCTIONS_JAR, DECOMMISSION, SYSTEM, CONSUL_VERSION, DATACENTER, GOSSIP_KEY_SECRET,
            GOSSIP_KEY_SECRET_KMS_KEY_ARN, KEY_ADMINS, BREAK_GLASS_PRINCIPALS, INIT_CIDRS,
            CLOUDFORMATION_ROLE_ARN, SNAPSHOT_INTERVAL_MINUTES, SNAPSHOT_RETENTION_DAYS, ADOPT, SHADOW, VAULT_AUTH_MOUNT,
            SERVER_SECURITY_GROUP_ID, API_PORT);

    /**
     * Keys that describe what only the whole-cluster stack builds (servers, their network, secrets, load balancer):
     * set with {@code adopt}, they fail the synth.
     */
    public static final List<String> NEW_CLUSTER_ONLY_KEYS = List.of(AVAILABILITY_ZONES, NAT_GATEWAYS, CLIENT_CIDRS,
            INSTANCE_TYPE, AMI_ID, AMI_SSM_PARAMETER, ROOT_VOLUME_DEVICE, ROOT_VOLUME_GIB, NODES_PER_AZ, TLS_SECRET,
            TLS_SECRET_KMS_KEY_ARN, ELB_HEALTH_CHECKS, HEALTH_CHECK_GRACE_PERIOD_SECONDS, INIT_CIDRS, GOSSIP_KEY_SECRET,
            GOSSIP_KEY_SECRET_KMS_KEY_ARN);
    /** Keys that only the automation-only stack reads: set without {@code adopt}, they fail the synth. */
    public static final List<String> ADOPT_ONLY_KEYS = List.of(SERVER_SECURITY_GROUP_ID, API_PORT);
    /** The most groups an adopted cluster may have (a voter per group and zone is the usual shape; 1 group is common). */
    public static final int MAX_ADOPTED_GROUPS = 10;
    /** The most subnets the Lambdas of an adopted cluster may run in (Lambda's limit). */
    public static final int MAX_LAMBDA_SUBNETS = 16;
    /** The automation-only stack's default name: {@code RaftLifecycleAdopt-<clusterName>}. */
    public static final String ADOPT_STACK_PREFIX = "RaftLifecycleAdopt-";

    /**
     * Keys that describe a Vault cluster only: set with {@code system=consul}, they fail the synth. (Consul has no
     * Enterprise mode here, and its first-initialization window is closed by the stack's initial management token.)
     */
    public static final List<String> VAULT_ONLY_KEYS = List.of(ENTERPRISE, VAULT_VERSION, INIT_CIDRS);
    /** Keys that describe a Consul cluster only: set with {@code system=vault}, they fail the synth. */
    public static final List<String> CONSUL_ONLY_KEYS = List.of(CONSUL_VERSION, DATACENTER, GOSSIP_KEY_SECRET,
            GOSSIP_KEY_SECRET_KMS_KEY_ARN);

    /** Three groups, one per availability zone. */
    public static final int ZONES = 3;
    /** The launching Lambda's timeout: Lambda's maximum. */
    public static final int LAUNCHING_TIMEOUT_SECONDS = 900;
    /** Settings.SAFETY_MARGIN_SECONDS as the CDK sets it: time kept to complete the action before the timeout. */
    public static final int SAFETY_MARGIN_SECONDS = Defaults.SAFETY_MARGIN_SECONDS;
    /**
     * Lambda allows 4 KB for all environment variables together; the CA PEM is by far the largest, so it gets a
     * budget that leaves room for the others.
     */
    public static final int MAX_CA_PEM_CHARS = 3000;

    public static final String DEFAULT_CLUSTER_NAME = "vault";
    public static final String DEFAULT_VPC_CIDR = "10.64.0.0/16";
    public static final String DEFAULT_INSTANCE_TYPE = "m6i.large";
    public static final String DEFAULT_AMI_SSM_PARAMETER = "/raft-lifecycle/ami/latest";
    /** The Vault release the AMI pins (ami/versions.auto.pkrvars.hcl); a test keeps the two equal. */
    public static final String DEFAULT_VAULT_VERSION = "1.21.4";
    public static final String DEFAULT_CONSUL_CLUSTER_NAME = "consul";
    /** The Consul release the AMI pins for system=consul (ami/versions.auto.pkrvars.hcl); a test keeps them equal. */
    public static final String DEFAULT_CONSUL_VERSION = "1.16.3";

    private static final Pattern CLUSTER = Pattern.compile("[a-z][a-z0-9-]{0,26}[a-z0-9]");
    private static final Pattern STACK = Pattern.compile("[A-Za-z][A-Za-z0-9-]{0,127}");
    private static final Pattern VPC = Pattern.compile("vpc-[0-9a-f]{8,17}");
    private static final Pattern SUBNET = Pattern.compile("subnet-[0-9a-f]{8,17}");
    private static final Pattern AMI = Pattern.compile("ami-[0-9a-f]{8,17}");
    private static final Pattern CIDR = Pattern.compile(
            "((25[0-5]|2[0-4]\\d|1?\\d?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1?\\d?\\d)/(3[0-2]|[12]?\\d)");
    private static final Pattern AZ = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d[a-z](-[a-z0-9]+)?");
    private static final Pattern INSTANCE = Pattern.compile("[a-z][a-z0-9-]*\\.[a-z0-9]+");
    private static final Pattern SSM_NAME = Pattern.compile("/?[A-Za-z0-9_.\\-/]{1,1000}");
    private static final Pattern DEVICE = Pattern.compile("/dev/[a-z0-9]+");
    private static final Pattern VERSION = Pattern.compile("v?\\d+\\.\\d+\\.\\d+([+-][A-Za-z0-9.+-]+)?");
    private static final Pattern SECRET_NAME = Pattern.compile("[A-Za-z0-9/_+=.@-]{1,512}");
    private static final Pattern ARN = Pattern.compile("arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\\d{12}:.+");
    private static final Pattern DNS_NAME = Pattern.compile(
            "(?i)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*");
    private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[^@\\s]+");
    private static final Pattern NAMESPACE = Pattern.compile("[A-Za-z0-9._/#:-]{1,255}");
    private static final Pattern SERVER_ID = Pattern.compile("[\\x21-\\x7E]{1,255}");
    private static final Pattern SECURITY_GROUP = Pattern.compile("sg-[0-9a-f]{8,17}");
    /** An Auto Scaling group name as the handlers accept it (Settings: printable ASCII, no colon). */
    private static final Pattern GROUP_NAME = Pattern.compile("[\\x20-\\x7E&&[^:,]]{1,255}");
    /** A Vault auth mount path (Settings accepts the same). */
    private static final Pattern AUTH_MOUNT = Pattern.compile("[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*");
    /**
     * An IAM role or user ARN: what aws:PrincipalArn carries for a request (for an assumed-role session, the role's
     * ARN, path included). Not the account root (that would be any IAM administrator) nor a session ARN.
     */
    static final Pattern IAM_PRINCIPAL = Pattern.compile(
            "arn:aws[a-z-]*:iam::\\d{12}:(role|user)/([\\w+=,.@-]+/)*[\\w+=,.@-]{1,128}");

    /**
     * Auto Scaling group names: {@code <clusterName>-servers-1..3}, one per availability zone; for an adopted cluster,
     * its existing groups ({@code adopt}).
     */
    public List<String> groupNames() {
        if (adoption.isPresent()) {
            return adoption.get().groupNames();
        }
        return IntStream.rangeClosed(1, ZONES).mapToObj(i -> clusterName + "-servers-" + i).toList();
    }

    /** Whether this is the automation-only stack of an adopted cluster ({@code adopt}). */
    public boolean adopted() {
        return adoption.isPresent();
    }

    /** The servers' API port the handlers reach: Vault 8200, Consul 8501, or an adopted cluster's {@code apiPort}. */
    public int apiPort() {
        return adoption.map(Adoption::apiPort).orElse(defaultApiPort(system));
    }

    private static int defaultApiPort(ClusterSystem system) {
        return system == ClusterSystem.CONSUL ? dev.raftlifecycle.contract.ConsulPorts.HTTPS
                : dev.raftlifecycle.contract.VaultPorts.API;
    }

    /**
     * The server version the handlers expect (EXPECTED_VAULT_VERSION), if any: always for a cluster the stack builds
     * (the AMI's pin), for an adopted one only when {@code vaultVersion}/{@code consulVersion} was given.
     */
    public Optional<String> expectedServerVersion() {
        return adoption.isPresent() && !adoption.get().serverVersionGiven() ? Optional.empty()
                : Optional.of(serverVersion());
    }

    /** Servers when every group is at its desired capacity. */
    public int totalServers() {
        return ZONES * nodesPerAz;
    }

    /**
     * Voters when the cluster is settled: with Enterprise redundancy zones autopilot keeps one voter per zone and
     * the others as non-voters; without them every server votes.
     */
    public int voters() {
        return enterprise ? ZONES : totalServers();
    }

    /**
     * Reads and validates the configuration.
     *
     * @param context the CDK context (node.tryGetContext); values may be strings (from -c) or JSON values (cdk.json)
     * @param baseDir where relative paths (caCertificateFile, functionsJar) are resolved: the directory cdk runs in
     * @throws InvalidConfigurationException naming every invalid or missing context key
     */
    public static ClusterConfig fromContext(Function<String, Object> context, Path baseDir) {
        Reader r = new Reader(context);
        String systemName = r.string(SYSTEM).orElse(ClusterSystem.VAULT.value());
        ClusterSystem system = ClusterSystem.of(systemName).orElseGet(() -> {
            r.problem(SYSTEM, "must be '" + ClusterSystem.VAULT.value() + "' or '" + ClusterSystem.CONSUL.value()
                    + "', not '" + systemName + "'");
            return ClusterSystem.VAULT;
        });
        boolean consul = system == ClusterSystem.CONSUL;
        for (String key : consul ? VAULT_ONLY_KEYS : CONSUL_ONLY_KEYS) {
            if (r.string(key).isPresent()) {
                r.problem(key, "applies only to " + SYSTEM + "=" + (consul ? ClusterSystem.VAULT : ClusterSystem.CONSUL)
                        .value() + "; this stack is " + SYSTEM + "=" + system.value() + " (remove the key)");
            }
        }
        List<String> adoptedGroups = r.list(ADOPT);
        boolean adopt = !adoptedGroups.isEmpty();
        if (adopt) {
            adoptedGroups.forEach(g -> r.check(ADOPT, g, GROUP_NAME, "an Auto Scaling group name (printable, no ':' or ',')"));
            // The names go into the handlers' IAM resources (the groups' ARNs), where '*' and '?' are wildcards and
            // '${...}' a policy variable: CompleteLifecycleAction would reach other groups than the ones named.
            adoptedGroups.stream().filter(g -> g.contains("*") || g.contains("?") || g.contains("${")).forEach(g ->
                    r.problem(ADOPT, "'" + g + "' contains '*', '?' or '${', which IAM reads as a wildcard or policy "
                            + "variable in the handlers' group ARNs: name each group exactly (no patterns)"));
            if (adoptedGroups.size() == 1 && List.of("true", "false", "yes", "no").contains(
                    adoptedGroups.get(0).toLowerCase(Locale.ROOT))) {
                r.problem(ADOPT, "names the existing Auto Scaling groups (comma-separated), not '" + adoptedGroups.get(0)
                        + "'");
            }
            if (adoptedGroups.size() > MAX_ADOPTED_GROUPS) {
                r.problem(ADOPT, "names " + adoptedGroups.size() + " groups; at most " + MAX_ADOPTED_GROUPS);
            }
            for (String key : NEW_CLUSTER_ONLY_KEYS) {
                if (r.string(key).isPresent()) {
                    r.problem(key, "describes what only a new cluster's stack builds; an adopted cluster's stack ("
                            + ADOPT + ") creates no servers, network or secrets (remove the key)");
                }
            }
            for (String key : List.of(CLUSTER_NAME, TLS_SERVER_NAME, VPC_ID, PRIVATE_SUBNET_IDS, SERVER_SECURITY_GROUP_ID)) {
                if (r.string(key).isEmpty()) {
                    r.problem(key, "is required with " + ADOPT + ": " + switch (key) {
                        case CLUSTER_NAME -> "the cluster's name (metric dimension, alarm and lock prefix; no default "
                                + "for a cluster built elsewhere)";
                        case TLS_SERVER_NAME -> "the DNS name in the servers' certificate, which the handlers verify "
                                + "(they connect to node addresses)";
                        case VPC_ID -> "the servers' VPC, where the Lambdas run";
                        case PRIVATE_SUBNET_IDS -> "the private subnets the Lambdas run in (egress to the servers and "
                                + "to AWS APIs through NAT or endpoints)";
                        default -> "the servers' security group (sg-...); the Lambdas' group may reach it on the API port";
                    });
                }
            }
            if (r.string(CA_CERTIFICATE_FILE).isEmpty() && r.string(CA_CERTIFICATE_PEM).isEmpty()) {
                r.problem(CA_CERTIFICATE_FILE, "(or " + CA_CERTIFICATE_PEM + ") is required with " + ADOPT
                        + ": the PEM of the CA that signed the servers' certificates (TLS is always verified)");
            }
        } else if (r.string(ADOPT).isEmpty() && context.apply(ADOPT) != null) {
            r.problem(ADOPT, "names no group: give the existing Auto Scaling groups' names, comma-separated");
        } else {
            for (String key : ADOPT_ONLY_KEYS) {
                if (r.string(key).isPresent()) {
                    r.problem(key, "applies only to an adopted cluster (" + ADOPT + "=<group names>); this stack builds "
                            + "its own servers (remove the key)");
                }
            }
        }
        String cluster = r.string(CLUSTER_NAME).orElse(consul ? DEFAULT_CONSUL_CLUSTER_NAME : DEFAULT_CLUSTER_NAME);
        r.check(CLUSTER_NAME, cluster, CLUSTER, "lowercase letters, digits and '-', 2-28 characters, starting with a letter");
        String stack = r.string(STACK_NAME).orElse((adopt ? ADOPT_STACK_PREFIX : "RaftLifecycle-") + cluster);
        r.check(STACK_NAME, stack, STACK, "a CloudFormation stack name");

        Optional<String> vpcId = r.string(VPC_ID);
        vpcId.ifPresent(v -> r.check(VPC_ID, v, VPC, "a VPC id (vpc-...)"));
        List<String> zones = r.list(AVAILABILITY_ZONES);
        zones.forEach(z -> r.check(AVAILABILITY_ZONES, z, AZ, "an availability zone name such as eu-west-1a"));
        if (!zones.isEmpty() && zones.size() != ZONES) {
            r.problem(AVAILABILITY_ZONES, "needs exactly " + ZONES + " distinct zones, got " + zones.size());
        }
        List<String> subnets = r.list(PRIVATE_SUBNET_IDS);
        subnets.forEach(s -> r.check(PRIVATE_SUBNET_IDS, s, SUBNET, "a subnet id (subnet-...)"));
        Optional<String> cidr = r.string(VPC_CIDR);
        Optional<ExistingVpc> existing = Optional.empty();
        if (adopt) {
            if (subnets.size() > MAX_LAMBDA_SUBNETS) {
                r.problem(PRIVATE_SUBNET_IDS, "with " + ADOPT + " gives the Lambdas' subnets: at most "
                        + MAX_LAMBDA_SUBNETS);
            }
            existing = vpcId.map(v -> new ExistingVpc(v, subnets));
        } else if (vpcId.isPresent()) {
            if (subnets.size() != ZONES) {
                r.problem(PRIVATE_SUBNET_IDS, "with " + VPC_ID + " give exactly " + ZONES
                        + " private subnet ids, one per availability zone, in the order of " + AVAILABILITY_ZONES);
            }
            if (zones.isEmpty()) {
                r.problem(AVAILABILITY_ZONES, "is required with " + VPC_ID
                        + " (the zones of " + PRIVATE_SUBNET_IDS + ", in the same order; no lookups are made)");
            }
            if (cidr.isEmpty()) {
                r.problem(VPC_CIDR, "is required with " + VPC_ID + " (the VPC's CIDR block; no lookups are made)");
            }
            existing = Optional.of(new ExistingVpc(vpcId.get(), subnets));
        } else if (!subnets.isEmpty()) {
            r.problem(PRIVATE_SUBNET_IDS, "only applies to an existing VPC: set " + VPC_ID + " too");
        }
        String vpcCidr = cidr.orElse(DEFAULT_VPC_CIDR);
        r.check(VPC_CIDR, vpcCidr, CIDR, "an IPv4 CIDR block");
        int nat = r.integer(NAT_GATEWAYS, 3, 1, 3);
        List<String> clients = r.list(CLIENT_CIDRS);
        clients.forEach(c -> r.check(CLIENT_CIDRS, c, CIDR, "an IPv4 CIDR block"));
        if (clients.contains("0.0.0.0/0")) {
            r.problem(CLIENT_CIDRS, "must not contain 0.0.0.0/0: Vault's API is reachable only from known networks");
        }

        String instanceType = r.string(INSTANCE_TYPE).orElse(DEFAULT_INSTANCE_TYPE);
        r.check(INSTANCE_TYPE, instanceType, INSTANCE, "an EC2 instance type such as m6i.large");
        Optional<String> ami = r.string(AMI_ID);
        ami.ifPresent(a -> r.check(AMI_ID, a, AMI, "an AMI id (ami-...)"));
        Optional<String> amiParameter = r.string(AMI_SSM_PARAMETER);
        if (ami.isPresent() && amiParameter.isPresent()) {
            r.problem(AMI_ID, "set either " + AMI_ID + " or " + AMI_SSM_PARAMETER + ", not both");
        }
        String ssm = amiParameter.orElse(DEFAULT_AMI_SSM_PARAMETER);
        r.check(AMI_SSM_PARAMETER, ssm, SSM_NAME, "an SSM parameter name");
        String device = r.string(ROOT_VOLUME_DEVICE).orElse("/dev/xvda");
        r.check(ROOT_VOLUME_DEVICE, device, DEVICE, "a device name such as /dev/xvda");
        int rootGiB = r.integer(ROOT_VOLUME_GIB, 50, 8, 16384);
        int perAz = r.integer(NODES_PER_AZ, 1, 1, 5);
        String vaultVersion = r.string(VAULT_VERSION).orElse(DEFAULT_VAULT_VERSION);
        r.check(VAULT_VERSION, vaultVersion, VERSION, "a Vault version such as 1.21.4");

        String tlsSecret = r.string(TLS_SECRET).orElse("raft-lifecycle/" + cluster + "/tls");
        if (!ARN.matcher(tlsSecret).matches()) {
            r.check(TLS_SECRET, tlsSecret, SECRET_NAME, "a Secrets Manager secret name or ARN");
        } else if (!tlsSecret.contains(":secretsmanager:")) {
            r.problem(TLS_SECRET, "is not a Secrets Manager ARN: " + tlsSecret);
        }
        Optional<String> tlsKey = r.string(TLS_SECRET_KMS_KEY_ARN);
        tlsKey.ifPresent(k -> {
            if (!ARN.matcher(k).matches() || !k.contains(":kms:") || !k.contains(":key/")) {
                r.problem(TLS_SECRET_KMS_KEY_ARN, "must be a KMS key ARN (arn:aws:kms:...:key/...), not " + k);
            }
        });
        String datacenter = r.string(DATACENTER).orElse(cluster);
        r.check(DATACENTER, datacenter, CLUSTER, "a Consul datacenter name: lowercase letters, digits and '-', "
                + "2-28 characters, starting with a letter");
        // Consul's verify_server_hostname makes every server certificate name server.<datacenter>.<domain>.
        String serverName = r.string(TLS_SERVER_NAME)
                .orElse(consul ? consulServerName(datacenter) : "vault." + cluster + ".internal");
        r.check(TLS_SERVER_NAME, serverName, DNS_NAME, "a DNS name in the server certificate");
        // The servers the stack builds verify each other by that name; an adopted cluster's certificates are its own.
        if (consul && !adopt && !serverName.equals(consulServerName(datacenter))) {
            r.problem(TLS_SERVER_NAME, "with " + SYSTEM + "=consul must be " + consulServerName(datacenter)
                    + ": the servers verify each other's certificates by that name (verify_server_hostname), "
                    + "so the handlers verify the same one");
        }
        String serverId = r.string(IAM_SERVER_ID).orElse(serverName);
        r.check(IAM_SERVER_ID, serverId, SERVER_ID, "printable characters without spaces");
        Optional<String> caPem = r.caPem(baseDir);

        Optional<String> email = r.string(ALARM_EMAIL);
        email.ifPresent(e -> r.check(ALARM_EMAIL, e, EMAIL, "an email address"));
        Optional<String> topic = r.string(ALARM_TOPIC_ARN);
        topic.ifPresent(t -> {
            if (!ARN.matcher(t).matches() || !t.contains(":sns:")) {
                r.problem(ALARM_TOPIC_ARN, "must be an SNS topic ARN, not " + t);
            }
        });
        if (email.isPresent() && topic.isPresent()) {
            r.problem(ALARM_EMAIL, "set either " + ALARM_EMAIL + " (a new topic is created) or " + ALARM_TOPIC_ARN
                    + " (your topic is used as is), not both");
        }

        boolean enterprise = r.bool(ENTERPRISE, false);

        String namespace = r.string(METRICS_NAMESPACE)
                .orElse(consul ? MetricName.CONSUL_NAMESPACE : MetricName.DEFAULT_NAMESPACE);
        r.check(METRICS_NAMESPACE, namespace, NAMESPACE, "a CloudWatch namespace");
        if (namespace.startsWith("AWS/")) {
            r.problem(METRICS_NAMESPACE, "must not start with AWS/ (reserved for AWS services)");
        }
        int launchWait = r.integer(LAUNCH_MAX_WAIT_SECONDS, Defaults.LAUNCH_MAX_WAIT_SECONDS, 60,
                LAUNCHING_TIMEOUT_SECONDS - SAFETY_MARGIN_SECONDS - 1);
        boolean elb = r.bool(ELB_HEALTH_CHECKS, false);
        int grace = r.integer(HEALTH_CHECK_GRACE_PERIOD_SECONDS, 300, 0, 7200);
        int staleGrace = r.integer(STALE_GRACE_SECONDS, Defaults.STALE_GRACE_SECONDS, 0, 86_400);
        String reconcile = r.string(RECONCILE_MODE).orElse(Defaults.RECONCILE_MODE);
        if (!reconcile.equals("remove") && !reconcile.equals("report")) {
            r.problem(RECONCILE_MODE, "must be 'remove' or 'report', not '" + reconcile + "'");
        }
        String rebalance = r.string(REBALANCE_ACTION).orElse(Defaults.REBALANCE_ACTION);
        if (!rebalance.equals(Defaults.REBALANCE_ACTION) && !rebalance.equals(Defaults.REBALANCE_AS_INTERRUPTION)) {
            r.problem(REBALANCE_ACTION, "must be '" + Defaults.REBALANCE_ACTION + "' or '"
                    + Defaults.REBALANCE_AS_INTERRUPTION + "', not '" + rebalance + "'");
        }
        int retention = r.integer(LOG_RETENTION_DAYS, 30, 1, 3653);
        if (!LogRetention.isSupported(retention)) {
            r.problem(LOG_RETENTION_DAYS, "must be one of the CloudWatch Logs retention periods "
                    + LogRetention.SUPPORTED_DAYS + ", not " + retention);
        }
        Path jar = baseDir.resolve(r.string(FUNCTIONS_JAR).orElse("../functions/target/raft-lifecycle-functions.jar"))
                .normalize();

        boolean decommission = r.bool(DECOMMISSION, false);

        String consulVersion = r.string(CONSUL_VERSION).orElse(DEFAULT_CONSUL_VERSION);
        r.check(CONSUL_VERSION, consulVersion, VERSION, "a Consul version such as 1.16.3");
        String gossipSecret = r.string(GOSSIP_KEY_SECRET).orElse("raft-lifecycle/" + cluster + "/gossip");
        if (!ARN.matcher(gossipSecret).matches()) {
            r.check(GOSSIP_KEY_SECRET, gossipSecret, SECRET_NAME, "a Secrets Manager secret name or ARN");
        } else if (!gossipSecret.contains(":secretsmanager:")) {
            r.problem(GOSSIP_KEY_SECRET, "is not a Secrets Manager ARN: " + gossipSecret);
        }
        if (looksLikeGossipKey(gossipSecret)) {
            // The key itself would end up in the template and the user data, readable by anyone who can read the stack.
            r.problem(GOSSIP_KEY_SECRET, "looks like a gossip key itself (base64 of 16, 24 or 32 bytes): give the "
                    + "name or ARN of the Secrets Manager secret that holds it, never the key");
        }
        if (gossipSecret.equals(tlsSecret)) {
            r.problem(GOSSIP_KEY_SECRET, "must be a secret of its own, not " + TLS_SECRET
                    + " (each is read, rotated and granted on its own)");
        }
        Optional<String> gossipKey = r.string(GOSSIP_KEY_SECRET_KMS_KEY_ARN);
        gossipKey.ifPresent(k -> {
            if (!ARN.matcher(k).matches() || !k.contains(":kms:") || !k.contains(":key/")) {
                r.problem(GOSSIP_KEY_SECRET_KMS_KEY_ARN, "must be a KMS key ARN (arn:aws:kms:...:key/...), not " + k);
            }
        });

        List<String> keyAdmins = r.principals(KEY_ADMINS);
        List<String> breakGlass = r.principals(BREAK_GLASS_PRINCIPALS);
        List<String> initCidrs = r.list(INIT_CIDRS);
        List<String> cfnRole = r.principals(CLOUDFORMATION_ROLE_ARN);
        if (cfnRole.size() > 1 || cfnRole.stream().anyMatch(a -> !a.contains(":role/"))) {
            r.problem(CLOUDFORMATION_ROLE_ARN, "must be one IAM role ARN (the role CloudFormation deploys the stack as)");
        }
        for (String c : initCidrs) {
            r.check(INIT_CIDRS, c, CIDR, "an IPv4 CIDR block");
            if (CIDR.matcher(c).matches() && Integer.parseInt(c.substring(c.indexOf('/') + 1)) < INIT_CIDR_MIN_PREFIX) {
                r.problem(INIT_CIDRS, "'" + c + "' is wider than /" + INIT_CIDR_MIN_PREFIX + ": give the host(s) you "
                        + "initialize from (e.g. your bastion's /32), not a network");
            }
        }

        int snapshotInterval = r.integer(SNAPSHOT_INTERVAL_MINUTES, Defaults.SNAPSHOT_INTERVAL_MINUTES, 0,
                MAX_SNAPSHOT_INTERVAL_MINUTES);
        int snapshotRetention = r.integer(SNAPSHOT_RETENTION_DAYS, Defaults.SNAPSHOT_RETENTION_DAYS, 1,
                MAX_SNAPSHOT_RETENTION_DAYS);
        // The newest snapshot must outlive the next one: retention shorter than two intervals would let the lifecycle
        // rule expire it before a late snapshot replaces it, and leave nothing to restore.
        if (snapshotInterval > 0 && (long) snapshotRetention * 24 * 60 < 2L * snapshotInterval) {
            r.problem(SNAPSHOT_RETENTION_DAYS, snapshotRetention + " day(s) keep a snapshot for less than two "
                    + SNAPSHOT_INTERVAL_MINUTES + " (" + snapshotInterval + " minutes each): the newest snapshot could "
                    + "expire before the next is taken; keep snapshots at least " + (2 * snapshotInterval + 1439) / 1440
                    + " day(s)");
        }

        boolean shadow = r.bool(SHADOW, false);
        if (adopt && r.string(SHADOW).isEmpty()) {
            // Active from the first deploy, the launching handler would ABANDON every launch it cannot verify (the
            // servers' security group does not admit the Lambdas yet, Vault has no role for them): the groups would
            // replace every new server. Which mode an adoption starts in is said, never assumed.
            r.problem(SHADOW, "is required with " + ADOPT + ": true for the first deploy (the handlers decide and log, "
                    + "and change nothing, while you admit the Lambdas and configure the cluster's side); false only "
                    + "once the shadow decisions were watched and the outputs' commands were run");
        }
        Optional<String> authMount = r.string(VAULT_AUTH_MOUNT);
        if (consul && authMount.isPresent()) {
            r.problem(VAULT_AUTH_MOUNT, "applies only to " + SYSTEM + "=vault (Consul's aws-iam auth method is "
                    + dev.raftlifecycle.contract.ConsulAccess.AUTH_METHOD + "; remove the key)");
        }
        authMount.ifPresent(m -> r.check(VAULT_AUTH_MOUNT, m, AUTH_MOUNT, "a Vault auth mount path such as aws"));
        Optional<Adoption> adoption = Optional.empty();
        if (adopt) {
            String serverGroup = r.string(SERVER_SECURITY_GROUP_ID).orElse("");
            if (!serverGroup.isEmpty()) {
                r.check(SERVER_SECURITY_GROUP_ID, serverGroup, SECURITY_GROUP, "a security group id (sg-...)");
            }
            int apiPort = r.integer(API_PORT, defaultApiPort(system), 1, 65535);
            boolean versionGiven = r.string(consul ? CONSUL_VERSION : VAULT_VERSION).isPresent();
            adoption = Optional.of(new Adoption(adoptedGroups, serverGroup, apiPort, versionGiven));
        }

        r.failIfProblems();
        return new ClusterConfig(cluster, stack, existing, vpcCidr, zones, nat, clients, instanceType, ami, ssm, device,
                rootGiB, perAz, vaultVersion.startsWith("v") ? vaultVersion.substring(1) : vaultVersion, tlsSecret,
                tlsKey, serverName, serverId, caPem, email, topic, enterprise, namespace, launchWait, elb,
                grace, staleGrace, reconcile, rebalance, retention, jar, decommission, system,
                consulVersion.startsWith("v") ? consulVersion.substring(1) : consulVersion, datacenter, gossipSecret,
                gossipKey, keyAdmins, breakGlass, initCidrs, cfnRole.stream().findFirst(), snapshotInterval,
                snapshotRetention, shadow, authMount.orElse(adopt ? ADOPTED_VAULT_AUTH_MOUNT
                        : dev.raftlifecycle.contract.VaultAccess.AUTH_MOUNT),
                adoption);
    }

    /** Whether the value is shaped like a Consul gossip key (base64 of an AES-128/192/256 key), not a secret name. */
    static boolean looksLikeGossipKey(String value) {
        if (!value.matches("[A-Za-z0-9+/]{22,43}={0,2}") || value.length() % 4 != 0) {
            return false;
        }
        try {
            int bytes = java.util.Base64.getDecoder().decode(value).length;
            return bytes == 16 || bytes == 24 || bytes == 32;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The name Consul's verify_server_hostname requires in every server certificate (default domain "consul"). */
    public static String consulServerName(String datacenter) {
        return "server." + datacenter + ".consul";
    }

    /** Whether snapshots are taken on a schedule (snapshotIntervalMinutes above 0). */
    public boolean scheduledSnapshots() {
        return snapshotIntervalMinutes > 0;
    }

    /** Whether the stack is deployed for the first initialization (initCidrs set): the API admits only initCidrs. */
    public boolean initWindow() {
        return !initCidrs.isEmpty();
    }

    /**
     * The ranges the API (servers and load balancer) admits from outside the stack: initCidrs while the first
     * initialization is pending, otherwise clientCidrs (default: the VPC's CIDR).
     */
    public List<String> apiCidrs() {
        if (initWindow()) {
            return initCidrs;
        }
        return clientCidrs.isEmpty() ? List.of(vpcCidr) : clientCidrs;
    }

    public boolean consul() {
        return system == ClusterSystem.CONSUL;
    }

    /** The server version the handlers expect (EXPECTED_VAULT_VERSION): Vault's or Consul's, as the system is. */
    public String serverVersion() {
        return consul() ? consulVersion : vaultVersion;
    }

    /** Collects every problem instead of stopping at the first, so one run reports them all. */
    private static final class Reader {
        private final Function<String, Object> context;
        private final List<String> problems = new ArrayList<>();

        Reader(Function<String, Object> context) {
            this.context = context;
        }

        void problem(String key, String message) {
            problems.add(key + ": " + message);
        }

        void check(String key, String value, Pattern pattern, String what) {
            if (!pattern.matcher(value).matches()) {
                problem(key, "'" + value + "' is not " + what);
            }
        }

        Optional<String> string(String key) {
            Object value = context.apply(key);
            if (value == null) {
                return Optional.empty();
            }
            String text = (value instanceof List<?> list)
                    ? String.join(",", list.stream().map(String::valueOf).toList())
                    : String.valueOf(value);
            return text.isBlank() ? Optional.empty() : Optional.of(text.trim());
        }

        List<String> list(String key) {
            Object value = context.apply(key);
            if (value == null) {
                return List.of();
            }
            List<String> parts = value instanceof List<?> list
                    ? list.stream().map(String::valueOf).toList()
                    : List.of(String.valueOf(value).split(","));
            LinkedHashSet<String> items = new LinkedHashSet<>();
            for (String part : parts) {
                if (!part.isBlank() && !items.add(part.trim())) {
                    problem(key, "lists '" + part.trim() + "' twice");
                }
            }
            return List.copyOf(items);
        }

        /** A comma-separated list of IAM role or user ARNs, each checked. */
        List<String> principals(String key) {
            List<String> arns = list(key);
            for (String arn : arns) {
                if (arn.endsWith(":root")) {
                    problem(key, "'" + arn + "' is the account root, which stands for every IAM principal the "
                            + "account's policies allow: name the roles or users themselves");
                } else if (arn.contains(":assumed-role/")) {
                    problem(key, "'" + arn + "' is a session ARN: give the role's ARN (arn:aws:iam::<account>:role/<name>)");
                } else if (!IAM_PRINCIPAL.matcher(arn).matches()) {
                    problem(key, "'" + arn + "' is not an IAM role or user ARN (arn:aws:iam::<account>:role/<name>)");
                }
            }
            return arns;
        }

        int integer(String key, int fallback, int min, int max) {
            Optional<String> value = string(key);
            if (value.isEmpty()) {
                return fallback;
            }
            try {
                double parsed = Double.parseDouble(value.get());
                if (parsed != Math.rint(parsed) || parsed < min || parsed > max) {
                    problem(key, "must be a whole number from " + min + " to " + max + ", not " + value.get());
                    return fallback;
                }
                return (int) parsed;
            } catch (NumberFormatException e) {
                problem(key, "must be a whole number, not '" + value.get() + "'");
                return fallback;
            }
        }

        boolean bool(String key, boolean fallback) {
            Optional<String> value = string(key);
            if (value.isEmpty()) {
                return fallback;
            }
            return switch (value.get().toLowerCase(Locale.ROOT)) {
                case "true", "yes", "1" -> true;
                case "false", "no", "0" -> false;
                default -> {
                    problem(key, "must be true or false, not '" + value.get() + "'");
                    yield fallback;
                }
            };
        }

        Optional<String> caPem(Path baseDir) {
            Optional<String> file = string(CA_CERTIFICATE_FILE);
            Optional<String> inline = string(CA_CERTIFICATE_PEM);
            if (file.isPresent() && inline.isPresent()) {
                problem(CA_CERTIFICATE_FILE, "set either " + CA_CERTIFICATE_FILE + " or " + CA_CERTIFICATE_PEM
                        + ", not both");
                return Optional.empty();
            }
            String key;
            String pem;
            if (file.isPresent()) {
                key = CA_CERTIFICATE_FILE;
                Path path = baseDir.resolve(file.get()).normalize();
                try {
                    pem = Files.readString(path, StandardCharsets.US_ASCII);
                } catch (IOException | RuntimeException e) {
                    problem(CA_CERTIFICATE_FILE, "cannot read " + path + ": " + e.getMessage());
                    return Optional.empty();
                }
            } else if (inline.isPresent()) {
                key = CA_CERTIFICATE_PEM;
                pem = inline.get().replace("\\n", "\n");
            } else {
                return Optional.empty();
            }
            pem = pem.strip().replace("\r\n", "\n") + "\n";
            if (!pem.contains("-----BEGIN CERTIFICATE-----") || !pem.contains("-----END CERTIFICATE-----")) {
                problem(key, "holds no PEM certificate (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----)");
            }
            if (pem.contains("PRIVATE KEY")) {
                problem(key, "contains a private key: give only the CA certificate (it is public; keys never go here)");
            }
            if (LambdaEnvironment.escape(pem).length() > MAX_CA_PEM_CHARS) {
                problem(key, "is longer than " + MAX_CA_PEM_CHARS + " characters: Lambda allows 4 KB for all "
                        + "environment variables; give only the CA certificate(s) that signed the Vault servers' certificate");
            }
            return Optional.of(pem);
        }

        void failIfProblems() {
            if (!problems.isEmpty()) {
                throw new InvalidConfigurationException(problems);
            }
        }
    }
}
