package dev.raftlifecycle.infra;

import dev.raftlifecycle.contract.ClusterTags;
import dev.raftlifecycle.contract.ConsulAccess;
import dev.raftlifecycle.contract.ConsulPorts;
import dev.raftlifecycle.contract.LifecycleEvents;
import dev.raftlifecycle.contract.VaultPorts;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.TagProps;
import software.amazon.awscdk.Tags;
import software.amazon.awscdk.services.autoscaling.AutoScalingGroup;
import software.amazon.awscdk.services.autoscaling.CfnAutoScalingGroup;
import software.amazon.awscdk.services.autoscaling.Ec2HealthChecksOptions;
import software.amazon.awscdk.services.autoscaling.GroupMetrics;
import software.amazon.awscdk.services.autoscaling.HealthChecks;
import software.amazon.awscdk.services.autoscaling.InstanceLifecyclePolicy;
import software.amazon.awscdk.services.autoscaling.RetentionTriggers;
import software.amazon.awscdk.services.autoscaling.TerminateHookAbandonAction;
import software.amazon.awscdk.services.ec2.BlockDevice;
import software.amazon.awscdk.services.ec2.BlockDeviceVolume;
import software.amazon.awscdk.services.ec2.EbsDeviceOptions;
import software.amazon.awscdk.services.ec2.EbsDeviceVolumeType;
import software.amazon.awscdk.services.ec2.IMachineImage;
import software.amazon.awscdk.services.ec2.InstanceType;
import software.amazon.awscdk.services.ec2.LaunchTemplate;
import software.amazon.awscdk.services.ec2.LaunchTemplateHttpTokens;
import software.amazon.awscdk.services.ec2.MachineImage;
import software.amazon.awscdk.services.ec2.OperatingSystemType;
import software.amazon.awscdk.services.ec2.Peer;
import software.amazon.awscdk.services.ec2.Port;
import software.amazon.awscdk.services.ec2.SecurityGroup;
import software.amazon.awscdk.services.ec2.SsmParameterImageOptions;
import software.amazon.awscdk.services.ec2.SubnetSelection;
import software.amazon.awscdk.services.ec2.UserData;
import software.amazon.awscdk.services.iam.IRole;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.secretsmanager.CfnResourcePolicy;
import software.amazon.awscdk.services.secretsmanager.ISecret;
import software.amazon.awscdk.services.secretsmanager.Secret;
import software.amazon.awscdk.services.secretsmanager.SecretStringGenerator;
import software.constructs.Construct;
import software.constructs.IDependable;

/**
 * The servers (Vault, or Consul with {@code system=consul}): their instance role, security group, launch template and three Auto Scaling groups, each pinned
 * to one availability zone, with a launch and a terminate lifecycle hook (both defaulting to ABANDON) and an instance
 * lifecycle policy that RETAINS an instance whose terminate hook was abandoned, for an operator to look at.
 */
public final class ServerGroups extends Construct {

    public static final int API_PORT = VaultPorts.API;
    public static final int CLUSTER_PORT = VaultPorts.CLUSTER;
    /** The EC2 tag Vault's retry_join auto_join looks for; value = the cluster name. Propagated at launch. */
    public static final String AUTO_JOIN_TAG_KEY = ClusterTags.CLUSTER;
    public static final String LAUNCH_HOOK_NAME = dev.raftlifecycle.contract.LifecycleEvents.LAUNCH_HOOK_NAME;
    public static final String TERMINATE_HOOK_NAME = dev.raftlifecycle.contract.LifecycleEvents.TERMINATE_HOOK_NAME;
    /**
     * At least twice the handlers' heartbeat interval (LIFECYCLE_HEARTBEAT_SECONDS, 60 s), so one late heartbeat does
     * not end the action. The launching handler waits up to launchMaxWaitSeconds while heartbeating.
     */
    public static final int LAUNCH_HOOK_HEARTBEAT_SECONDS = 600;
    public static final int TERMINATE_HOOK_HEARTBEAT_SECONDS = 300;

