package dev.raftlifecycle.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raftlifecycle.config.Settings;
import dev.raftlifecycle.contract.HandlerNames;
import dev.raftlifecycle.contract.MetricName;
import dev.raftlifecycle.decisions.SnapshotArchive;
import dev.raftlifecycle.decisions.SnapshotSource;
import dev.raftlifecycle.handlers.HandlerRuntime;
import dev.raftlifecycle.handlers.HealthPublisherHandler;
import dev.raftlifecycle.handlers.SnapshotHandler;
import dev.raftlifecycle.observation.ClusterSessions;
import dev.raftlifecycle.ports.AwsClients;
import dev.raftlifecycle.ports.ClusterPort;
import dev.raftlifecycle.ports.SnapshotStore;
import dev.raftlifecycle.ports.SnapshotVerifier;
import dev.raftlifecycle.rig.RaftCluster;
import dev.raftlifecycle.rig.RaftClusterExtension;
import dev.raftlifecycle.rig.RaftNode;
import dev.raftlifecycle.rig.Rig;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The snapshot function on a real 3-server cluster of every system ({@link SnapshotIT} Vault, {@link ConsulSnapshotIT}
 * Consul), writing into the emulator's S3 with the identity policy the stack deploys for it (moto enforces S3's object
 * ARNs): a snapshot lands as a valid archive whose metadata is what the archive holds; one of several parts completes;
 * no leader, no object (and the publisher's SnapshotAgeSeconds grows); a stream that breaks mid-way leaves no object and
 * no open upload, and so does one that ends early but cleanly (snapshot-incomplete: the archive is verified as it
 * streams, and a real one verifies); the role cannot write outside its cluster's prefix.
 */
abstract class SnapshotCases {
    static final Duration LAMBDA_TIME = Duration.ofMinutes(5);
    private static final ObjectMapper JSON = new ObjectMapper();

    RaftCluster cluster;
    HandlerHarness harness;
    PublishedMetrics published;
    String bucket;
    String clusterName;
    S3Client admin;

    abstract RaftClusterExtension<? extends RaftCluster> fixture();

    /** The leader's last Raft index and term as the system reports them (autopilot's view). */
    abstract long[] leaderIndexAndTerm();

    @BeforeEach
    void setUp() {
        cluster = fixture().cluster();
        String run = UUID.randomUUID().toString().substring(0, 8);
        String namespace = "RaftLifecycleIT/snapshot/" + cluster.system().value() + "/" + run;
        clusterName = cluster.name() + "-" + run;
        bucket = "raft-snapshots-" + run;
        admin = new AwsClients(Rig.REGION.id(), Optional.of(cluster.rig().motoEndpoint()),
                StaticCredentialsProvider.create(cluster.rig().adminCredentials())).s3();
        admin.createBucket(b -> b.bucket(bucket));
        published = new PublishedMetrics(cluster.rig(), namespace, clusterName);
        // The policies the stack synthesizes (the snapshot function's writes, the publisher's listing), bound to this
        // test's bucket and cluster name.
        cluster.rig().iamRoles().bindSnapshotBucket(bucket, clusterName);
        harness = new HandlerHarness(cluster).with(Settings.METRICS_NAMESPACE, namespace)
                .with(Settings.CLUSTER_NAME, clusterName).with(Settings.SNAPSHOT_BUCKET, bucket);
    }

    @AfterEach
    void heal() {
        cluster.heal(Duration.ofSeconds(120));
    }

    List<S3Object> objects() {
        return admin.listObjectsV2(l -> l.bucket(bucket).prefix("snapshots/")).contents();
    }

    int openUploads() {
        return admin.listMultipartUploads(l -> l.bucket(bucket)).uploads().size();
    }

    @Test
    void aSnapshotLandsInS3AsAValidArchiveWhoseMetadataIsWhatTheArchiveHolds() throws Exception {
        assertThat(cluster.kvPut("snapshot/marker", "before-the-snapshot")).isTrue();
        long[] before = leaderIndexAndTerm();
        RaftNode leader = cluster.awaitLeader(Duration.ofSeconds(30));

        SnapshotHandler.Outcome outcome = harness.snapshot().run(LAMBDA_TIME);

        assertThat(outcome.taken()).as(outcome.detail()).isTrue();
        assertThat(outcome.reason()).isEqualTo("snapshot-taken");
        assertThat(outcome.node()).isEqualTo(leader.instanceId());
        assertThat(outcome.key()).matches("snapshots/" + clusterName + "/\\d{8}T\\d{6}Z-" + outcome.index() + "\\.snap");
        assertThat(objects()).extracting(S3Object::key).containsExactly(outcome.key());
        byte[] object = admin.getObjectAsBytes(g -> g.bucket(bucket).key(outcome.key())).asByteArray();
        assertThat((long) object.length).isEqualTo(outcome.bytes());
        // The test's own reading of the archive: its entries, their checksums, meta.json.
        Map<String, byte[]> entries = untar(object);
        assertArchiveEntries(entries);
        String sums = new String(entries.get("SHA256SUMS"), StandardCharsets.UTF_8);
        for (String name : List.of("meta.json", "state.bin")) {
            String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(entries.get(name)));
            assertThat(sums).contains(sha + "  " + name);
        }
        JsonNode meta = JSON.readTree(entries.get("meta.json"));
        long index = meta.path("Index").asLong(-1);
        long term = meta.path("Term").asLong(-1);
        assertThat(outcome.index()).isEqualTo(index);
        assertThat(outcome.term()).isEqualTo(term);
        HeadObjectResponse head = admin.headObject(h -> h.bucket(bucket).key(outcome.key()));
        assertThat(head.metadata()).containsEntry(SnapshotSource.META_INDEX, Long.toString(index))
                .containsEntry(SnapshotSource.META_TERM, Long.toString(term))
                .containsEntry(SnapshotSource.META_NODE, leader.instanceId())
                .containsEntry(SnapshotSource.META_CLUSTER, clusterName)
                .containsEntry(SnapshotSource.META_SYSTEM, cluster.system().value());
        // Close to the cluster's own index: not behind what it had before, not far ahead of what it reports after.
        cluster.await("autopilot's index reaches the snapshot's", Duration.ofSeconds(30),
                () -> leaderIndexAndTerm()[0] >= index);
        long[] after = leaderIndexAndTerm();
        assertThat(index).isBetween(before[0], after[0]);
        assertThat(after[0] - index).isLessThan(200);
        assertThat(term).isEqualTo(after[1]);
        // The real archive's head, read by the function's own parser.
        byte[] headBytes = java.util.Arrays.copyOf(object, Math.min(object.length, SnapshotArchive.HEAD_BYTES));
        assertThat(SnapshotArchive.read(headBytes, headBytes.length))
                .isEqualTo(new SnapshotArchive.Meta(meta.path("ID").asText(), index, term, meta.path("Version").asInt()));
        assertThat(openUploads()).isZero();
        String line = harness.log.stream().filter(l -> l.contains("\"event\":\"snapshot-taken\"")).findFirst().orElseThrow();
        JsonNode decision = JSON.readTree(line);
        assertThat(decision.path("key").asText()).isEqualTo(outcome.key());
        assertThat(decision.path("index").asLong()).isEqualTo(index);
        assertThat(decision.path("term").asLong()).isEqualTo(term);
        assertThat(decision.path(MetricName.SNAPSHOT_BYTES.metricName()).asDouble()).isEqualTo((double) object.length);
        assertThat(decision.path(MetricName.SNAPSHOT_DURATION_MS.metricName()).asDouble()).isPositive();
        assertThat(harness.uncheckedLinesWithSecrets()).isEmpty();
    }

    @Test
    void aSnapshotOfSeveralPartsCompletes() throws Exception {
        // ~11 MiB of incompressible values: the archive is over two 5 MiB parts.
        Random random = new Random(31);
        for (int i = 0; i < 48; i++) {
            byte[] raw = new byte[170 * 1024];
            random.nextBytes(raw);
            String value = Base64.getEncoder().encodeToString(raw);
            int n = i;
            cluster.await("bulk value " + n + " written", Duration.ofSeconds(20),
                    () -> cluster.kvPut("snapshot/bulk-" + n, value));
        }
        harness.with(Settings.SNAPSHOT_PART_BYTES, Integer.toString(SnapshotStore.MIN_PART_BYTES));

        SnapshotHandler.Outcome outcome = harness.snapshot().run(LAMBDA_TIME);

        assertThat(outcome.taken()).as(outcome.detail()).isTrue();
        assertThat(outcome.parts()).isGreaterThanOrEqualTo(2);
        assertThat(outcome.bytes()).isGreaterThan((long) SnapshotStore.MIN_PART_BYTES);
        byte[] object = admin.getObjectAsBytes(g -> g.bucket(bucket).key(outcome.key())).asByteArray();
        assertThat((long) object.length).isEqualTo(outcome.bytes());
        assertArchiveEntries(untar(object));
        assertThat(openUploads()).isZero();
    }

    @Test
    void withoutALeaderNoSnapshotIsTakenAndThePublishersSnapshotAgeGrows() throws Exception {
        SnapshotHandler.Outcome taken = harness.snapshot().run(LAMBDA_TIME);
        assertThat(taken.taken()).as(taken.reason() + ": " + taken.detail()).isTrue();
        HealthPublisherHandler.Outcome first = harness.publisher().run(Duration.ofMinutes(1));
        assertThat(first.metrics()).containsKey(MetricName.SNAPSHOT_AGE_SECONDS.metricName());
        double firstAge = first.metrics().get(MetricName.SNAPSHOT_AGE_SECONDS.metricName());
        long firstAt = System.nanoTime();
        assertThat(firstAge).isBetween(0.0, 120.0);
        List<RaftNode> killed = List.copyOf(cluster.runningNodes().subList(0, 2));
        killed.forEach(RaftNode::kill);
        SnapshotHandler.Outcome refused;
        HealthPublisherHandler.Outcome later;
        try {
            // The survivor gives up leadership once it has lost its quorum (Raft's leader lease).
            cluster.await("no node leads", Duration.ofSeconds(40), () -> cluster.leader().isEmpty());
            refused = harness.snapshot().run(LAMBDA_TIME);
            // The age is counted in whole seconds (S3's LastModified has no more): a later reading needs a later second.
            long waited = Duration.ofNanos(System.nanoTime() - firstAt).toMillis();
            Thread.sleep(Math.max(0, 2100 - waited));
            later = harness.publisher().run(Duration.ofMinutes(1));
        } finally {
            killed.forEach(RaftNode::restart); // as a reboot would: the same data, and the quorum back
            // Until a leader serves writes again (a new active node takes a few seconds after its election).
            cluster.await("the cluster takes writes again", Duration.ofSeconds(120),
                    () -> cluster.kvPut("snapshot/after-restart", "x"));
            cluster.awaitLeader(Duration.ofSeconds(30));
        }

        assertThat(refused.taken()).isFalse();
        assertThat(refused.reason()).as(refused.detail()).isEqualTo("no-leader");
        assertThat(objects()).hasSize(1);
        assertThat(openUploads()).isZero();
        assertThat(harness.log).anySatisfy(l -> assertThat(l).contains("\"event\":\"snapshot-not-taken\"")
                .contains("\"Reason\":\"no-leader\"").contains("\"SnapshotsNotTaken\":1.0"));
        assertThat(later.metrics().get(MetricName.SNAPSHOT_AGE_SECONDS.metricName())).isGreaterThan(firstAge);
        assertThat(published.readBack(MetricName.SNAPSHOT_AGE_SECONDS, "Maximum")).isPresent();
    }

    /**
     * Binding the bucket changes only the statements that name it: the publisher's lock-table records stay reachable
     * for any cluster (the rig's role is shared with the classes running beside this one; a binding that resolved
     * every placeholder to this test's cluster once took their leader records away).
     */
    @Test
    void bindingTheBucketKeepsThePublishersRecordsForAnyOtherCluster() {
        HandlerHarness other = new HandlerHarness(cluster).with(Settings.CLUSTER_NAME, clusterName + "-other")
                .with(Settings.METRICS_NAMESPACE, "RaftLifecycleIT/snapshot/other");
        assertThat(other.publisher().run(Duration.ofMinutes(1)).leaderChanges()).isNull(); // the baseline
        assertThat(other.publisher().run(Duration.ofMinutes(1)).leaderChanges()).isZero();
    }

    @Test
    void withoutAnyObjectThePublisherReportsTheRetentionPeriodAsTheAge() {
        HealthPublisherHandler.Outcome outcome = harness.publisher().run(Duration.ofMinutes(1));
        assertThat(outcome.metrics()).containsEntry(MetricName.SNAPSHOT_AGE_SECONDS.metricName(),
                dev.raftlifecycle.decisions.SnapshotAge.NEVER_SECONDS);
        // Without the bucket setting, no SnapshotAgeSeconds at all.
        HandlerHarness plain = new HandlerHarness(cluster).with(Settings.CLUSTER_NAME, clusterName)
                .with(Settings.METRICS_NAMESPACE, "RaftLifecycleIT/snapshot/none");
        assertThat(plain.publisher().run(Duration.ofMinutes(1)).metrics())
                .doesNotContainKey(MetricName.SNAPSHOT_AGE_SECONDS.metricName());
    }

    @Test
    void aStreamThatBreaksAfterTheFirstPartLeavesNoObjectAndNoOpenUpload() throws Exception {
        Random random = new Random(32);
        for (int i = 0; i < 40; i++) { // enough for more than one 5 MiB part
            byte[] raw = new byte[170 * 1024];
            random.nextBytes(raw);
            String value = Base64.getEncoder().encodeToString(raw);
            int n = i;
            cluster.await("bulk value " + n + " written", Duration.ofSeconds(20),
                    () -> cluster.kvPut("snapshot/broken-" + n, value));
        }
        harness.with(Settings.SNAPSHOT_PART_BYTES, Integer.toString(SnapshotStore.MIN_PART_BYTES));
        HandlerRuntime runtime = harness.runtime(HandlerNames.SNAPSHOT_NAME);
        RaftNode leader = cluster.awaitLeader(Duration.ofSeconds(30));
        ClusterSessions sessions = new ClusterSessions(runtime.settings(), runtime.cluster(), runtime.credentials(),
                Clock.systemUTC(), dev.raftlifecycle.contract.VaultAccess.SNAPSHOT_ROLE);
        ClusterPort.Session session = sessions.current(leader.ip());
        String key = "snapshots/" + clusterName + "/broken.snap";
        SnapshotStore store = runtime.snapshots().orElseThrow();

        assertThatThrownBy(() -> runtime.cluster().snapshot(leader.ip(), session, Duration.ofSeconds(10),
                Duration.ofMinutes(2), body -> store.upload(new CutAfter(body, SnapshotStore.MIN_PART_BYTES + 1000, true),
                        (h, n) -> new SnapshotStore.Target(key, Map.of("raft-index", "0"))))).isInstanceOfSatisfying(
                SnapshotStore.UploadFailed.class, e -> {
                    assertThat(e.side()).isEqualTo(SnapshotStore.UploadFailed.Side.STREAM);
                    assertThat(e.leftovers()).isFalse();
                    assertThat(e.getMessage()).contains("connection reset").contains("aborted");
                });

        assertThat(objects()).isEmpty();
        assertThat(openUploads()).isZero();
    }

    @Test
    void aStreamThatEndsEarlyButCleanlyIsNotTakenAndLeavesNothing() throws Exception {
        // Incompressible values, so that state.bin is nearly all of the archive (meta.json and the checksums are a few
        // hundred bytes at either end): the archive's middle is inside state.bin.
        Random random = new Random(33);
        for (int i = 0; i < 8; i++) {
            byte[] raw = new byte[32 * 1024];
            random.nextBytes(raw);
            String value = Base64.getEncoder().encodeToString(raw);
            int n = i;
            cluster.await("value " + n + " written", Duration.ofSeconds(20),
                    () -> cluster.kvPut("snapshot/cut-" + n, value));
        }
        // A whole snapshot first: the real archive passes the function's verification as it streams.
        SnapshotHandler.Outcome whole = harness.snapshot().run(LAMBDA_TIME);
        assertThat(whole.taken()).as(whole.reason() + ": " + whole.detail()).isTrue();
        byte[] object = admin.getObjectAsBytes(g -> g.bucket(bucket).key(whole.key())).asByteArray();
        assertThat(object.length).isGreaterThan(200_000);
        Map<String, byte[]> entries = untar(object);
        assertThat(entries.get("state.bin").length).isGreaterThan(object.length / 2);
        SnapshotVerifier verifier = new SnapshotVerifier(cluster.system());
        verifier.update(object, 0, object.length);
        verifier.finish(); // throws if the real archive did not verify
        long cut = object.length / 2;
        int linesBefore = harness.log.size();

        // The leader's real stream, ended (read answers -1, no error) after half of it: Vault's 200 then a failure
        // while writing (hashicorp/vault#12168) looks like this to the reader.
        SnapshotHandler.Outcome outcome = new SnapshotHandler(harness.runtime(HandlerNames.SNAPSHOT_NAME),
                body -> new CutAfter(body, cut, false)).run(LAMBDA_TIME);

        assertThat(outcome.taken()).isFalse();
        assertThat(outcome.reason()).as(outcome.detail()).isEqualTo("snapshot-incomplete");
        assertThat(outcome.detail()).contains("inside state.bin").contains("no upload was created");
        assertThat(objects()).extracting(S3Object::key).containsExactly(whole.key());
        assertThat(openUploads()).isZero();
        List<String> all = List.copyOf(harness.log);
        List<String> lines = all.subList(linesBefore, all.size());
        assertThat(lines).noneSatisfy(l -> assertThat(l).contains("\"event\":\"snapshot-taken\""));
        assertThat(lines).anySatisfy(l -> assertThat(l).contains("\"event\":\"snapshot-not-taken\"")
                .contains("\"Reason\":\"snapshot-incomplete\"").contains("\"SnapshotsNotTaken\":1.0"));
        assertThat(harness.uncheckedLinesWithSecrets()).isEmpty();
    }

    @Test
    void aStreamThatEndsEarlyAfterTheFirstPartIsAbortedWithNoObjectAndNoOpenUpload() throws Exception {
        Random random = new Random(34);
        for (int i = 0; i < 40; i++) { // enough for more than one 5 MiB part
            byte[] raw = new byte[170 * 1024];
            random.nextBytes(raw);
            String value = Base64.getEncoder().encodeToString(raw);
            int n = i;
            cluster.await("bulk value " + n + " written", Duration.ofSeconds(20),
                    () -> cluster.kvPut("snapshot/cut-bulk-" + n, value));
        }
        harness.with(Settings.SNAPSHOT_PART_BYTES, Integer.toString(SnapshotStore.MIN_PART_BYTES));

        SnapshotHandler.Outcome outcome = new SnapshotHandler(harness.runtime(HandlerNames.SNAPSHOT_NAME),
                body -> new CutAfter(body, SnapshotStore.MIN_PART_BYTES + 100_000, false)).run(LAMBDA_TIME);

        assertThat(outcome.taken()).isFalse();
        assertThat(outcome.reason()).as(outcome.detail()).isEqualTo("snapshot-incomplete");
        assertThat(outcome.detail()).contains("inside state.bin").contains("the upload was aborted");
        assertThat(objects()).isEmpty();
        assertThat(openUploads()).isZero();
    }

    @Test
    void whenS3RefusesTheUploadTheRunSaysWhyAndLeavesNothing() throws Exception {
        // A bucket the function's role has no grant for (a stack whose grant is missing, a bucket policy that denies;
        // the rig's role is shared with the classes running beside this one, so its policy is not taken away).
        String ungranted = bucket + "-ungranted";
        admin.createBucket(b -> b.bucket(ungranted));
        harness.with(Settings.SNAPSHOT_BUCKET, ungranted);

        SnapshotHandler.Outcome outcome = harness.snapshot().run(LAMBDA_TIME);

        assertThat(outcome.taken()).isFalse();
        assertThat(outcome.reason()).as(outcome.detail()).isEqualTo("snapshot-upload-failed");
        assertThat(outcome.detail()).contains("CreateMultipartUpload").contains("403");
        assertThat(admin.listObjectsV2(l -> l.bucket(ungranted)).contents()).isEmpty();
        assertThat(admin.listMultipartUploads(l -> l.bucket(ungranted)).uploads()).isEmpty();
        assertThat(objects()).isEmpty();
        assertThat(harness.log).anySatisfy(l -> assertThat(l).contains("\"Reason\":\"snapshot-upload-failed\"")
                .contains("\"SnapshotsNotTaken\":1.0"));
        assertThat(harness.uncheckedLinesWithSecrets()).isEmpty();
    }

    @Test
    void theSnapshotFunctionsIdentityCannotWriteOutsideItsClustersPrefix() {
        HandlerRuntime runtime = harness.runtime(HandlerNames.SNAPSHOT_NAME);
        S3Client asTheFunction = new AwsClients(Rig.REGION.id(), Optional.of(cluster.rig().awsEndpoint()),
                runtime.credentials()).s3();
        asTheFunction.putObject(p -> p.bucket(bucket).key("snapshots/" + clusterName + "/allowed.snap"),
                RequestBody.fromString("x"));
        for (String key : List.of("snapshots/another-cluster/x.snap", "elsewhere.snap", "snapshots/" + clusterName)) {
            assertThatThrownBy(() -> asTheFunction.putObject(p -> p.bucket(bucket).key(key), RequestBody.fromString("x")))
                    .as(key).isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(403));
            assertThatThrownBy(() -> asTheFunction.createMultipartUpload(c -> c.bucket(bucket).key(key)))
                    .as(key).isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(403));
        }
        // Nor read back what it wrote, nor list the bucket.
        assertThatThrownBy(() -> asTheFunction.getObjectAsBytes(g -> g.bucket(bucket)
                .key("snapshots/" + clusterName + "/allowed.snap")))
                .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(403));
        assertThatThrownBy(() -> asTheFunction.listObjectsV2(l -> l.bucket(bucket)))
                .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(403));
        assertThat(objects()).extracting(S3Object::key).containsExactly("snapshots/" + clusterName + "/allowed.snap");
    }

    /** raft-snapshot's entries in its order; Vault adds its seal's signature of the checksums last. */
    void assertArchiveEntries(Map<String, byte[]> entries) {
        assertThat(List.copyOf(entries.keySet())).isIn(List.of("meta.json", "state.bin", "SHA256SUMS"),
                List.of("meta.json", "state.bin", "SHA256SUMS", "SHA256SUMS.sealed"));
    }

    /**
     * A stream cut once {@code limit} bytes have been read: like a reset connection ({@code reset}: an error), or as a
     * body that ends cleanly (read answers -1, no error).
     */
    static final class CutAfter extends InputStream {
        private final InputStream in;
        private final boolean reset;
        private long left;

        CutAfter(InputStream in, long limit, boolean reset) {
            this.in = in;
            this.left = limit;
            this.reset = reset;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                if (reset) {
                    throw new IOException("connection reset by peer (injected)");
                }
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }
    }

    /** A gzip'd tar's regular files, in order (the test's own reader: not the function's). */
    static Map<String, byte[]> untar(byte[] gz) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (InputStream tar = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            while (true) {
                byte[] header = tar.readNBytes(512);
                if (header.length < 512 || header[0] == 0) {
                    break;
                }
                int end = 0;
                while (end < 100 && header[end] != 0) {
                    end++;
                }
                String name = new String(header, 0, end, StandardCharsets.US_ASCII);
                long size = Long.parseLong(new String(header, 124, 12, StandardCharsets.US_ASCII).trim()
                        .replace("\0", ""), 8);
                byte[] body = tar.readNBytes((int) size);
                tar.readNBytes((int) ((512 - size % 512) % 512));
                out.put(name, body);
            }
        }
        return out;
    }
}
