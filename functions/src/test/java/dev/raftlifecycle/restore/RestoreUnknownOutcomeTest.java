package dev.raftlifecycle.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftlifecycle.decisions.ReadFailure;
import dev.raftlifecycle.decisions.RestoreTarget;
import dev.raftlifecycle.decisions.SnapshotArchiveTest;
import dev.raftlifecycle.decisions.SnapshotChoice;
import dev.raftlifecycle.decisions.SnapshotSource;
import dev.raftlifecycle.ports.AwsClients;
import dev.raftlifecycle.ports.ClusterCallException;
import dev.raftlifecycle.ports.RestorePort;
import dev.raftlifecycle.ports.SnapshotObjects;
import dev.raftlifecycle.rig.MotoServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A restore whose answer is lost: nothing is concluded before the target is read. The snapshot is a real object in
 * moto's S3; the target is a narrow stub of the restore port (what the rig's real clusters cannot be made to do on
 * cue: take the snapshot and lose the answer).
 */
class RestoreUnknownOutcomeTest {
    private static final String BUCKET = "restore-unknown";
    private static final String PREFIX = "snapshots/c1/";
    private static MotoServer moto;
    private static S3Client s3;

    @BeforeAll
    static void start() throws IOException {
        moto = MotoServer.start(Files.createTempDirectory("restore-unknown-moto"));
        s3 = new AwsClients("us-east-1", Optional.of(moto.endpoint()),
                StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIAEXAMPLE", "secret"))).s3();
        s3.createBucket(b -> b.bucket(BUCKET));
        s3.putBucketVersioning(v -> v.bucket(BUCKET).versioningConfiguration(c -> c.status("Enabled"))); // as deployed
        byte[] archive = SnapshotArchiveTest.archive("meta.json", SnapshotArchiveTest.META.getBytes(StandardCharsets.UTF_8),
                "state".getBytes(StandardCharsets.UTF_8));
        s3.putObject(p -> p.bucket(BUCKET).key(PREFIX + "20261207T120000Z-1234.snap").metadata(Map.of(
                SnapshotSource.META_CLUSTER, "c1", SnapshotSource.META_SYSTEM, "vault", SnapshotSource.META_INDEX, "1234")),
                RequestBody.fromBytes(archive));
    }

    @AfterAll
    static void stop() {
        if (moto != null) {
            moto.close();
        }
    }

    /** The target: empty before the restore; after it, serving at {@code afterIndex}; the restore call fails so. */
    static final class Target implements RestorePort {
        final ClusterCallException failure;
        final long afterIndex;
        final AtomicInteger restores = new AtomicInteger();

        Target(ClusterCallException failure, long afterIndex) {
            this.failure = failure;
            this.afterIndex = afterIndex;
        }

        @Override
        public RestoreTarget describe(String host, String token) {
            return new RestoreTarget(true, true, 20, List.of(), Optional.of(host));
        }

        @Override
        public RestoreTarget status(String host, String token) {
            return new RestoreTarget(true, true, restores.get() > 0 ? afterIndex : 20, List.of(), Optional.of(host));
        }

        @Override
        public void restore(String host, String token, Mode mode, InputStream body, long length)
                throws ClusterCallException {
            try {
                body.readAllBytes();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            restores.incrementAndGet();
            throw failure;
        }
    }

    /** Each reading of the time is 5 s after the last: the 15 s watch passes in a few polls. */
    static final class Jumping extends Clock {
        private Instant now = Instant.parse("2026-12-07T12:00:00Z");

        @Override
        public synchronized Instant instant() {
            now = now.plusSeconds(5);
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    private static RestoreProcedure.Request request() {
        return new RestoreProcedure.Request("c1", "vault", PREFIX, new SnapshotChoice.Newest(), "10.0.0.1",
                RestorePort.Mode.OTHER_CLUSTER, false, Duration.ofSeconds(60));
    }

    @Test
    void aLostAnswerIsReadFromTheTargetAndATakenSnapshotIsASuccess() throws Exception {
        Target target = new Target(new ClusterCallException(ReadFailure.UNREACHABLE, 0, "read timed out", null), 1300);
        List<String> said = new ArrayList<>();

        RestoreProcedure.Outcome outcome = new RestoreProcedure(new SnapshotObjects(s3, BUCKET), target, new Jumping(),
                said::add).run(request(), "t");

        assertThat(target.restores).hasValue(1); // not sent again
        assertThat(outcome.snapshotIndex()).isEqualTo(1234);
        assertThat(outcome.after().appliedIndex()).isEqualTo(1300);
        assertThat(said).anySatisfy(l -> assertThat(l).contains("outcome is unknown").contains("read timed out"));
        assertThat(said).anySatisfy(l -> assertThat(l).contains("went through although its answer was lost"));
    }

    @Test
    void aLostAnswerWithoutTheSnapshotInTheTargetIsUnknownNotFailed() {
        Target target = new Target(new ClusterCallException(ReadFailure.UNREACHABLE, 0, "connection reset", null), 20);

        assertThatThrownBy(() -> new RestoreProcedure(new SnapshotObjects(s3, BUCKET), target, new Jumping(), l -> { })
                .run(request(), "t")).isInstanceOfSatisfying(RestoreException.class, e -> {
                    assertThat(e.kind()).isEqualTo(RestoreException.Kind.NOT_CONFIRMED);
                    assertThat(e.getMessage()).contains("outcome is unknown").contains("connection reset")
                            .contains("Read the target before trying again");
                });
        assertThat(target.restores).hasValue(1);
    }

    @Test
    void aRefusalIsAFailureAndTheTargetIsNotWatched() {
        Target target = new Target(new ClusterCallException(ReadFailure.BAD_RESPONSE, 413, "request too large", null), 1300);

        assertThatThrownBy(() -> new RestoreProcedure(new SnapshotObjects(s3, BUCKET), target, new Jumping(), l -> { })
                .run(request(), "t")).isInstanceOfSatisfying(RestoreException.class, e -> {
                    assertThat(e.kind()).isEqualTo(RestoreException.Kind.FAILED);
                    assertThat(e.getMessage()).contains("refused").contains("request too large");
                });
    }
}