    /**
     * One of the two lifecycle hooks every group of the cluster carries: in the group itself for the groups this stack
     * builds, as separate AWS::AutoScaling::LifecycleHook resources on an adopted cluster's groups
     * ({@link AdoptedGroupHooks}).
     */
    public record Hook(String name, String transition, int heartbeatSeconds) {
        /**
         * What Auto Scaling does when no handler completes the action in time: a launch is refused (the instance is
         * terminated and replaced), a terminating instance is retained by the groups' instance lifecycle policy.
         */
        public static final String DEFAULT_RESULT = "ABANDON";
        /**
         * The same in shadow mode: the launch or termination goes on, as it did before the automation existed. A
         * shadow handler completes every action with CONTINUE; one that cannot (no route to Auto Scaling, an error)
         * must not refuse a launch the active mode was never asked to judge, nor retain an instance.
         */
        public static final String SHADOW_DEFAULT_RESULT = "CONTINUE";

        /** The default result for the mode the stack deploys (context {@code shadow}). */
        public static String defaultResult(ClusterConfig config) {
            return defaultResult(config.shadow());
        }

        /** The default result for a stack in shadow mode or not. */
        public static String defaultResult(boolean shadow) {
            return shadow ? SHADOW_DEFAULT_RESULT : DEFAULT_RESULT;
        }
    }

    /** The launch hook, then the terminate hook. */
    public static final List<Hook> HOOKS = List.of(
            new Hook(LAUNCH_HOOK_NAME, LifecycleEvents.LAUNCHING_TRANSITION, LAUNCH_HOOK_HEARTBEAT_SECONDS),
            new Hook(TERMINATE_HOOK_NAME, LifecycleEvents.TERMINATING_TRANSITION, TERMINATE_HOOK_HEARTBEAT_SECONDS));
    /** The CloudWatch agent's namespace in the AMI (ami/files/cloudwatch-agent.json): host and Vault telemetry. */
    public static final String NODE_METRICS_NAMESPACE = "RaftLifecycle/Node";
    /** Where the user data writes the first-boot variables for the AMI's raft-lifecycle-firstboot.service. */
    public static final String FIRST_BOOT_FILE = "/etc/raft-lifecycle/firstboot.json";
    public static final String FIRST_BOOT_UNIT = "raft-lifecycle-firstboot.service";

    /** The variable of ansible/firstboot.yml that selects the role: vault_node (default) or consul_node. */
    public static final String FIRST_BOOT_SYSTEM_VARIABLE = "raft_lifecycle_system";

    /** What the servers need: configuration, network, (Vault only) the unseal key, and where their logs go. */
    public record Props(ClusterConfig config, ClusterNetwork network, Optional<UnsealKey> unsealKey, ServerLogs logs) {
    }

    /**
     * The secrets' values: read only by the servers and the break-glass principals (GetSecretValue), written only by
     * the break-glass principals and CloudFormation (these actions). The resource policies deny everyone else, so
     * no IAM policy of the account can open them up. Management (DescribeSecret, tags, the resource policy itself,
     * deletion) stays with IAM: CloudFormation must keep managing the policy, and whoever may deploy may change it.
     */
    public static final List<String> SECRET_WRITE_ACTIONS = List.of("secretsmanager:PutSecretValue",
            "secretsmanager:UpdateSecret", "secretsmanager:UpdateSecretVersionStage", "secretsmanager:RotateSecret",
            "secretsmanager:CancelRotateSecret");
    public static final String SECRET_READ_ACTION = "secretsmanager:GetSecretValue";
    /**
     * The first-boot variable naming the secret that holds Consul's initial management token
     * ({@code acl.tokens.initial_management}).
     */
    public static final String CONSUL_INITIAL_MANAGEMENT_TOKEN_VARIABLE = "consul_node_initial_management_token_secret_id";
    /**
     * The initial management token's form: 32 lowercase hexadecimal characters (128 random bits). Secrets Manager
     * generates it and cannot produce a UUID's dashes; everything else is excluded.
     */
    public static final int CONSUL_TOKEN_LENGTH = 32;
    static final String NOT_HEX = "ghijklmnopqrstuvwxyz";

    private static final Pattern COMPLETE_SECRET_ARN = Pattern.compile(".*:secret:.+-[A-Za-z0-9]{6}");

