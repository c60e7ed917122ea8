package dev.raftlifecycle.ports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftlifecycle.handlers.SnapshotHandler;
import java.io.ByteArrayInputStream;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.AbortMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.AbortMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.NoSuchUploadException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

/**
 * CompleteMultipartUpload's failures, against a scripted S3 (a narrow stub: moto cannot time out after completing): a
 * completion that is not clearly refused is tried once more; an outcome that stays unknown is never reported as taken,
 * nor as nothing left.
 */
class SnapshotStoreCompletionTest {
    private static final String KEY = "snapshots/c1/x.snap";

    /** Answers the upload's calls; CompleteMultipartUpload and AbortMultipartUpload as scripted. */
    static final class ScriptedS3 implements S3Client {
        final Deque<Supplier<CompleteMultipartUploadResponse>> completes = new ArrayDeque<>();
        Supplier<AbortMultipartUploadResponse> abort = () -> AbortMultipartUploadResponse.builder().build();
        int completeCalls;
        int abortCalls;

        @Override
        public CreateMultipartUploadResponse createMultipartUpload(CreateMultipartUploadRequest r) {
            return CreateMultipartUploadResponse.builder().uploadId("upload-1").build();
        }

        @Override
        public UploadPartResponse uploadPart(UploadPartRequest r, RequestBody body) {
            return UploadPartResponse.builder().eTag("etag-" + r.partNumber()).build();
        }

        @Override
        public CompleteMultipartUploadResponse completeMultipartUpload(CompleteMultipartUploadRequest r) {
            completeCalls++;
            assertThat(r.multipartUpload().parts()).hasSize(1);
            return completes.removeFirst().get();
        }

        @Override
        public AbortMultipartUploadResponse abortMultipartUpload(AbortMultipartUploadRequest r) {
            abortCalls++;
            return abort.get();
        }

        @Override
        public String serviceName() {
            return "s3";
        }

        @Override
        public void close() {
        }
    }

    private static CompleteMultipartUploadResponse done() {
        return CompleteMultipartUploadResponse.builder().eTag("final").versionId("v1").build();
    }

    private static <T> T timeout() {
        throw SdkClientException.create("Unable to execute HTTP request: Read timed out");
    }

