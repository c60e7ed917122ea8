package dev.raftlifecycle.infra;

import dev.raftlifecycle.contract.HandlerNames;
import java.util.List;
import java.util.Optional;
import software.amazon.awscdk.Annotations;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.constructs.Construct;

/**
 * One Vault cluster (or, with {@code system=consul}, one Consul server cluster) with its lifecycle automation. The stack only composes the constructs, each owning one concern,
 * and publishes what the operator needs next (see the First deploy procedure in infra/README.md).
 */
public final class RaftLifecycleStack extends Stack {

    private final ClusterNetwork network;
    private final Optional<UnsealKey> unsealKey;
    private final ServerLogs serverLogs;
    private final ServerGroups servers;
    private final VaultLoadBalancer loadBalancer;
    private final LifecycleAutomation automation;
    private final Snapshots snapshots;
    private final Monitoring monitoring;
    private final RollOperatorPolicy rollOperator;

    public RaftLifecycleStack(Construct scope, String id, StackProps props, ClusterConfig config) {
        super(scope, id, props);
        this.network = new ClusterNetwork(this, "Network", new ClusterNetwork.Props(config));
        // Vault's auto-unseal key; Consul has no seal (its gossip key and TLS are secrets the operator creates).
        this.unsealKey = config.consul() ? Optional.empty()
                : Optional.of(new UnsealKey(this, "UnsealKey",
                        new UnsealKey.Props(config.clusterName(), config.keyAdmins(), config.cloudFormationRoleArn())));
        this.serverLogs = new ServerLogs(this, "ServerLogs", config);
        this.servers = new ServerGroups(this, "Servers", new ServerGroups.Props(config, network, unsealKey, serverLogs));
        this.loadBalancer = new VaultLoadBalancer(this, "LoadBalancer",
                new VaultLoadBalancer.Props(config, network, servers));
        // The publisher's canary reaches Vault as clients do, through the load balancer (Vault only).
        Optional<LifecycleAutomation.Canary> canary = config.consul() ? Optional.empty()
                : Optional.of(new LifecycleAutomation.Canary(loadBalancer.securityGroup(), "https://"
                        + loadBalancer.loadBalancer().getLoadBalancerDnsName() + ":" + servers.apiPort()));
        this.automation = new LifecycleAutomation(this, "Lifecycle",
                new LifecycleAutomation.Props(config, network, servers.securityGroup(), canary, unsealKey));
        this.snapshots = new Snapshots(this, "Snapshots", new Snapshots.Props(config, automation));
        List<software.amazon.awscdk.services.iam.IRole> boundRoles = new java.util.ArrayList<>(automation.roles());
        boundRoles.add(snapshots.function().role());
        servers.allowAuthMethodToResolve(boundRoles);
        // The handlers (and their rules) exist before the first instance launches and outlive the last one.
        servers.startAfter(automation);
        this.monitoring = new Monitoring(this, "Monitoring", new Monitoring.Props(config, automation, snapshots));
        this.rollOperator = new RollOperatorPolicy(this, "RollOperator", new RollOperatorPolicy.Props(config,
                automation.groupArns(), automation.publisher().alias().getFunctionArn()));

        if (config.voters() % 2 == 0) {
            Annotations.of(this).addWarningV2("raft-lifecycle:even-voters", config.voters() + " voters ("
                    + config.nodesPerAz() + " per zone): an even voter count tolerates no more failures than one "
                    + "voter less, and a zone outage can leave exactly half. Prefer an odd count (nodesPerAz 1 or 3).");
        }
        if (!config.consul() && config.breakGlassPrincipals().isEmpty()) {
            Annotations.of(this).addWarningV2("raft-lifecycle:no-break-glass", "No " + ClusterConfig.BREAK_GLASS_PRINCIPALS
                    + ": the TLS secret's resource policy lets only CloudFormation write it, so renewing the certificate "
                    + "(RUNBOOK.md, certificate-expiry) needs a deploy that names a break-glass role first, and nobody "
                    + "may read a snapshot to restore it (the snapshot bucket's policy and key). Name it now.");
        }
        if (!config.consul() && config.keyAdmins().isEmpty()) {
            Annotations.of(this).addWarningV2("raft-lifecycle:default-key-admin", "No " + ClusterConfig.KEY_ADMINS
                    + ": the unseal key's only administrator is the role CloudFormation deploys as (the snapshot key's "
                    + "too). If that role is ever deleted (a new CDK bootstrap creates one with the same name but a new "
                    + "identity), nobody can administer the keys any more, and only AWS Support can restore access. Name "
                    + "your key administrators.");
        }
        if (config.consul() && config.keyAdmins().isEmpty()) {
            Annotations.of(this).addWarningV2("raft-lifecycle:default-key-admin", "No " + ClusterConfig.KEY_ADMINS
                    + ": the snapshot key's only administrator is the role CloudFormation deploys as. If that role is "
                    + "ever deleted, nobody can administer the key any more. Name your key administrators.");
        }
        if (!config.scheduledSnapshots()) {
            Annotations.of(this).addInfo(ClusterConfig.SNAPSHOT_INTERVAL_MINUTES + " is 0: no scheduled snapshots and "
                    + "no snapshot-age alarm; take snapshots on demand (RUNBOOK.md, snapshot-age). The dashboard still "
                    + "shows SnapshotAgeSeconds.");
        }
        if (config.consul() && config.breakGlassPrincipals().isEmpty()) {
            Annotations.of(this).addWarningV2("raft-lifecycle:no-break-glass", "No " + ClusterConfig.BREAK_GLASS_PRINCIPALS
                    + ": only the Consul servers can read the initial management token, so nobody can set up the "
                    + "cluster's ACLs (infra/README.md, first deploy of a Consul cluster). Name the role you set them "
                    + "up with, and nobody may read a snapshot to restore it.");
        }
        if (automation.caFromParameter()) {
            Annotations.of(this).addInfo("No CA certificate in the context: `cdk deploy` asks for the stack "
                    + "parameter " + LifecycleAutomation.CA_PARAMETER + ". Set the context value "
                    + ClusterConfig.CA_CERTIFICATE_FILE + " to avoid it.");
        }
        outputs(config);
    }