    private final ClusterConfig config;
    private final SecurityGroup securityGroup;
    private final Role role;
    private final LaunchTemplate launchTemplate;
    private final List<AutoScalingGroup> groups = new ArrayList<>();
    private final ServerLogs logs;
    private final Secret consulManagementToken;

    public ServerGroups(Construct scope, String id, Props props) {
        super(scope, id);
        this.config = props.config();
        this.logs = props.logs();
        ClusterNetwork network = props.network();

        this.securityGroup = SecurityGroup.Builder.create(this, "SecurityGroup")
                .vpc(network.vpc())
                .description(config.consul()
                        ? "Consul servers of " + config.clusterName() + ": " + ConsulPorts.HTTPS + " from clients, the "
                                + "load balancer and the lifecycle Lambdas; RPC and LAN gossip between servers only"
                        : "Vault servers of " + config.clusterName() + ": 8200 from clients, the load balancer "
                                + "and the lifecycle Lambdas; 8201 between servers only")
                .allowAllOutbound(false)
                .build();
        if (config.consul()) {
            between(Port.tcp(ConsulPorts.SERVER_RPC), "Consul server RPC and Raft between servers");
            between(Port.tcp(ConsulPorts.SERF_LAN), "Consul LAN gossip (Serf, TCP) between servers");
            between(Port.udp(ConsulPorts.SERF_LAN), "Consul LAN gossip (Serf, UDP) between servers");
        } else {
            between(Port.tcp(CLUSTER_PORT), "Raft and request forwarding between servers");
            between(Port.tcp(API_PORT), "retry_join: a joining server calls the leader's API");
        }
        for (String cidr : config.apiCidrs()) {
            securityGroup.addIngressRule(Peer.ipv4(cidr), Port.tcp(apiPort()), config.initWindow()
                    ? systemName() + " API from initCidrs only, until the first initialization"
                    : systemName() + " API from clients");
        }
        securityGroup.addEgressRule(Peer.anyIpv4(), Port.tcp(443), config.consul()
                ? "AWS APIs (Secrets Manager, EC2, STS, CloudWatch) through the NAT gateways or endpoints"
                : "AWS APIs (KMS, Secrets Manager, EC2, STS, IAM, CloudWatch) through the NAT gateways or endpoints");

        this.role = Role.Builder.create(this, "InstanceRole")
                .assumedBy(new ServicePrincipal("ec2.amazonaws.com"))
                .description(config.consul()
                        ? "Consul servers of " + config.clusterName()
                                + ": cloud auto-join, TLS and gossip key secrets, CloudWatch agent"
                        : "Vault servers of " + config.clusterName()
                                + ": unseal key (via its key policy), auto_join, TLS secret, CloudWatch agent")
                .build();
        props.unsealKey().ifPresent(key -> key.allowSealUse(role, network.vpc().getVpcId()));
        // retry_join's auto_join / cloud auto-join (go-discover) lists instances by tag. DescribeInstances has no resource-level
        // permissions, so "*" is the only possible resource.
        role.addToPolicy(PolicyStatement.Builder.create()
                .sid("AutoJoinDiscovery")
                .actions(List.of("ec2:DescribeInstances"))
                .resources(List.of("*"))
                .build());
        // The first-boot playbook reads the TLS material (JSON {"ca", "cert", "key"}) from this secret.
        ISecret tlsSecret = importSecret("TlsSecret", config.tlsSecret());
        tlsSecret.grantRead(role);
        restrictToServersAndBreakGlass("TlsSecretPolicy", config.tlsSecret());
        config.tlsSecretKmsKeyArn().ifPresent(keyArn -> decryptThroughSecretsManager("DecryptTlsSecret", keyArn));
        if (config.consul()) {
            // Consul's gossip encryption key (base64, `consul keygen`): only its reference is in the template.
            importSecret("GossipKeySecret", config.gossipKeySecret()).grantRead(role);
            restrictToServersAndBreakGlass("GossipKeySecretPolicy", config.gossipKeySecret());
            config.gossipKeySecretKmsKeyArn().ifPresent(keyArn ->
                    decryptThroughSecretsManager("DecryptGossipKeySecret", keyArn));
            this.consulManagementToken = createConsulManagementToken();
        } else {
            this.consulManagementToken = null;
        }
        logs.allowAgentToShip(role);

        // The CloudWatch agent baked into the AMI (ami/files/cloudwatch-agent.json) publishes host and Vault
        // telemetry metrics to NODE_METRICS_NAMESPACE, with the group's name as a dimension, which it reads from
        // the instance's tags (ec2:DescribeTags). Neither action supports resource-level permissions; the
        // namespace condition is what scopes PutMetricData. The agent also ships the journal (and Vault's audit
        // log) to the cluster's log groups: ServerLogs grants exactly those, above.
        role.addToPolicy(PolicyStatement.Builder.create()
                .sid("CloudWatchAgentMetrics")
                .actions(List.of("cloudwatch:PutMetricData"))
                .resources(List.of("*"))
                .conditions(Map.of("StringEquals", Map.of("cloudwatch:namespace", NODE_METRICS_NAMESPACE)))
                .build());
        role.addToPolicy(PolicyStatement.Builder.create()
                .sid("CloudWatchAgentDimensions")
                .actions(List.of("ec2:DescribeTags"))
                .resources(List.of("*"))
                .build());
        Suppressions.accept(role, "AwsSolutions-IAM5", "Resource * only for ec2:DescribeInstances (auto_join), "
                + "ec2:DescribeTags (the CloudWatch agent's AutoScalingGroupName dimension) and "
                + "cloudwatch:PutMetricData (limited by the cloudwatch:namespace condition): none of them supports "
                + "resource-level permissions.", List.of("Resource::*"));

        UserData userData = UserData.forLinux();
        userData.addCommands(
                "set -euo pipefail",
                "umask 027",
                "install -d -m 0755 /etc/raft-lifecycle",
                "cat > " + FIRST_BOOT_FILE + " <<'RAFT_LIFECYCLE_FIRSTBOOT'",
                Stack.of(this).toJsonString(config.consul() ? consulFirstBootVariables()
                        : firstBootVariables(props.unsealKey().orElseThrow())),
                "RAFT_LIFECYCLE_FIRSTBOOT",
                "chown root:root " + FIRST_BOOT_FILE,
                "chmod 0640 " + FIRST_BOOT_FILE,
                // --no-block: the unit may be ordered after cloud-init, which is running this script.
                "systemctl start --no-block " + FIRST_BOOT_UNIT);
        this.launchTemplate = LaunchTemplate.Builder.create(this, "LaunchTemplate")
                .machineImage(machineImage())
                .instanceType(new InstanceType(config.instanceType()))
                .userData(userData)
                .role(role)
                .securityGroup(securityGroup)
                .requireImdsv2(true)
                .httpTokens(LaunchTemplateHttpTokens.REQUIRED)
                .httpEndpoint(true)
                // One hop: containers or anything behind a forwarding hop on the host cannot reach the credentials.
                .httpPutResponseHopLimit(1)
                .instanceMetadataTags(false)
                .blockDevices(List.of(BlockDevice.builder()
                        .deviceName(config.rootVolumeDevice())
                        .volume(BlockDeviceVolume.ebs(config.rootVolumeGiB(), EbsDeviceOptions.builder()
                                .volumeType(EbsDeviceVolumeType.GP3)
                                .encrypted(true)
                                .deleteOnTermination(true)
                                .build()))
                        .build()))
                .ebsOptimized(true)
                .detailedMonitoring(true)
                .build();

        List<String> names = config.groupNames();
        for (int i = 0; i < names.size(); i++) {
            groups.add(group(i, names.get(i), network));
        }
    }

