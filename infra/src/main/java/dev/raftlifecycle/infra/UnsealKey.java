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
 * the account root may administer the key but not use it, and only the server instance role may Encrypt, Decrypt
 * and DescribeKey. IAM policies therefore cannot grant anyone else cryptographic use of the key.
 */
public final class UnsealKey extends Construct {

    /** The actions Vault's awskms seal performs. */
    public static final List<String> SEAL_ACTIONS = List.of("kms:Encrypt", "kms:Decrypt", "kms:DescribeKey");

    /** Administration without use: what the account (and so CloudFormation) needs to manage the key. */
    static final List<String> ADMIN_ACTIONS = List.of("kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*",
            "kms:Put*", "kms:Update*", "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource",
            "kms:UntagResource", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion", "kms:RotateKeyOnDemand");

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
