package dev.raftlifecycle.infra;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.iam.AccountRootPrincipal;
import software.amazon.awscdk.services.iam.ArnPrincipal;
import software.amazon.awscdk.services.iam.IPrincipal;
import software.amazon.awscdk.services.iam.IRole;
import software.amazon.awscdk.services.iam.PolicyDocument;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.kms.Key;
import software.constructs.Construct;

/**
 * The KMS key Vault's {@code seal "awskms"} uses to auto-unseal. Rotation is on, and the key is RETAINED when the
 * stack is deleted: Vault's root key is encrypted with it, so without it neither the cluster's data nor any of its
 * Raft snapshots can ever be unsealed again.
 *
 * <p>The key policy is written out instead of CDK's default (which lets any IAM policy in the account use and
 * administer the key). Who may do what:
 * <ul>
 *   <li>the account root (so: IAM policies) only reads the key ({@link #ACCOUNT_READ_ACTIONS}); an IAM
 *       administrator can neither use it nor disable, delete or re-police it;</li>
 *   <li>the key administrators ({@code keyAdmins}; by default the CDK bootstrap's CloudFormation execution role)
 *       hold {@link #ADMIN_ACTIONS}, including the destructive ones;</li>
 *   <li>the CloudFormation execution role always holds {@link #DEPLOY_ACTIONS}: KMS refuses a key policy that does
 *       not let the principal creating it (CloudFormation, acting as that role) call PutKeyPolicy again (the policy
 *       lockout safety check), and later deploys update the policy, rotation, description, tags and alias with it.
 *       So whoever can deploy this stack can change the key policy by a deploy: that is left to the account's own
 *       guardrails (infra/README.md, "Security model");</li>
 *   <li>only the server instance role may Encrypt and Decrypt, and only with credentials delivered to an instance
 *       in the cluster's VPC ({@code aws:Ec2InstanceSourceVPC}).</li>
 * </ul>
 * No statement grants {@code kms:CreateGrant}: a grant would hand out use around this policy.
 */
public final class UnsealKey extends Construct {

    /** The actions Vault's awskms seal performs. */
    public static final List<String> SEAL_ACTIONS = List.of("kms:Encrypt", "kms:Decrypt", "kms:DescribeKey");

    /**
     * What the account (any IAM principal its policies allow) may do: read the key's metadata, policy, rotation
     * status, tags and grants. Nothing that uses, changes or destroys it. The publisher's DescribeKey (its
     * UnsealKeyUsable metric) is allowed through this, by its role's identity policy.
     */
    static final List<String> ACCOUNT_READ_ACTIONS = List.of("kms:DescribeKey", "kms:GetKeyPolicy",
            "kms:GetKeyRotationStatus", "kms:ListResourceTags", "kms:ListKeyPolicies", "kms:ListGrants",
            "kms:ListKeyRotations");

    /**
     * What CloudFormation needs to create and update this key resource and its alias (the deploy role's share when
     * keyAdmins names other administrators). PutKeyPolicy is among them because KMS's lockout safety check requires
     * it of the principal that creates the key.
     */
    static final List<String> DEPLOY_ACTIONS = List.of("kms:DescribeKey", "kms:GetKeyPolicy", "kms:PutKeyPolicy",
            "kms:GetKeyRotationStatus", "kms:EnableKeyRotation", "kms:UpdateKeyDescription", "kms:ListResourceTags",
            "kms:TagResource", "kms:UntagResource", "kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias");

    /**
     * Administration without use: the key administrators' actions. Spelled out rather than {@code kms:Create*}, which
     * would include {@code kms:CreateGrant}.
     */
    static final List<String> ADMIN_ACTIONS = List.of("kms:CreateAlias", "kms:DescribeKey", "kms:EnableKey",
            "kms:EnableKeyRotation", "kms:List*", "kms:PutKeyPolicy", "kms:UpdateAlias", "kms:UpdateKeyDescription",
            "kms:RevokeGrant", "kms:RetireGrant", "kms:DisableKey", "kms:DisableKeyRotation", "kms:Get*",
            "kms:DeleteAlias", "kms:TagResource", "kms:UntagResource", "kms:ScheduleKeyDeletion",
            "kms:CancelKeyDeletion", "kms:RotateKeyOnDemand");

    /** Destructive or policy-changing: never the account root's, only the administrators' (and PutKeyPolicy the deploy role's). */
    static final List<String> DESTRUCTIVE_ACTIONS = List.of("kms:PutKeyPolicy", "kms:DisableKey",
            "kms:ScheduleKeyDeletion", "kms:DisableKeyRotation", "kms:CancelKeyDeletion", "kms:EnableKey",
            "kms:RevokeGrant", "kms:RetireGrant", "kms:RotateKeyOnDemand");

