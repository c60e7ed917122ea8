package dev.raftlifecycle.infra;

import dev.raftlifecycle.contract.ConsulAccess;
import java.util.List;
import java.util.Optional;
import software.amazon.awscdk.Annotations;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.ec2.ISecurityGroup;
import software.amazon.awscdk.services.ec2.SecurityGroup;
import software.amazon.awscdk.services.ec2.SecurityGroupImportOptions;
import software.amazon.awscdk.services.iam.IRole;
import software.constructs.Construct;

/**
 * The automation alone, for a running cluster on Auto Scaling groups the stack does not own ({@code adopt=<group
 * names>}): the launch and terminate hooks on those groups, the handlers with their rules, roles, dead-letter queues
 * and lock table, the snapshot function with its bucket and key, the alarms and the dashboard. Nothing else: no VPC,
 * no groups, no launch template, no load balancer, no unseal key, no secrets, and no change to the servers' security
 * group or to the groups themselves beyond the two hooks.
 *
 * <p>It composes the same constructs as {@link RaftLifecycleStack}; what it cannot do on groups it does not own (the
 * groups' instance lifecycle policy, admitting the Lambdas to the servers' API, the Vault auth roles) its outputs
 * tell the operator, with the command to run (infra/README.md, Adopt an existing cluster).
 */
public final class AdoptedClusterStack extends Stack {

    private final ClusterNetwork network;
    private final ISecurityGroup serverSecurityGroup;
    private final LifecycleAutomation automation;
    private final Snapshots snapshots;
    private final AdoptedGroupHooks hooks;
    private final Monitoring monitoring;

    public AdoptedClusterStack(Construct scope, String id, StackProps props, ClusterConfig config) {
        super(scope, id, props);
        ClusterConfig.Adoption adoption = config.adoption().orElseThrow(() -> new IllegalArgumentException(
                "not an adopted cluster's configuration: set the context value " + ClusterConfig.ADOPT));
        this.network = new ClusterNetwork(this, "Network", new ClusterNetwork.Props(config));
        // Imported immutable: the stack adds no rule to a group it does not own (the operator admits the Lambdas).
        this.serverSecurityGroup = SecurityGroup.fromSecurityGroupId(this, "ServerSecurityGroup",
                adoption.serverSecurityGroupId(), SecurityGroupImportOptions.builder().mutable(false).build());
        this.automation = new LifecycleAutomation(this, "Lifecycle", new LifecycleAutomation.Props(config, network,
                serverSecurityGroup, Optional.empty(), Optional.empty()));
        this.snapshots = new Snapshots(this, "Snapshots", new Snapshots.Props(config, automation));
        // The hooks exist only once what handles their events does (and go before it on deletion).
        this.hooks = new AdoptedGroupHooks(this, "Hooks", config);
        hooks.getNode().addDependency(automation);
        this.monitoring = new Monitoring(this, "Monitoring", new Monitoring.Props(config, automation, snapshots));

        if (config.keyAdmins().isEmpty()) {
            Annotations.of(this).addWarningV2("raft-lifecycle:default-key-admin", "No " + ClusterConfig.KEY_ADMINS
                    + ": the snapshot key's only administrator is the role CloudFormation deploys as. If that role is "
                    + "ever deleted, nobody can administer the key any more. Name your key administrators.");
        }
        if (config.breakGlassPrincipals().isEmpty()) {
            Annotations.of(this).addWarningV2("raft-lifecycle:no-break-glass", "No "
                    + ClusterConfig.BREAK_GLASS_PRINCIPALS + ": nobody may read a snapshot of the snapshot bucket to "
                    + "restore it. Name the role you restore with.");
        }
        outputs(config, adoption);
    }