    private static <T> T status(int status, String code) {
        throw S3Exception.builder().statusCode(status).message(code)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage(code).build()).build();
    }

    private static <T> T noSuchUpload() {
        throw NoSuchUploadException.builder().statusCode(404).message("NoSuchUpload")
                .awsErrorDetails(AwsErrorDetails.builder().errorCode("NoSuchUpload").build()).build();
    }

    private static SnapshotStore.Stored upload(ScriptedS3 s3) throws SnapshotStore.UploadFailed {
        return new SnapshotStore(Lazy.ready(s3), "bucket", Optional.empty(), SnapshotStore.MIN_PART_BYTES)
                .upload(new ByteArrayInputStream(new byte[1000]), (h, n) -> new SnapshotStore.Target(KEY, Map.of()));
    }

    @SafeVarargs
    private static ScriptedS3 s3(Supplier<CompleteMultipartUploadResponse>... completes) {
        ScriptedS3 s3 = new ScriptedS3();
        s3.completes.addAll(List.of(completes));
        return s3;
    }

    @Test
    void aCompletionThatTimedOutIsTriedAgainAndItsSuccessIsTaken() throws Exception {
        ScriptedS3 s3 = s3(SnapshotStoreCompletionTest::timeout, SnapshotStoreCompletionTest::done);
        SnapshotStore.Stored stored = upload(s3);
        assertThat(stored.key()).isEqualTo(KEY);
        assertThat(stored.versionId()).contains("v1");
        assertThat(s3.completeCalls).isEqualTo(2);
        assertThat(s3.abortCalls).isZero();
    }

    @Test
    void aCompletionThatMayHaveSucceededIsOutcomeUnknownNotUploadFailed() {
        // The first attempt completed at S3 but its answer was lost; the retry and the abort find no upload.
        ScriptedS3 s3 = s3(SnapshotStoreCompletionTest::timeout, SnapshotStoreCompletionTest::noSuchUpload);
        s3.abort = SnapshotStoreCompletionTest::noSuchUpload;
        assertThatThrownBy(() -> upload(s3)).isInstanceOfSatisfying(SnapshotStore.UploadFailed.class, e -> {
            assertThat(e.side()).isEqualTo(SnapshotStore.UploadFailed.Side.OUTCOME_UNKNOWN);
            assertThat(e.leftovers()).isFalse();
            assertThat(e.getMessage()).contains("Read timed out").contains("found no such upload")
                    .contains("s3://bucket/" + KEY + " may exist").doesNotContain("was aborted");
            assertThat(SnapshotHandler.reason(e.side()).label()).isEqualTo("snapshot-outcome-unknown");
        });
        assertThat(s3.completeCalls).isEqualTo(2);
        assertThat(s3.abortCalls).isEqualTo(1);
    }

    @Test
    void twoTimeoutsAndAFailedAbortAreOutcomeUnknown() {
        ScriptedS3 s3 = s3(SnapshotStoreCompletionTest::timeout, SnapshotStoreCompletionTest::timeout);
        s3.abort = () -> status(503, "SlowDown");
        assertThatThrownBy(() -> upload(s3)).isInstanceOfSatisfying(SnapshotStore.UploadFailed.class, e -> {
            assertThat(e.side()).isEqualTo(SnapshotStore.UploadFailed.Side.OUTCOME_UNKNOWN);
            assertThat(e.getMessage()).contains("may exist").contains("parts stay");
        });
    }

    @Test
    void twoFailuresAndASuccessfulAbortLeaveNothing() {
        ScriptedS3 s3 = s3(() -> status(500, "InternalError"), () -> status(500, "InternalError"));
        assertThatThrownBy(() -> upload(s3)).isInstanceOfSatisfying(SnapshotStore.UploadFailed.class, e -> {
            assertThat(e.side()).isEqualTo(SnapshotStore.UploadFailed.Side.STORE);
            assertThat(e.leftovers()).isFalse();
            assertThat(e.getMessage()).contains("tried again").contains("aborted").contains("no object was stored");
        });
        assertThat(s3.completeCalls).isEqualTo(2);
        assertThat(s3.abortCalls).isEqualTo(1);
    }

    @Test
    void aClearRefusalIsNotRetriedAndIsAborted() {
        ScriptedS3 s3 = s3(() -> status(400, "InvalidPart"));
        assertThatThrownBy(() -> upload(s3)).isInstanceOfSatisfying(SnapshotStore.UploadFailed.class, e -> {
            assertThat(e.side()).isEqualTo(SnapshotStore.UploadFailed.Side.STORE);
            assertThat(e.getMessage()).contains("InvalidPart").contains("aborted");
            assertThat(SnapshotHandler.reason(e.side()).label()).isEqualTo("snapshot-upload-failed");
        });
        assertThat(s3.completeCalls).isEqualTo(1);
        assertThat(s3.abortCalls).isEqualTo(1);
    }

    @Test
    void aRefusalWhoseAbortFindsNoUploadIsOutcomeUnknown() {
        ScriptedS3 s3 = s3(() -> status(400, "InvalidPart"));
        s3.abort = SnapshotStoreCompletionTest::noSuchUpload;
        assertThatThrownBy(() -> upload(s3)).isInstanceOfSatisfying(SnapshotStore.UploadFailed.class,
                e -> assertThat(e.side()).isEqualTo(SnapshotStore.UploadFailed.Side.OUTCOME_UNKNOWN));
    }

    @Test
    void aVerifierThatDiesFailsTheUploadAndIsClosed() {
        ScriptedS3 s3 = s3();
        boolean[] closed = new boolean[1];
        SnapshotStore.Verifier dies = new SnapshotStore.Verifier() {
            @Override
            public void update(byte[] b, int off, int len) {
                throw new IllegalStateException("verifier bug");
            }

            @Override
            public void finish() {
            }

            @Override
            public void close() {
                closed[0] = true;
            }
        };
        assertThatThrownBy(() -> new SnapshotStore(Lazy.ready(s3), "bucket", Optional.empty(), SnapshotStore.MIN_PART_BYTES)
                .upload(new ByteArrayInputStream(new byte[1000]), (h, n) -> new SnapshotStore.Target(KEY, Map.of()), dies))
                .isInstanceOfSatisfying(SnapshotStore.UploadFailed.class, e -> {
                    assertThat(e.side()).isEqualTo(SnapshotStore.UploadFailed.Side.INCOMPLETE);
                    assertThat(e.getMessage()).contains("verifier bug");
                });
        assertThat(closed[0]).isTrue();
        assertThat(s3.completeCalls).isZero();
    }
}