    private AutoScalingGroup group(int zoneIndex, String name, ClusterNetwork network) {
        // EC2 checks unless elbHealthChecks: on a first deploy the nodes are uninitialized and fail the load balancer's
        // check, and ELB checks would have the groups replace them in a loop. The operator deploys with
        // elbHealthChecks=true once the health publisher reports the cluster ready for them (HealthCheckSwitch).
        HealthChecks healthChecks = HealthChecks.ec2(Ec2HealthChecksOptions.builder()
                .gracePeriod(Duration.seconds(config.healthCheckGracePeriodSeconds()))
                .build());
        AutoScalingGroup group = AutoScalingGroup.Builder.create(this, "Group" + (zoneIndex + 1))
                .autoScalingGroupName(name)
                .vpc(network.vpc())
                .vpcSubnets(SubnetSelection.builder().subnets(List.of(network.privateSubnets().get(zoneIndex))).build())
                .launchTemplate(launchTemplate)
                .minCapacity(config.nodesPerAz())
                // Room for an instance refresh to launch before it terminates (MaxHealthyPercentage 200).
                .maxCapacity(2 * config.nodesPerAz())
                .healthChecks(healthChecks)
                .groupMetrics(List.of(GroupMetrics.all()))
                .instanceLifecyclePolicy(InstanceLifecyclePolicy.builder()
                        .retentionTriggers(RetentionTriggers.builder()
                                .terminateHookAbandon(TerminateHookAbandonAction.RETAIN)
                                .build())
                        .build())
                .build();
        Suppressions.accept(group, "AwsSolutions-AS3", "Scaling events are consumed by the lifecycle hooks through "
                + "EventBridge (the handlers act on every launch and termination); failures surface as the "
                + "lifecycle-abandon, handler-errors and dead-letter-queue alarms. Mail for every scaling event "
                + "would only train people to ignore the topic.");
        // The hooks are part of the group itself (not separate resources) so that the very first instances, launched
        // while CloudFormation creates the group, already wait for the launching handler.
        CfnAutoScalingGroup cfn = (CfnAutoScalingGroup) group.getNode().getDefaultChild();
        cfn.setLifecycleHookSpecificationList(HOOKS.stream().map(hook ->
                (Object) CfnAutoScalingGroup.LifecycleHookSpecificationProperty.builder()
                        .lifecycleHookName(hook.name())
                        .lifecycleTransition(hook.transition())
                        .defaultResult(Hook.defaultResult(config))
                        .heartbeatTimeout(hook.heartbeatSeconds())
                        .build()).toList());
        Tags.of(group).add(AUTO_JOIN_TAG_KEY, config.clusterName(),
                TagProps.builder().applyToLaunchedInstances(true).build());
        Tags.of(group).add("Name", config.clusterName() + "-server",
                TagProps.builder().applyToLaunchedInstances(true).build());
        if (config.elbHealthChecks()) {
            cfn.setHealthCheckType("ELB");
        }
        return group;
    }