    private void outputs(ClusterConfig config, ClusterConfig.Adoption adoption) {
        output("ClusterName", config.clusterName(), "the cluster's name (metric dimension, alarm and lock prefix)");
        output("ServerGroupNames", String.join(",", config.groupNames()),
                "the adopted Auto Scaling groups, which now carry the cluster's launch and terminate hooks "
                        + "(scripts/rolling-upgrade reads this)");
        output("Mode", config.shadow() ? dev.raftlifecycle.contract.Defaults.MODE_SHADOW
                        : dev.raftlifecycle.contract.Defaults.MODE,
                config.shadow() ? "shadow: the handlers decide and log, and change nothing; deploy with "
                        + ClusterConfig.SHADOW + "=false to let them act (infra/README.md, Adopt an existing cluster)"
                        : "active: the handlers remove peers and complete lifecycle actions as they decide");
        output("RetainPolicyCommand", retainPolicyCommand(config.groupNames()),
                "run once (the stack cannot set it on groups it does not own): each group must retain an instance "
                        + "whose terminate hook was abandoned; until every group does, the handlers remove no peer "
                        + "(alarm " + config.clusterName() + "-" + Monitoring.RETAIN_POLICY_ALARM + ")");
        output("LambdaSecurityGroupId", automation.securityGroup().getSecurityGroupId(),
                "the Lambdas' security group: the servers' group must admit it on port " + adoption.apiPort());
        output("AdmitLambdasCommand", "aws ec2 authorize-security-group-ingress --group-id "
                        + adoption.serverSecurityGroupId() + " --protocol tcp --port " + adoption.apiPort()
                        + " --source-group " + automation.securityGroup().getSecurityGroupId(),
                "run once, or add the same rule where the servers' security group is managed (the stack does not "
                        + "change a group it does not own)");
        if (config.consul()) {
            output("ConsulTlsServerName", config.tlsServerName(), "the name to verify the Consul certificate against");
            output("ConsulIamServerId", config.iamServerId(), "ServerIDHeaderValue of the handlers' aws-iam auth "
                    + "method " + ConsulAccess.AUTH_METHOD + " (infra/README.md, Adopt an existing cluster)");
        } else {
            List<IRole> bound = new java.util.ArrayList<>(automation.roles());
            bound.add(snapshots.function().role());
            output("VaultBoundRoleArns", String.join(",", bound.stream().map(IRole::getRoleArn).toList()),
                    "Vault's AWS auth method resolves these roles with iam:GetRole, using the credentials Vault has "
                            + "(the servers' instance role, or auth/" + config.vaultAuthMount() + "/config/client): "
                            + "allow iam:GetRole on exactly these there");
        }
        AutomationOutputs.handlerRoles(this, config, automation, snapshots, List.of(), "run with VAULT_ADDR, "
                + "VAULT_TOKEN and VAULT_CACERT set (a token that may manage auth methods, policies, secrets engines "
                + "and audit devices: it also enables the canary's KV mount); add --audit-file <the path your file "
                + "audit device at file/ writes to> if it has one, and --token-bound-cidr for each of the Lambdas' "
                + "subnets");
        AutomationOutputs.automation(this, config, automation, snapshots, monitoring);
    }

    /** The one command that sets the retain policy on every adopted group (a shell loop over their names). */
    static String retainPolicyCommand(List<String> groupNames) {
        return "for g in " + String.join(" ", groupNames.stream().map(AdoptedClusterStack::shellQuote).toList())
                + "; do aws autoscaling update-auto-scaling-group --auto-scaling-group-name \"$g\" "
                + "--instance-lifecycle-policy '" + RETAIN_POLICY_SHORTHAND + "'; done";
    }

    /** The instance lifecycle policy every group needs, in the AWS CLI's shorthand. */
    public static final String RETAIN_POLICY_SHORTHAND = "RetentionTriggers={TerminateHookAbandon=retain}";

    private static String shellQuote(String word) {
        return word.matches("[A-Za-z0-9._/-]+") ? word : "'" + word.replace("'", "'\\''") + "'";
    }

    private void output(String id, String value, String description) {
        AutomationOutputs.output(this, id, value, description);
    }

    public ClusterNetwork network() {
        return network;
    }

    public LifecycleAutomation automation() {
        return automation;
    }

    public Snapshots snapshots() {
        return snapshots;
    }

    public AdoptedGroupHooks hooks() {
        return hooks;
    }

    public Monitoring monitoring() {
        return monitoring;
    }
}
