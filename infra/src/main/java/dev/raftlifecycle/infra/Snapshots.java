package dev.raftlifecycle.infra;

import dev.raftlifecycle.contract.Defaults;
import dev.raftlifecycle.contract.HandlerNames;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.CfnElement;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.events.Rule;
import software.amazon.awscdk.services.events.Schedule;
import software.amazon.awscdk.services.events.targets.LambdaFunction;
import software.amazon.awscdk.services.iam.AnyPrincipal;
import software.amazon.awscdk.services.iam.ArnPrincipal;
import software.amazon.awscdk.services.iam.IPrincipal;
import software.amazon.awscdk.services.iam.PolicyDocument;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.kms.Key;
import software.amazon.awscdk.services.s3.BlockPublicAccess;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.BucketEncryption;
import software.amazon.awscdk.services.s3.LifecycleRule;
import software.amazon.awscdk.services.s3.ObjectOwnership;
import software.constructs.Construct;

/**
 * Raft snapshots to S3: the bucket, its KMS key, the snapshot function and its schedule, and what the health
 * publisher needs to report the newest snapshot's age (SnapshotAgeSeconds).
 *
 * <p>A snapshot holds every secret of the cluster (encrypted by Vault's barrier, whose root key the unseal key
 * decrypts; Consul's snapshot holds its ACL tokens in the clear): a snapshot plus the unseal key is the whole
 * cluster. So the bucket is as closed as the secrets:
 * <ul>
 *   <li>objects are encrypted with a key of this stack whose policy, like the unseal key's, lets the account only
 *       read the key and the key administrators only administer it; only the snapshot function (to write) and
 *       {@code breakGlassPrincipals} (to read) may use it, and only through S3 ({@code kms:ViaService});</li>
 *   <li>the bucket policy denies reading and deleting objects to everyone but {@code breakGlassPrincipals}, and
 *       writing to everyone but the snapshot function's role, whatever their IAM policies say; the function itself
 *       may write only under {@code snapshots/<cluster>/} (its identity policy), and a write that asks for another
 *       encryption than SSE-KMS with this key is denied;</li>
 *   <li>versioning keeps an overwritten or deleted snapshot for the retention period; the lifecycle rules expire
 *       snapshots after {@code snapshotRetentionDays} (they become noncurrent versions behind a delete marker), remove
 *       noncurrent versions {@code snapshotRetentionDays} after that and then their delete markers, and abort
 *       unfinished multipart uploads after a day; bucket and key are RETAINED when the stack is deleted.</li>
 * </ul>
 */
public final class Snapshots extends Construct {

    /** Lambda's maximum: a large snapshot streams from the leader to S3 part by part. */
    public static final int TIMEOUT_SECONDS = 900;
    /** One snapshot at a time: a scheduled run never overlaps an on-demand one (the later waits, throttled). */
    public static final int CONCURRENCY = 1;
    /** A failed snapshot is tried once more by Lambda; the next tick takes a new one anyway. */
    public static final int RETRY_ATTEMPTS = 1;
    /** Unfinished multipart uploads (a function that timed out) are aborted after this many days. */
    public static final int ABORT_INCOMPLETE_UPLOAD_DAYS = 1;

    /** What the snapshot function may do with objects under its prefix: a multipart upload, and its cleanup. */
    public static final List<String> WRITE_ACTIONS = List.of("s3:PutObject", "s3:AbortMultipartUpload",
            "s3:ListMultipartUploadParts");
    /** What S3 asks of KMS for an SSE-KMS multipart upload on the caller's behalf. */
    public static final List<String> KEY_WRITE_ACTIONS = List.of("kms:GenerateDataKey", "kms:Decrypt");
    /** Reading a snapshot: denied by the bucket policy to everyone but breakGlassPrincipals. */
    public static final List<String> READ_ACTIONS = List.of("s3:GetObject", "s3:GetObjectVersion");
    /** Writing an object: denied by the bucket policy to everyone but the snapshot function's role. */
    public static final List<String> BUCKET_WRITE_ACTIONS = List.of("s3:PutObject");
    /** Deleting a snapshot or a version of it: denied to everyone but breakGlassPrincipals (the lifecycle rule expires them). */
    public static final List<String> DELETE_ACTIONS = List.of("s3:DeleteObject", "s3:DeleteObjectVersion");
    /** The publisher lists the cluster's prefix (and nothing else) for the newest snapshot's age. */
    public static final List<String> LIST_ACTIONS = List.of("s3:ListBucket");

    /** What the snapshots are taken of and by. */
    public record Props(ClusterConfig config, LifecycleAutomation automation) {
    }

    private final ClusterConfig config;
    private final Key key;
    private final Bucket bucket;
    private final LifecycleAutomation.Handler function;
    private final Optional<Rule> schedule;

