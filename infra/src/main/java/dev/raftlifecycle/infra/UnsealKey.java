package dev.raftlifecycle.infra;

import java.util.List;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.iam.AccountRootPrincipal;
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
 * <p>The key policy is written out instead of CDK's default (which lets any IAM policy in the account use the key):
 * the account root may administer the key (including DescribeKey, which CloudFormation needs) but not use it or
 * create grants on it, and only the server instance role may Encrypt and Decrypt. IAM policies therefore cannot
 * give anyone else cryptographic use of the key.
 */
public final class UnsealKey extends Construct {

    /** The actions Vault's awskms seal performs. */
    public static final List<String> SEAL_ACTIONS = List.of("kms:Encrypt", "kms:Decrypt", "kms:DescribeKey");

    /**
     * Administration without use: what the account (and so CloudFormation) needs to manage the key. Spelled out
     * rather than {@code kms:Create*}, which would include {@code kms:CreateGrant}: a grant is a way to hand out
     * Encrypt/Decrypt around this policy. {@code kms:DescribeKey} stays: CloudFormation's read of the key resource
     * needs it, and it reveals metadata only (no cryptographic use).
     */
    static final List<String> ADMIN_ACTIONS = List.of("kms:CreateAlias", "kms:DescribeKey", "kms:EnableKey",
            "kms:EnableKeyRotation", "kms:List*", "kms:PutKeyPolicy", "kms:UpdateAlias", "kms:UpdateKeyDescription",
            "kms:RevokeGrant", "kms:RetireGrant", "kms:DisableKey", "kms:DisableKeyRotation", "kms:Get*",
            "kms:DeleteAlias", "kms:TagResource", "kms:UntagResource", "kms:ScheduleKeyDeletion",
            "kms:CancelKeyDeletion", "kms:RotateKeyOnDemand");

    /** Never granted to anyone by this key's policy: each would let a principal use or re-share the key. */
    static final List<String> NEVER_GRANTED = List.of("kms:CreateGrant", "kms:Encrypt", "kms:Decrypt",
            "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext",
            "kms:GenerateDataKeyPair", "kms:GenerateDataKeyPairWithoutPlaintext");

    /** What the key is for. */
    public record Props(String clusterName) {
    }

    private final Key key;

    public UnsealKey(Construct scope, String id, Props props) {
        super(scope, id);
        PolicyDocument policy = PolicyDocument.Builder.create()
                .statements(List.of(PolicyStatement.Builder.create()
                        .sid("AccountAdministersButDoesNotUse")
                        .principals(List.of(new AccountRootPrincipal()))
                        .actions(ADMIN_ACTIONS)
                        .resources(List.of("*"))
                        .build()))
                .build();
        this.key = Key.Builder.create(this, "Key")
                .description("Vault auto-unseal key of raft-lifecycle cluster " + props.clusterName())
                .alias("alias/raft-lifecycle/" + props.clusterName() + "/unseal")
                .enableKeyRotation(true)
                .policy(policy)
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();
    }

    /** Lets the server instance role use the key for sealing, through the key policy itself. */
    public void allowSealUse(IRole serverRole) {
        key.addToResourcePolicy(PolicyStatement.Builder.create()
                .sid("VaultServersSealAndUnseal")
                .principals(List.of(serverRole))
                .actions(SEAL_ACTIONS)
                .resources(List.of("*"))
                .build());
    }

    public Key key() {
        return key;
    }
}