    /** Never granted to anyone by this key's policy but the servers' seal actions: each would let a principal use or re-share the key. */
    static final List<String> NEVER_GRANTED = List.of("kms:CreateGrant", "kms:Encrypt", "kms:Decrypt",
            "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext",
            "kms:GenerateDataKeyPair", "kms:GenerateDataKeyPairWithoutPlaintext");

    /** The global condition key naming the VPC an instance's role credentials were delivered to. */
    public static final String SOURCE_VPC_CONDITION = "aws:Ec2InstanceSourceVPC";

    /** What the key is for, and who administers it (empty: the CloudFormation execution role). */
    public record Props(String clusterName, List<String> keyAdmins, java.util.Optional<String> cloudFormationRole) {
        public Props(String clusterName, List<String> keyAdmins) {
            this(clusterName, keyAdmins, java.util.Optional.empty());
        }

    }

    private final Key key;
    private final String deployRoleArn;

    public UnsealKey(Construct scope, String id, Props props) {
        super(scope, id);
        this.deployRoleArn = props.cloudFormationRole().orElseGet(() -> DeployRole.arn(Stack.of(scope)));
        List<PolicyStatement> statements = administration(scope, "the unseal key", props.keyAdmins(), deployRoleArn);
        this.key = Key.Builder.create(this, "Key")
                .description("Vault auto-unseal key of raft-lifecycle cluster " + props.clusterName())
                .alias("alias/raft-lifecycle/" + props.clusterName() + "/unseal")
                .enableKeyRotation(true)
                .policy(PolicyDocument.Builder.create().statements(statements).build())
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();
    }

    /**
     * The statements every key of this stack starts from (the unseal key, the snapshot key): the account only reads
     * the key, the key administrators ({@code keyAdmins}, or else the CloudFormation execution role) administer it,
     * and with named administrators the execution role keeps only what a deploy needs. Nobody may use the key yet:
     * each key adds its users itself.
     *
     * @param what the key, for the error message ("the unseal key")
     * @param deployRoleArn the role CloudFormation deploys as; null when the synthesizer has none
     */
    static List<PolicyStatement> administration(Construct scope, String what, List<String> keyAdmins,
            String deployRoleArn) {
        if (deployRoleArn == null && keyAdmins.isEmpty()) {
            throw new InvalidConfigurationException(List.of(ClusterConfig.KEY_ADMINS + ": this stack's synthesizer ("
                    + Stack.of(scope).getSynthesizer().getClass().getSimpleName() + ") deploys without the bootstrap's "
                    + "CloudFormation execution role, " + what + "'s default administrator: name the administrators"));
        }
        List<PolicyStatement> statements = new ArrayList<>();
        statements.add(PolicyStatement.Builder.create()
                .sid("AccountReadsButDoesNotUseOrAdminister")
                .principals(List.of(new AccountRootPrincipal()))
                .actions(ACCOUNT_READ_ACTIONS)
                .resources(List.of("*"))
                .build());
        List<IPrincipal> admins = new ArrayList<>();
        if (keyAdmins.isEmpty()) {
            admins.add(new ArnPrincipal(deployRoleArn));
        } else {
            keyAdmins.forEach(arn -> admins.add(new ArnPrincipal(arn)));
            if (deployRoleArn != null) {
                statements.add(PolicyStatement.Builder.create()
                        .sid("CloudFormationDeploysTheKey")
                        .principals(List.of(new ArnPrincipal(deployRoleArn)))
                        .actions(DEPLOY_ACTIONS)
                        .resources(List.of("*"))
                        .build());
            }
        }
        statements.add(PolicyStatement.Builder.create()
                .sid("KeyAdministrators")
                .principals(admins)
                .actions(ADMIN_ACTIONS)
                .resources(List.of("*"))
                .build());
        return statements;
    }

    /**
     * Lets the server instance role use the key for sealing, through the key policy itself, and only with
     * credentials EC2 delivered to an instance in the cluster's VPC: the role's credentials copied off an instance
     * and used elsewhere cannot unseal (or decrypt a snapshot's root key).
     */
    public void allowSealUse(IRole serverRole, String vpcId) {
        key.addToResourcePolicy(PolicyStatement.Builder.create()
                .sid("VaultServersSealAndUnsealFromTheClusterVpc")
                .principals(List.of(serverRole))
                .actions(SEAL_ACTIONS)
                .resources(List.of("*"))
                .conditions(Map.of("StringEquals", Map.of(SOURCE_VPC_CONDITION, vpcId)))
                .build());
    }

    /** Lets the role read the key's state (the publisher's UnsealKeyUsable), through the account's read statement. */
    public void allowDescribe(IRole role) {
        role.addToPrincipalPolicy(PolicyStatement.Builder.create()
                .sid("ReadUnsealKeyState")
                .actions(List.of("kms:DescribeKey"))
                .resources(List.of(key.getKeyArn()))
                .build());
    }

    public Key key() {
        return key;
    }

    /** The CloudFormation execution role named in the key policy (null without one). */
    public String deployRoleArn() {
        return deployRoleArn;
    }
}