    private void outputs(ClusterConfig config) {
        output("ClusterName", config.clusterName(), config.consul()
                ? "the cluster's name (metric dimension, cloud auto-join tag value)"
                : "the cluster's name (metric dimension, auto_join tag value)");
        output("ServerGroupNames", String.join(",", servers.groupNames()),
                "the three Auto Scaling groups, one per zone (scripts/rolling-upgrade reads this)");
        String address = "https://" + loadBalancer.loadBalancer().getLoadBalancerDnsName() + ":" + servers.apiPort();
        if (config.consul()) {
            output("ConsulAddress", address, "CONSUL_HTTP_ADDR for clients inside the VPC (set CONSUL_TLS_SERVER_NAME too)");
            output("ConsulTlsServerName", config.tlsServerName(), "the name to verify the Consul certificate against");
            output("ConsulIamServerId", config.iamServerId(),
                    "ServerIDHeaderValue of both aws-iam auth methods (infra/README.md, first deploy)");
            output("ConsulDatacenter", config.datacenter(), "the Consul datacenter");
            output("ServerRoleArn", servers.role().getRoleArn(),
                    "BoundIAMPrincipalARNs of the agent auth method " + dev.raftlifecycle.contract.ConsulAccess.AGENT_AUTH_METHOD);
        } else {
            output("VaultAddress", address, "VAULT_ADDR for clients inside the VPC (set VAULT_TLS_SERVER_NAME too)");
        }
        // The handlers' tokens usable only from the Lambdas' subnets (an existing VPC's are not looked up: the operator
        // narrows HandlerSubnetCidrs by hand, see infra/README.md).
        AutomationOutputs.handlerRoles(this, config, automation, snapshots,
                network.existing() ? List.of() : network.handlerSubnetCidrs(),
                "run with VAULT_ADDR, VAULT_TOKEN and VAULT_CACERT set, once the cluster is initialized");
        if (!config.consul()) {
            output("UnsealKeyArn", unsealKey.orElseThrow().key().getKeyArn(),
                    "the auto-unseal KMS key (retained on stack deletion)");
        }
        AutomationOutputs.automation(this, config, automation, snapshots, monitoring);
        output("RollingUpgradePolicyArn", rollOperator.policy().getManagedPolicyArn(),
                "attach to your operators' role: what scripts/rolling-upgrade needs for this cluster and no more");
        output("HandlerSubnetCidrs", String.join(",", network.handlerSubnetCidrs()), network.existing()
                ? "where the handlers' requests come from: the existing VPC's CIDR (its subnets are not looked up); "
                        + "narrow it to the Lambdas' subnets for configure-vault --token-bound-cidr"
                : "the Lambdas' subnets, where the handlers' requests come from (configure-vault --token-bound-cidr)");
        serverLogs.groups().forEach(group -> output(group == serverLogs.journal() ? "JournalLogGroup" : "AuditLogGroup",
                group.getLogGroupName(), "the servers' " + (group == serverLogs.journal() ? "systemd journal"
                        : "Vault audit device") + " (CloudWatch agent, encrypted, kept on stack deletion)"));
        servers.consulManagementToken().ifPresent(secret -> output("ConsulInitialManagementTokenSecretArn",
                secret.getSecretArn(), "Consul's initial management token: readable by the servers and "
                        + ClusterConfig.BREAK_GLASS_PRINCIPALS + " only (first deploy, step 5)"));
    }

    private void output(String id, String value, String description) {
        AutomationOutputs.output(this, id, value, description);
    }

    public ClusterNetwork network() {
        return network;
    }

    /** The Vault unseal key (Vault only; a Consul stack has none). */
    public UnsealKey unsealKey() {
        return unsealKey.orElseThrow(() -> new IllegalStateException("a Consul stack has no unseal key"));
    }

    public Optional<UnsealKey> unsealKeyIfAny() {
        return unsealKey;
    }

    public ServerLogs serverLogs() {
        return serverLogs;
    }

    public ServerGroups servers() {
        return servers;
    }

    public VaultLoadBalancer loadBalancer() {
        return loadBalancer;
    }

    public LifecycleAutomation automation() {
        return automation;
    }

    public Snapshots snapshots() {
        return snapshots;
    }

    /** The roll operator's managed policy ({@code <cluster>-rolling-upgrade}). */
    public RollOperatorPolicy rollOperator() {
        return rollOperator;
    }

    public Monitoring monitoring() {
        return monitoring;
    }
}
