package dev.raftlifecycle.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.contract.Defaults;
import dev.raftlifecycle.decisions.SnapshotSource;
import dev.raftlifecycle.ports.AwsClients;
import dev.raftlifecycle.ports.SnapshotStore;
import dev.raftlifecycle.restore.RestoreCommand;
import dev.raftlifecycle.rig.ClusterSpec;
import dev.raftlifecycle.rig.RaftCluster;
import dev.raftlifecycle.rig.RaftClusterExtension;
import dev.raftlifecycle.rig.Rig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The restore (scripts/restore-snapshot's code, {@link RestoreCommand}) on real clusters of every system
 * ({@link RestoreIT} Vault, {@link ConsulRestoreIT} Consul): a snapshot of the source cluster, taken as the snapshot
 * function takes it ({@link SnapshotTaking}) into a versioned bucket of the emulator's S3, goes into a NEW cluster (Vault:
 * started on the source's KMS key) and every key written before it reads back there with the source's token; an object
 * recorded for another cluster is refused; a target that holds data is refused until the operator confirms.
 * The steps build on each other (one target cluster for the class: starting clusters is the slow part).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class RestoreCases {
    static final int KEYS = 40;
    // One set per test class (PER_CLASS): the Vault and the Consul class may run at the same time.
    private RaftCluster target;
    private String bucket;
    private S3Client s3;
    private final List<String> firstKeys = new ArrayList<>();

    abstract RaftClusterExtension<? extends RaftCluster> fixture();

    /** The new cluster's spec: a fresh, initialized cluster the snapshot can go into (Vault: the source's unseal key). */
    abstract ClusterSpec targetSpec(RaftCluster source);

    /**
     * Whether the new cluster's own admin token still works right after the restore. Vault: no (its root token was in
     * the state the snapshot replaced). Consul: yes (the servers' configured initial management token: the restore
     * re-establishes leadership, which creates it again).
     */
    abstract boolean ownTokenAfterRestore();

    RaftCluster source() {
        return fixture().cluster();
    }

    synchronized RaftCluster target() {
        if (target == null) {
            target = Rig.shared().start(source().system(), targetSpec(source()));
        }
        return target;
    }

    /** A versioned bucket, as the stack creates it. */
    synchronized String bucket() {
        if (bucket == null) {
            bucket = "rig-restore-" + UUID.randomUUID().toString().substring(0, 8);
            s3 = new AwsClients(Rig.REGION.id(), Optional.of(Rig.shared().motoEndpoint()),
                    StaticCredentialsProvider.create(Rig.shared().adminCredentials())).s3();
            s3.createBucket(r -> r.bucket(bucket));
            s3.putBucketVersioning(r -> r.bucket(bucket).versioningConfiguration(v -> v.status("Enabled")));
        }
        return bucket;
    }

    /** A snapshot of the source as the snapshot function takes it, recording {@code recordedCluster} as the cluster. */
    SnapshotStore.Stored snapshot(String recordedCluster) throws Exception {
        String name = bucket();
        return SnapshotTaking.take(source(), s3, name, Defaults.SNAPSHOT_KEY_PREFIX + recordedCluster + "/", recordedCluster);
    }

    @AfterAll
    void stopTarget() {
        if (target != null) {
            target.close();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    record Run(int exitCode, String out, String err) {
    }

    /** RestoreCommand as the script runs it into the target, pointed at the emulator's S3, the token in the environment. */
    Run restore(String token, String... extra) throws Exception {
        return restore(target(), token, extra);
    }

    Run restore(RaftCluster into, String token, String... extra) throws Exception {
        Path ca = Files.createTempFile("restore-ca", ".pem");
        Files.writeString(ca, into.caPem());
        List<String> args = new ArrayList<>(List.of("--system", into.system().value(), "--cluster", source().name(),
                "--bucket", bucket(), "--address", into.awaitLeader(Duration.ofSeconds(30)).ip(),
                "--port", Integer.toString(into.apiPort()), "--ca-file", ca.toString(),
                "--tls-server-name", into.tlsServerName(), "--confirm-timeout", "120"));
        args.addAll(List.of(extra));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = RestoreCommand.run(args.toArray(String[]::new),
                Map.of(RestoreCommand.TOKEN_ENV, token, "AWS_REGION", Rig.REGION.id()),
                Optional.of(Rig.shared().motoEndpoint()), StaticCredentialsProvider.create(Rig.shared().adminCredentials()),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        Run run = new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        assertThat(run.err()).as("the token never shows").doesNotContain(token);
        return run;
    }

    List<String> writeKeys(String prefix) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < KEYS; i++) {
            String key = prefix + "-" + i;
            assertThat(source().kvPut(key, "v-" + key)).as("write " + key).isTrue();
            keys.add(key);
        }
        return keys;
    }

    @Test
    @Order(1)
    void refusesASnapshotRecordedForAnotherCluster() throws Exception {
        writeKeys("foreign");
        snapshot("someone-else");
        // The operator pointed at the wrong cluster's snapshots: the object says whose it is.
        Run run = restore(target().adminToken(), "--prefix", Defaults.SNAPSHOT_KEY_PREFIX + "someone-else/");
        assertThat(run.exitCode()).as(run.err()).isEqualTo(4);
        assertThat(run.err()).contains("the snapshot is of cluster someone-else, not " + source().name());
        assertThat(target().kvGet("foreign-0")).as("nothing went in").isEmpty();
    }

    @Test
    @Order(2)
    void restoresIntoANewClusterAndEveryKeyWrittenBeforeTheSnapshotReadsBack() throws Exception {
        firstKeys.addAll(writeKeys("first"));
        SnapshotStore.Stored taken = snapshot(source().name());
        Run run = restore(target().adminToken());
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).startsWith("restored s3://" + bucket() + "/" + taken.key() + " (version "
                + taken.versionId().orElseThrow() + ", raft index "
                + taken.target().metadata().get(SnapshotSource.META_INDEX) + ",");
        // The restored cluster answers with the source's tokens now. Its own admin token: see ownTokenAfterRestore.
        assertThat(target().kvGet(firstKeys.get(0)).isPresent()).as("read with the new cluster's own token")
                .isEqualTo(ownTokenAfterRestore());
        target().adoptAdminToken(source().adminToken());
        for (String key : firstKeys) {
            assertThat(target().kvGet(key)).as(key).contains("v-" + key);
        }
    }

    @Test
    @Order(3)
    void refusesATargetThatHoldsDataUntilTheOperatorConfirms() throws Exception {
        assertThat(target().kvGet(firstKeys.get(0))).as("the target holds the first restore's data").isPresent();
        List<String> later = writeKeys("later");
        snapshot(source().name());
        Run refused = restore(source().adminToken());
        assertThat(refused.exitCode()).as(refused.err()).isEqualTo(4);
        assertThat(refused.err()).contains("the target holds data").contains("--replace-data");
        assertThat(target().kvGet(later.get(0))).as("nothing went in").isEmpty();

        Run confirmed = restore(source().adminToken(), "--replace-data");
        assertThat(confirmed.exitCode()).as(confirmed.err()).isZero();
        for (String key : later) {
            assertThat(target().kvGet(key)).as(key).contains("v-" + key);
        }
    }
}