    /** A port open between the servers, both directions. */
    private void between(Port port, String description) {
        securityGroup.addIngressRule(securityGroup, port, description);
        securityGroup.addEgressRule(securityGroup, port, description);
    }

    private void decryptThroughSecretsManager(String sid, String keyArn) {
        role.addToPolicy(PolicyStatement.Builder.create()
                .sid(sid)
                .actions(List.of("kms:Decrypt"))
                .resources(List.of(keyArn))
                .conditions(Map.of("StringEquals", Map.of("kms:ViaService",
                        "secretsmanager." + Aws.REGION + ".amazonaws.com")))
                .build());
    }

    /**
     * A resource policy on the secret (which the operator created, or the stack for Consul's management token):
     * only the server role and the break-glass principals may read its value, only the break-glass principals (and
     * CloudFormation's execution role, which may rewrite this policy anyway) may write it. aws:PrincipalArn of an
     * assumed-role session is its role's ARN, so the role's sessions match; every other principal, however broad
     * its IAM policy, is denied.
     */
    private void restrictToServersAndBreakGlass(String id, String secretId) {
        List<String> readers = new ArrayList<>(List.of(role.getRoleArn()));
        readers.addAll(config.breakGlassPrincipals());
        List<String> writers = new ArrayList<>(config.breakGlassPrincipals());
        String deployRole = DeployRole.arn(Stack.of(this), config);
        if (deployRole != null) {
            writers.add(deployRole);
        }
        List<Object> statements = new ArrayList<>();
        statements.add(denyUnless("OnlyServersAndBreakGlassReadTheValue", List.of(SECRET_READ_ACTION), readers));
        statements.add(denyUnless("OnlyBreakGlassAndCloudFormationWriteTheValue", SECRET_WRITE_ACTIONS, writers));
        CfnResourcePolicy.Builder.create(this, id)
                .secretId(secretId)
                .blockPublicPolicy(true)
                .resourcePolicy(Map.of("Version", "2012-10-17", "Statement", statements))
                .build();
    }