    public Snapshots(Construct scope, String id, Props props) {
        super(scope, id);
        this.config = props.config();
        LifecycleAutomation automation = props.automation();
        String system = config.consul() ? "Consul" : "Vault";

        List<PolicyStatement> keyPolicy = new ArrayList<>(UnsealKey.administration(this, "the snapshot key",
                config.keyAdmins(), DeployRole.arn(Stack.of(this), config)));
        this.key = Key.Builder.create(this, "Key")
                .description(system + " Raft snapshots of raft-lifecycle cluster " + config.clusterName())
                .alias("alias/raft-lifecycle/" + config.clusterName() + "/snapshots")
                .enableKeyRotation(true)
                .policy(PolicyDocument.Builder.create().statements(keyPolicy).build())
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();

        this.bucket = Bucket.Builder.create(this, "Bucket")
                .encryption(BucketEncryption.KMS)
                .encryptionKey(key)
                // One data key per bucket and period instead of one KMS call per object part.
                .bucketKeyEnabled(true)
                .versioned(true)
                .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
                .enforceSsl(true)
                .objectOwnership(ObjectOwnership.BUCKET_OWNER_ENFORCED)
                .lifecycleRules(List.of(LifecycleRule.builder()
                        .id("ExpireSnapshots")
                        .enabled(true)
                        .expiration(Duration.days(config.snapshotRetentionDays()))
                        .noncurrentVersionExpiration(Duration.days(config.snapshotRetentionDays()))
                        .abortIncompleteMultipartUploadAfter(Duration.days(ABORT_INCOMPLETE_UPLOAD_DAYS))
                        .build(),
                        // An expired snapshot leaves a delete marker over its noncurrent version; once that version
                        // is gone too, the marker is removed (S3 allows this only in a rule of its own).
                        LifecycleRule.builder()
                                .id("RemoveExpiredDeleteMarkers")
                                .enabled(true)
                                .expiredObjectDeleteMarker(true)
                                .build()))
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();
        Suppressions.accept(bucket, "AwsSolutions-S1", "Server access logs would need a bucket of their own that "
                + "records who read which snapshot no better than CloudTrail's S3 data events, which infra/README.md "
                + "(Snapshots) asks the account to enable for this bucket; reads are denied to all but "
                + "breakGlassPrincipals by the bucket policy.");

        this.function = automation.handler(this, "Snapshot", HandlerNames.SNAPSHOT,
                "Takes a Raft snapshot from the active node and streams it to the snapshot bucket",
                TIMEOUT_SECONDS, LambdaEnvironment.snapshot(config, automation.caPem(),
                        automation.lockTable().getTableName(), bucket.getBucketName(), key.getKeyArn()),
                CONCURRENCY, automation.publisherDeadLetters(), RETRY_ATTEMPTS, Duration.hours(1));
        // It finds the servers like every observer (the groups' instances) from their own health answers; it takes
        // no lock and reads or writes no lock-table record (its environment names the table only because every
        // handler's runtime requires the setting).
        automation.grantInventoryReads(function.role());
        function.role().addToPrincipalPolicy(PolicyStatement.Builder.create()
                .sid("WriteSnapshotsOfThisCluster")
                .actions(WRITE_ACTIONS)
                .resources(List.of(bucket.arnForObjects(keyPrefix() + "*")))
                .build());
        Suppressions.accept(function.role(), "AwsSolutions-IAM5", "Snapshot objects are named by the time they are "
                + "taken: the wildcard stands for the object names under this cluster's prefix, and only for the "
                + "multipart upload actions.", List.of("Resource::<" + logicalId(bucket) + ".Arn>/" + keyPrefix() + "*"));

        key.addToResourcePolicy(PolicyStatement.Builder.create()
                .sid("SnapshotFunctionEncryptsThroughS3")
                .principals(List.of(function.role()))
                .actions(KEY_WRITE_ACTIONS)
                .resources(List.of("*"))
                .conditions(Map.of("StringEquals", Map.of("kms:ViaService", s3Service())))
                .build());
        if (!config.breakGlassPrincipals().isEmpty()) {
            key.addToResourcePolicy(PolicyStatement.Builder.create()
                    .sid("BreakGlassDecryptsSnapshotsThroughS3")
                    .principals(principals(config.breakGlassPrincipals()))
                    .actions(List.of("kms:Decrypt"))
                    .resources(List.of("*"))
                    .conditions(Map.of("StringEquals", Map.of("kms:ViaService", s3Service())))
                    .build());
        }

        String objects = bucket.arnForObjects("*");
        bucket.addToResourcePolicy(denyUnless("OnlyBreakGlassReadsSnapshots", READ_ACTIONS, objects,
                config.breakGlassPrincipals()));
        bucket.addToResourcePolicy(denyUnless("OnlyTheSnapshotFunctionWrites", BUCKET_WRITE_ACTIONS, objects,
                List.of(function.role().getRoleArn())));
        bucket.addToResourcePolicy(denyUnless("OnlyBreakGlassDeletesSnapshots", DELETE_ACTIONS, objects,
                config.breakGlassPrincipals()));
        // Every snapshot under the snapshot key, so that the key policy, not only this bucket policy, decides who can
        // read one: a write may leave the encryption to the bucket's default or name this key, nothing else.
        bucket.addToResourcePolicy(denyWhenHeader("OnlySseKms", "s3:x-amz-server-side-encryption", "aws:kms", objects));
        bucket.addToResourcePolicy(denyWhenHeader("OnlyTheSnapshotKey", "s3:x-amz-server-side-encryption-aws-kms-key-id",
                key.getKeyArn(), objects));

        // The publisher reports the newest snapshot's age: it lists this cluster's prefix, and reads no object.
        LifecycleAutomation.Handler publisher = automation.publisher();
        publisher.function().addEnvironment(LambdaEnvironment.SNAPSHOT_BUCKET, bucket.getBucketName());
        publisher.role().addToPrincipalPolicy(PolicyStatement.Builder.create()
                .sid("ListSnapshotsOfThisCluster")
                .actions(LIST_ACTIONS)
                .resources(List.of(bucket.getBucketArn()))
                .conditions(Map.of("StringLike", Map.of("s3:prefix", keyPrefix() + "*")))
                .build());

        this.schedule = config.scheduledSnapshots() ? Optional.of(Rule.Builder.create(this, "Schedule")
                .description("raft-lifecycle " + config.clusterName() + ": a Raft snapshot every "
                        + config.snapshotIntervalMinutes() + " minutes")
                .schedule(Schedule.expression(rate(config.snapshotIntervalMinutes())))
                .targets(List.of(LambdaFunction.Builder.create(function.alias())
                        .deadLetterQueue(automation.publisherDeadLetters())
                        .retryAttempts(0)
                        .maxEventAge(Duration.hours(1))
                        .build()))
                .build()) : Optional.empty();
    }

