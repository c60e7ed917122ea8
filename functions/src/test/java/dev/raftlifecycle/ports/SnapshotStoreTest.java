package dev.raftlifecycle.ports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftlifecycle.contract.ClusterSystem;
import dev.raftlifecycle.rig.MotoServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/** The store against moto's S3 (a real multipart implementation that enforces the 5 MiB minimum part). */
class SnapshotStoreTest {
    private static MotoServer moto;
    private static S3Client s3;
    private static final String BUCKET = "snapshots-test";

    @BeforeAll
    static void start() throws IOException {
        Path dir = Files.createTempDirectory("snapshot-store-moto");
        moto = MotoServer.start(dir);
        s3 = new AwsClients("us-east-1", Optional.of(moto.endpoint()),
                StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIAEXAMPLE", "secret"))).s3();
        s3.createBucket(b -> b.bucket(BUCKET));
    }

    @AfterAll
    static void stop() {
        if (moto != null) {
            moto.close();
        }
    }

    private static SnapshotStore store() {
        return new SnapshotStore(Lazy.ready(s3), BUCKET, Optional.empty(), SnapshotStore.MIN_PART_BYTES);
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static SnapshotStore.Planner to(String key) {
        return (head, length) -> new SnapshotStore.Target(key, Map.of("raft-index", "42", "cluster", "c1"));
    }

    private static int openUploads() {
        return s3.listMultipartUploads(l -> l.bucket(BUCKET)).uploads().size();
    }

    @Test
    void uploadsAStreamOfSeveralPartsWithItsMetadata() throws Exception {
        byte[] data = random(SnapshotStore.MIN_PART_BYTES * 2 + 12345, 1);
        SnapshotStore.Stored stored = store().upload(new ByteArrayInputStream(data), to("snapshots/c1/multi.snap"));
        assertThat(stored.parts()).isEqualTo(3);
        assertThat(stored.bytes()).isEqualTo(data.length);
        assertThat(s3.getObjectAsBytes(g -> g.bucket(BUCKET).key("snapshots/c1/multi.snap")).asByteArray()).isEqualTo(data);
        HeadObjectResponse head = s3.headObject(h -> h.bucket(BUCKET).key("snapshots/c1/multi.snap"));
        assertThat(head.metadata()).containsEntry("raft-index", "42").containsEntry("cluster", "c1");
        assertThat(openUploads()).isZero();
    }

    @Test
    void uploadsAStreamShorterThanOnePartAndOneOfExactlyOnePart() throws Exception {
        byte[] small = random(1000, 2);
        store().upload(new ByteArrayInputStream(small), to("snapshots/c1/small.snap"));
        assertThat(s3.getObjectAsBytes(g -> g.bucket(BUCKET).key("snapshots/c1/small.snap")).asByteArray()).isEqualTo(small);
        byte[] exact = random(SnapshotStore.MIN_PART_BYTES, 3);
        SnapshotStore.Stored stored = store().upload(new ByteArrayInputStream(exact), to("snapshots/c1/exact.snap"));
        assertThat(stored.parts()).isEqualTo(1);
        assertThat(s3.getObjectAsBytes(g -> g.bucket(BUCKET).key("snapshots/c1/exact.snap")).asByteArray()).isEqualTo(exact);
    }

    @Test
    void aRefusedHeadCreatesNoUpload() {
        assertThatThrownBy(() -> store().upload(new ByteArrayInputStream(random(100, 4)), (head, length) -> {
            throw new SnapshotStore.RefusedStream("not-a-snapshot: not gzip");
        })).isInstanceOfSatisfying(SnapshotStore.UploadFailed.class, e -> {
            assertThat(e.side()).isEqualTo(SnapshotStore.UploadFailed.Side.REFUSED);
            assertThat(e.getMessage()).contains("not gzip");
        });
        assertThat(openUploads()).isZero();
    }

    @Test
    void aStreamThatBreaksMidwayLeavesNoObjectAndNoUpload() {
        byte[] data = random(SnapshotStore.MIN_PART_BYTES + 500_000, 5);
        InputStream breaking = new InputStream() {
            private final InputStream in = new ByteArrayInputStream(data);

            @Override
            public int read() throws IOException {
                throw new IOException("unused");
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = in.read(b, off, Math.min(len, 65536));
                if (n < 0) {
                    throw new IOException("connection reset by peer");
                }
                return n;
            }
        };
        assertThatThrownBy(() -> store().upload(breaking, to("snapshots/c1/broken.snap")))
                .isInstanceOfSatisfying(SnapshotStore.UploadFailed.class, e -> {
                    assertThat(e.side()).isEqualTo(SnapshotStore.UploadFailed.Side.STREAM);
                    assertThat(e.leftovers()).isFalse();
                    assertThat(e.getMessage()).contains("connection reset").contains("aborted");
                });
        assertThatThrownBy(() -> s3.headObject(h -> h.bucket(BUCKET).key("snapshots/c1/broken.snap")))
                .isInstanceOf(NoSuchKeyException.class);
        assertThat(openUploads()).isZero();
    }

    @Test
    void aRefusedUploadIsReportedAsTheStoresFailure() {
        SnapshotStore missing = new SnapshotStore(Lazy.ready(s3), "no-such-bucket-here", Optional.empty(),
                SnapshotStore.MIN_PART_BYTES);
        assertThatThrownBy(() -> missing.upload(new ByteArrayInputStream(random(10, 6)), to("snapshots/c1/x.snap")))
                .isInstanceOfSatisfying(SnapshotStore.UploadFailed.class,
                        e -> assertThat(e.side()).isEqualTo(SnapshotStore.UploadFailed.Side.STORE));
    }

    @Test
    void newestIsTheLatestObjectUnderThePrefixOnly() throws Exception {
        assertThat(store().newest("snapshots/nothing-here/")).isEmpty();
        store().upload(new ByteArrayInputStream(random(10, 7)), to("snapshots/c2/a.snap"));
        Thread.sleep(1100); // LastModified has one-second resolution
        store().upload(new ByteArrayInputStream(random(10, 8)), to("snapshots/c2/b.snap"));
        store().upload(new ByteArrayInputStream(random(10, 9)), to("snapshots/c20/other.snap"));
        assertThat(store().newest("snapshots/c2/")).map(SnapshotStore.Listed::key).contains("snapshots/c2/b.snap");
    }

    @Test
    void refusesAPartSizeS3WouldRefuse() {
        assertThatThrownBy(() -> new SnapshotStore(Lazy.ready(s3), BUCKET, Optional.empty(), 1024))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(Arrays.asList(SnapshotStore.MIN_PART_BYTES, SnapshotStore.MAX_PART_BYTES)).doesNotContainNull();
    }

    private static void assertNothingAt(String key) {
        assertThatThrownBy(() -> s3.headObject(h -> h.bucket(BUCKET).key(key))).isInstanceOf(NoSuchKeyException.class);
        assertThat(openUploads()).isZero();
    }

    @Test
    void aVerifiedArchiveOfSeveralPartsIsStored() throws Exception {
        byte[] archive = TestArchives.valid(true, TestArchives.state(SnapshotStore.MIN_PART_BYTES * 2 + 4321, 21)).bytes();
        SnapshotStore.Stored stored = store().upload(new ByteArrayInputStream(archive), to("snapshots/c1/verified.snap"),
                new SnapshotVerifier(ClusterSystem.VAULT));
        assertThat(stored.parts()).isEqualTo(3);
        assertThat(s3.getObjectAsBytes(g -> g.bucket(BUCKET).key("snapshots/c1/verified.snap")).asByteArray())
                .isEqualTo(archive);
        assertThat(openUploads()).isZero();
    }

    @Test
    void anArchiveThatEndsEarlyButCleanlyIsAbortedNotStored() throws Exception {
        TestArchives.Built built = TestArchives.valid(true, TestArchives.state(SnapshotStore.MIN_PART_BYTES * 2, 22));
        // Cut inside state.bin in the second part: the first part was uploaded, then the stream just ends.
        byte[] cut = built.cut(SnapshotStore.MIN_PART_BYTES + 12345);
        assertThatThrownBy(() -> store().upload(new ByteArrayInputStream(cut), to("snapshots/c1/cut.snap"),
                new SnapshotVerifier(ClusterSystem.VAULT))).isInstanceOfSatisfying(SnapshotStore.UploadFailed.class, e -> {
                    assertThat(e.side()).isEqualTo(SnapshotStore.UploadFailed.Side.INCOMPLETE);
                    assertThat(e.leftovers()).isFalse();
                    assertThat(e.getMessage()).contains("inside state.bin").contains("aborted");
                    assertThat(dev.raftlifecycle.handlers.SnapshotHandler.reason(e.side()).label())
                            .isEqualTo("snapshot-incomplete");
                });
        assertNothingAt("snapshots/c1/cut.snap");
        // Cut inside the gzip trailer, at the end of the second (last) part.
        byte[] trailer = built.cut(built.bytes().length - 3);
        assertThatThrownBy(() -> store().upload(new ByteArrayInputStream(trailer), to("snapshots/c1/trailer.snap"),
                new SnapshotVerifier(ClusterSystem.VAULT))).isInstanceOfSatisfying(SnapshotStore.UploadFailed.class,
                e -> assertThat(e.getMessage()).contains("inside the gzip trailer").contains("aborted"));
        assertNothingAt("snapshots/c1/trailer.snap");
    }

    @Test
    void aShortIncompleteArchiveCreatesNoUpload() throws Exception {
        TestArchives.Built built = TestArchives.valid(false, TestArchives.state(100_000, 23));
        assertThatThrownBy(() -> store().upload(new ByteArrayInputStream(built.cut(built.start("SHA256SUMS"))),
                to("snapshots/c1/short.snap"), new SnapshotVerifier(ClusterSystem.CONSUL)))
                .isInstanceOfSatisfying(SnapshotStore.UploadFailed.class, e -> {
                    assertThat(e.side()).isEqualTo(SnapshotStore.UploadFailed.Side.INCOMPLETE);
                    assertThat(e.getMessage()).contains("no upload was created");
                });
        // A whole Consul archive is not a Vault one: no SHA256SUMS.sealed.
        assertThatThrownBy(() -> store().upload(new ByteArrayInputStream(built.bytes()), to("snapshots/c1/unsealed.snap"),
                new SnapshotVerifier(ClusterSystem.VAULT))).isInstanceOfSatisfying(SnapshotStore.UploadFailed.class,
                e -> assertThat(e.getMessage()).contains("no SHA256SUMS.sealed"));
        assertNothingAt("snapshots/c1/short.snap");
        assertNothingAt("snapshots/c1/unsealed.snap");
        store().upload(new ByteArrayInputStream(built.bytes()), to("snapshots/c1/consul.snap"),
                new SnapshotVerifier(ClusterSystem.CONSUL));
        assertThat(s3.getObjectAsBytes(g -> g.bucket(BUCKET).key("snapshots/c1/consul.snap")).asByteArray())
                .isEqualTo(built.bytes());
    }
}