    private static Map<String, Object> denyUnless(String sid, List<String> actions, List<String> principals) {
        Map<String, Object> statement = new LinkedHashMap<>();
        statement.put("Sid", sid);
        statement.put("Effect", "Deny");
        statement.put("Principal", Map.of("AWS", "*"));
        statement.put("Action", actions);
        statement.put("Resource", "*");
        if (!principals.isEmpty()) {
            statement.put("Condition", Map.of("StringNotEquals", Map.of("aws:PrincipalArn", principals)));
        }
        return statement;
    }

    /**
     * Consul's initial management token (acl.tokens.initial_management): generated by Secrets Manager when the
     * stack is created, so the ACL system is bootstrapped with a token only the servers and the break-glass
     * principals can read, and nobody who merely reaches the API can `consul acl bootstrap` first.
     */
    private Secret createConsulManagementToken() {
        Secret secret = Secret.Builder.create(this, "ConsulInitialManagementToken")
                .description("raft-lifecycle " + config.clusterName() + ": Consul's initial management token "
                        + "(acl.tokens.initial_management); readable by the servers and break-glass principals only")
                .generateSecretString(SecretStringGenerator.builder()
                        .passwordLength(CONSUL_TOKEN_LENGTH)
                        .excludeUppercase(true)
                        .excludePunctuation(true)
                        .includeSpace(false)
                        .excludeCharacters(NOT_HEX)
                        .build())
                .build();
        secret.grantRead(role);
        restrictToServersAndBreakGlass("ConsulInitialManagementTokenPolicy", secret.getSecretArn());
        Suppressions.accept(secret, "AwsSolutions-SMG4", "Each Consul server reads acl.tokens.initial_management "
                + "at its first boot, and the leader creates the token from that configuration; rotating the secret "
                + "would not change the token Consul holds. Its resource policy limits it to the servers and "
                + "breakGlassPrincipals (infra/README.md, Security model).");
        return secret;
    }

    /** The servers' API port: what clients, the load balancer and the handlers reach (Vault 8200, Consul 8501). */
    public int apiPort() {
        return config.consul() ? ConsulPorts.HTTPS : API_PORT;
    }

    /** "Vault" or "Consul", for descriptions. */
    public String systemName() {
        return config.consul() ? "Consul" : "Vault";
    }

    private ISecret importSecret(String id, String nameOrArn) {
        if (!nameOrArn.startsWith("arn:")) {
            return Secret.fromSecretNameV2(this, id, nameOrArn);
        }
        return COMPLETE_SECRET_ARN.matcher(nameOrArn).matches()
                ? Secret.fromSecretCompleteArn(this, id, nameOrArn)
                : Secret.fromSecretPartialArn(this, id, nameOrArn);
    }

    private IMachineImage machineImage() {
        if (config.amiId().isPresent()) {
            return new FixedImage(config.amiId().get());
        }
        // Resolved by CloudFormation when the stack is deployed (a stack parameter of type
        // AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>): a new AMI reaches the launch template on the next
        // `cdk deploy`, and instances change only when scripts/rolling-upgrade refreshes them.
        return MachineImage.fromSsmParameter(config.amiSsmParameter(), SsmParameterImageOptions.builder()
                .os(OperatingSystemType.LINUX)
                .build());
    }