    /** An EventBridge rate expression in minutes, as written in the docs: {@code rate(1 minute)}, {@code rate(60 minutes)}. */
    static String rate(int minutes) {
        return "rate(" + minutes + (minutes == 1 ? " minute)" : " minutes)");
    }

    /** Where this cluster's snapshots go: {@code snapshots/<cluster>/}. */
    public String keyPrefix() {
        return Defaults.SNAPSHOT_KEY_PREFIX + config.clusterName() + "/";
    }

    private static String s3Service() {
        return "s3." + Aws.REGION + ".amazonaws.com";
    }

    private static List<IPrincipal> principals(List<String> arns) {
        return arns.stream().map(arn -> (IPrincipal) new ArnPrincipal(arn)).toList();
    }

    /** Denies the actions to every principal whose aws:PrincipalArn is not one of these (everyone, for none). */
    private static PolicyStatement denyUnless(String sid, List<String> actions, String resource, List<String> allowed) {
        PolicyStatement.Builder statement = PolicyStatement.Builder.create()
                .sid(sid)
                .effect(software.amazon.awscdk.services.iam.Effect.DENY)
                .principals(List.of(new AnyPrincipal()))
                .actions(actions)
                .resources(List.of(resource));
        if (!allowed.isEmpty()) {
            statement.conditions(Map.of("StringNotEquals", Map.of("aws:PrincipalArn", allowed)));
        }
        return statement.build();
    }

    /** Denies PutObject to everyone when the request sets this header to anything but {@code allowed}. */
    private static PolicyStatement denyWhenHeader(String sid, String conditionKey, String allowed, String resource) {
        return PolicyStatement.Builder.create()
                .sid(sid)
                .effect(software.amazon.awscdk.services.iam.Effect.DENY)
                .principals(List.of(new AnyPrincipal()))
                .actions(BUCKET_WRITE_ACTIONS)
                .resources(List.of(resource))
                .conditions(Map.of(
                        "Null", Map.of(conditionKey, "false"),
                        "StringNotEquals", Map.of(conditionKey, allowed)))
                .build();
    }

    private String logicalId(Bucket b) {
        Stack stack = Stack.of(this);
        return (String) stack.resolve(stack.getLogicalId((CfnElement) b.getNode().getDefaultChild()));
    }

    public Key key() {
        return key;
    }

    public Bucket bucket() {
        return bucket;
    }

    /** The snapshot function (its function, alias, role and log group). */
    public LifecycleAutomation.Handler function() {
        return function;
    }

    /** The schedule rule; empty with snapshotIntervalMinutes 0 (on demand only). */
    public Optional<Rule> schedule() {
        return schedule;
    }
}