    /**
     * The first-boot variables: extra vars of the AMI's playbook (ansible-playbook -e @firstboot.json), named after
     * the vault_node role's variables (ansible/README.md). Only what differs per deployment; no secrets.
     */
    private Map<String, Object> firstBootVariables(UnsealKey unsealKey) {
        Map<String, Object> vars = new LinkedHashMap<>();
        vars.put("vault_node_cluster_name", config.clusterName());
        vars.put("vault_node_region", Aws.REGION);
        vars.put("vault_node_kms_key_id", unsealKey.key().getKeyArn());
        vars.put("vault_node_tls_secret_id", config.tlsSecret());
        vars.put("vault_node_tls_server_name", config.tlsServerName());
        vars.put("vault_node_auto_join_tag_key", AUTO_JOIN_TAG_KEY);
        vars.put("vault_node_auto_join_tag_value", config.clusterName());
        vars.put("vault_node_enterprise", config.enterprise());
        vars.put("vault_node_api_port", API_PORT);
        vars.put("vault_node_cluster_port", CLUSTER_PORT);
        vars.put("vault_node_audit_log_group", ServerLogs.groupName(config.clusterName(), ServerLogs.AUDIT));
        vars.put("vault_node_journal_log_group", ServerLogs.groupName(config.clusterName(), ServerLogs.JOURNAL));
        return vars;
    }

    /**
     * The first-boot variables of a Consul server: the consul_node role's variables (ansible/README.md), and
     * raft_lifecycle_system to select that role. Ids and names only: the gossip key and TLS material are read from
     * Secrets Manager on the instance.
     */
    private Map<String, Object> consulFirstBootVariables() {
        Map<String, Object> vars = new LinkedHashMap<>();
        vars.put(FIRST_BOOT_SYSTEM_VARIABLE, config.system().value());
        vars.put("consul_node_datacenter", config.datacenter());
        vars.put("consul_node_region", Aws.REGION);
        vars.put("consul_node_bootstrap_expect", config.totalServers());
        vars.put("consul_node_tls_secret_id", config.tlsSecret());
        vars.put("consul_node_gossip_key_secret_id", config.gossipKeySecret());
        vars.put("consul_node_retry_join_tag_key", AUTO_JOIN_TAG_KEY);
        vars.put("consul_node_retry_join_tag_value", config.clusterName());
        vars.put("consul_node_agent_auth_method", ConsulAccess.AGENT_AUTH_METHOD);
        vars.put("consul_node_iam_server_id", config.iamServerId());
        vars.put("consul_node_https_port", ConsulPorts.HTTPS);
        vars.put("consul_node_server_port", ConsulPorts.SERVER_RPC);
        vars.put("consul_node_serf_lan_port", ConsulPorts.SERF_LAN);
        vars.put("consul_node_journal_log_group", ServerLogs.groupName(config.clusterName(), ServerLogs.JOURNAL));
        vars.put(CONSUL_INITIAL_MANAGEMENT_TOKEN_VARIABLE, consulManagementToken.getSecretArn());
        return vars;
    }

    /**
     * Vault's AWS auth method resolves a bound IAM role to its unique id (resolve_aws_unique_ids, the default) with
     * iam:GetRole, using the servers' credentials: allow exactly that, on exactly the roles configure-vault binds.
     */
    public void allowAuthMethodToResolve(List<IRole> boundRoles) {
        if (config.consul()) {
            return; // Consul's aws-iam method forwards the signed request to STS; the servers call no IAM API.
        }
        role.addToPolicy(PolicyStatement.Builder.create()
                .sid("VaultAwsAuthResolvesBoundRoles")
                .actions(List.of("iam:GetRole"))
                .resources(boundRoles.stream().map(IRole::getRoleArn).toList())
                .build());
    }

    /** The groups are created only after what must handle their first lifecycle events, and deleted before it. */
    public void startAfter(IDependable dependency) {
        groups.forEach(group -> group.getNode().addDependency(dependency));
    }

    public List<AutoScalingGroup> groups() {
        return List.copyOf(groups);
    }

    public List<String> groupNames() {
        return config.groupNames();
    }

    public SecurityGroup securityGroup() {
        return securityGroup;
    }

    public Role role() {
        return role;
    }

    /** Consul's initial management token secret (a Vault stack has none). */
    public Optional<Secret> consulManagementToken() {
        return Optional.ofNullable(consulManagementToken);
    }

    public LaunchTemplate launchTemplate() {
        return launchTemplate;
    }
}
