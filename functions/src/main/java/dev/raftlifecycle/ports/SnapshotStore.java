package dev.raftlifecycle.ports;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;

/**
 * The snapshot bucket: a streaming multipart upload, and the newest object under a prefix.
 *
 * <p>The upload holds one part in memory at a time ({@code partBytes}, the same buffer reused), never the whole
 * snapshot, and writes nothing to disk. The object's key and metadata are chosen from the stream's head (the
 * {@link Planner} reads the first part's bytes), before any request to S3: a stream whose head the planner refuses
 * creates no upload at all. Once the upload is created, any failure (the stream breaks, S3 refuses a part or the
 * completion) aborts it, so no partial object and no dangling upload remains; an abort that itself fails is reported
 * (S3's lifecycle rule for incomplete uploads is the backstop). A stream shorter than one part is one part, which S3
 * accepts as the last (it alone may be under 5 MiB).
 *
 * <p>A {@link Verifier} sees every byte before it is uploaded and judges the whole stream before
 * CompleteMultipartUpload: a stream it refuses (one that ended early, even cleanly) is aborted like a broken one
 * ({@link UploadFailed.Side#INCOMPLETE}). A CompleteMultipartUpload that fails without a clear refusal is tried once
 * more (S3 completes the same parts idempotently); if it still fails, the upload is aborted: an abort that succeeds
 * proves the upload was still open (nothing stored), one answered NoSuchUpload (or failing) leaves the outcome unknown
 * ({@link UploadFailed.Side#OUTCOME_UNKNOWN}: the object may exist).
 */
public final class SnapshotStore {
    /** S3's smallest part but the last. */
    public static final int MIN_PART_BYTES = 5 * 1024 * 1024;
    /** The largest part this store will hold in memory. */
    public static final int MAX_PART_BYTES = 64 * 1024 * 1024;
    /** S3's most parts in one upload. */
    static final int MAX_PARTS = 10_000;

    private final Lazy<S3Client> s3;
    private final String bucket;
    private final Optional<String> kmsKeyId;
    private final int partBytes;

    public SnapshotStore(Lazy<S3Client> s3, String bucket, Optional<String> kmsKeyId, int partBytes) {
        if (partBytes < MIN_PART_BYTES || partBytes > MAX_PART_BYTES) {
            throw new IllegalArgumentException("part size " + partBytes + " is outside " + MIN_PART_BYTES + ".."
                    + MAX_PART_BYTES);
        }
        this.s3 = s3;
        this.bucket = bucket;
        this.kmsKeyId = kmsKeyId;
        this.partBytes = partBytes;
    }

    public String bucket() {
        return bucket;
    }

    /** Where the object goes and what it says about itself (S3 user metadata, {@code x-amz-meta-<name>}). */
    public record Target(String key, Map<String, String> metadata) {
        public Target {
            metadata = Map.copyOf(metadata);
        }
    }

    /** Chooses the target from the stream's head, or refuses the stream. */
    @FunctionalInterface
    public interface Planner {
        Target plan(byte[] head, int length) throws RefusedStream;
    }

    /** The planner's refusal of what the stream holds. */
    public static final class RefusedStream extends Exception {
        public RefusedStream(String why) {
            super(why);
        }
    }

    /** Judges the stream as it passes: sees each part's bytes in order before the part is sent, then its end. */
    public interface Verifier extends AutoCloseable {
        /** Accepts anything: the stream is stored as it comes. */
        Verifier NONE = new Verifier() {
            @Override
            public void update(byte[] b, int off, int len) {
            }

            @Override
            public void finish() {
            }
        };

        /** The next bytes of the stream; throws as soon as they cannot be part of a valid whole. */
        void update(byte[] b, int off, int len) throws Unverified;

        /** The stream ended (cleanly); throws unless what came is a valid whole. */
        void finish() throws Unverified;

        /** Releases what the verifier holds (called once, whatever happened). */
        @Override
        default void close() {
        }
    }

    /** The verifier's refusal of the stream. */
    public static final class Unverified extends Exception {
        public Unverified(String why) {
            super(why);
        }
    }

    /** A completed upload. */
    public record Stored(String bucket, String key, long bytes, int parts, Optional<String> versionId, String eTag,
                         Target target) {
    }

    /** What went wrong with an upload, and whether S3 still holds any of it. */
    public static final class UploadFailed extends Exception {
        /** Which side failed. */
        public enum Side {
            /** The planner refused the head: no upload was created. */
            REFUSED,
            /** Reading the stream failed (the node went away, a timeout). */
            STREAM,
            /** S3 refused or failed a call. */
            STORE,
            /** The stream ended (even cleanly) but the verifier refused what came: not stored, the upload aborted. */
            INCOMPLETE,
            /** CompleteMultipartUpload's outcome is unknown: the object may exist (it is not reported as stored). */
            OUTCOME_UNKNOWN
        }

        private final Side side;
        private final boolean leftovers;

        UploadFailed(Side side, String message, boolean leftovers, Throwable cause) {
            super(message, cause);
            this.side = side;
            this.leftovers = leftovers;
        }

        public Side side() {
            return side;
        }

        /** True when an upload was created and aborting it failed too (its parts remain until the lifecycle rule). */
        public boolean leftovers() {
            return leftovers;
        }
    }

    /** Streams {@code in} into one object, as the planner says, unverified. Does not close {@code in}. */
    public Stored upload(InputStream in, Planner planner) throws UploadFailed {
        return upload(in, planner, Verifier.NONE);
    }

    /**
     * Streams {@code in} into one object, as the planner says, completing it only if {@code verifier} accepts the whole
     * stream. Does not close {@code in}; closes {@code verifier}.
     */
    public Stored upload(InputStream in, Planner planner, Verifier verifier) throws UploadFailed {
        try (verifier) {
            return uploadVerified(in, planner, verifier);
        }
    }

    private Stored uploadVerified(InputStream in, Planner planner, Verifier verifier) throws UploadFailed {
        byte[] buffer = new byte[partBytes];
        int first;
        try {
            first = fill(in, buffer);
        } catch (IOException e) {
            throw new UploadFailed(UploadFailed.Side.STREAM, "reading the snapshot failed before any upload: "
                    + describe(e), false, e);
        }
        Target target;
        try {
            target = planner.plan(buffer, first);
        } catch (RefusedStream e) {
            throw new UploadFailed(UploadFailed.Side.REFUSED, e.getMessage(), false, e);
        }
        boolean ended = first < buffer.length;
        try {
            verify(verifier, buffer, first, ended);
        } catch (Unverified e) {
            throw new UploadFailed(UploadFailed.Side.INCOMPLETE, e.getMessage() + "; no upload was created", false, e);
        }
        CreateMultipartUploadRequest.Builder create = CreateMultipartUploadRequest.builder()
                .bucket(bucket).key(target.key()).metadata(target.metadata())
                .contentType("application/gzip");
        kmsKeyId.ifPresent(k -> create.serverSideEncryption(ServerSideEncryption.AWS_KMS).ssekmsKeyId(k));
        String uploadId;
        try {
            uploadId = s3.get().createMultipartUpload(create.build()).uploadId();
        } catch (SdkException e) {
            throw new UploadFailed(UploadFailed.Side.STORE, "CreateMultipartUpload failed: " + describe(e), false, e);
        }
        List<CompletedPart> parts = new ArrayList<>();
        long total = 0;
        int length = first;
        try {
            while (true) {
                int number = parts.size() + 1;
                if (number > MAX_PARTS) {
                    throw new UploadFailed(UploadFailed.Side.STORE, "the snapshot needs more than " + MAX_PARTS
                            + " parts of " + partBytes + " bytes", false, null);
                }
                long size = length;
                String eTag = s3.get().uploadPart(p -> p.bucket(bucket).key(target.key()).uploadId(uploadId)
                                .partNumber(number).contentLength(size),
                        RequestBody.fromInputStream(new ByteArrayInputStream(buffer, 0, (int) size), size)).eTag();
                parts.add(CompletedPart.builder().partNumber(number).eTag(eTag).build());
                total += length;
                if (ended) {
                    break; // a short part is the stream's end
                }
                try {
                    length = fill(in, buffer);
                } catch (IOException e) {
                    throw new UploadFailed(UploadFailed.Side.STREAM, "reading the snapshot failed after " + total
                            + " bytes: " + describe(e), false, e);
                }
                ended = length < buffer.length;
                try {
                    verify(verifier, buffer, length, ended);
                } catch (Unverified e) {
                    throw new UploadFailed(UploadFailed.Side.INCOMPLETE, e.getMessage() + " (" + (total + length)
                            + " bytes came)", false, e);
                }
                if (length == 0) {
                    break;
                }
            }
        } catch (UploadFailed e) {
            throw abort(target.key(), uploadId, e.side(), e.getMessage(), e.getCause(), false);
        } catch (SdkException e) {
            throw abort(target.key(), uploadId, UploadFailed.Side.STORE, "the upload failed after " + total
                    + " bytes: " + describe(e), e, false);
        } catch (RuntimeException e) {
            throw abort(target.key(), uploadId, UploadFailed.Side.STREAM, "the upload failed after " + total
                    + " bytes: " + describe(e), e, false);
        }
        return complete(target, uploadId, parts, total);
    }

    /** Feeds the verifier; a verifier that fails unexpectedly refuses the stream (it is never stored unverified). */
    private static void verify(Verifier verifier, byte[] buffer, int length, boolean ended) throws Unverified {
        try {
            if (length > 0) {
                verifier.update(buffer, 0, length);
            }
            if (ended) {
                verifier.finish();
            }
        } catch (RuntimeException e) {
            throw new Unverified("verifying the snapshot failed: " + describe(e));
        }
    }

    /**
     * CompleteMultipartUpload, tried a second time unless S3 clearly refused the first; when it does not succeed, the
     * upload is aborted, and an abort that cannot prove nothing was stored makes the outcome unknown.
     */
    private Stored complete(Target target, String uploadId, List<CompletedPart> parts, long total) throws UploadFailed {
        RuntimeException firstFailure;
        try {
            return completeOnce(target, uploadId, parts, total);
        } catch (RuntimeException e) {
            firstFailure = e;
        }
        String first = "CompleteMultipartUpload failed after " + total + " bytes: " + describe(firstFailure);
        if (isRefusal(firstFailure)) {
            throw abort(target.key(), uploadId, UploadFailed.Side.STORE, first, firstFailure, true);
        }
        try {
            return completeOnce(target, uploadId, parts, total);
        } catch (RuntimeException e) {
            // An abort that succeeds proves the upload was still open (no object came of it); NoSuchUpload does not.
            throw abort(target.key(), uploadId, UploadFailed.Side.STORE, first + "; tried again: " + describe(e), e,
                    true);
        }
    }

    private Stored completeOnce(Target target, String uploadId, List<CompletedPart> parts, long total) {
        CompleteMultipartUploadResponse done = s3.get().completeMultipartUpload(c -> c.bucket(bucket)
                .key(target.key()).uploadId(uploadId).multipartUpload(m -> m.parts(parts)));
        return new Stored(bucket, target.key(), total, parts.size(), Optional.ofNullable(done.versionId()),
                done.eTag(), target);
    }

    /** S3 answered a 4xx that says the request itself is wrong (not NoSuchUpload, not a timeout or throttling). */
    static boolean isRefusal(Throwable e) {
        if (!(e instanceof S3Exception s3e)) {
            return false;
        }
        int status = s3e.statusCode();
        return status >= 400 && status < 500 && status != 408 && status != 429 && !isNoSuchUpload(s3e);
    }

    private static boolean isNoSuchUpload(Throwable e) {
        return e instanceof S3Exception s3e && (s3e.statusCode() == 404
                || s3e.awsErrorDetails() != null && "NoSuchUpload".equals(s3e.awsErrorDetails().errorCode()));
    }

    /**
     * Aborts the upload. After a CompleteMultipartUpload attempt ({@code afterComplete}), an abort answered NoSuchUpload
     * (or failing) means the completion may have happened: {@link UploadFailed.Side#OUTCOME_UNKNOWN}.
     */
    private UploadFailed abort(String key, String uploadId, UploadFailed.Side side, String message, Throwable cause,
                               boolean afterComplete) {
        try {
            s3.get().abortMultipartUpload(a -> a.bucket(bucket).key(key).uploadId(uploadId));
            return new UploadFailed(side, message + "; the upload was aborted"
                    + (afterComplete ? " (it was still open: no object was stored)" : ""), false, cause);
        } catch (SdkException e) {
            if (afterComplete) {
                boolean gone = isNoSuchUpload(e);
                return new UploadFailed(UploadFailed.Side.OUTCOME_UNKNOWN, message + "; aborting the upload then "
                        + (gone ? "found no such upload" : "failed too (" + describe(e) + ")")
                        + ": the object s3://" + bucket + "/" + key + " may exist (the completion may have succeeded"
                        + " at S3)" + (gone ? "" : ", or the upload's parts stay until the bucket's incomplete-upload"
                        + " rule removes them"), false, cause);
            }
            return new UploadFailed(side, message + "; aborting the upload failed too (" + describe(e)
                    + "): its parts stay until the bucket's incomplete-upload rule removes them", true, cause);
        }
    }

    /** Reads until the buffer is full or the stream ends; the count read. */
    static int fill(InputStream in, byte[] buffer) throws IOException {
        int off = 0;
        while (off < buffer.length) {
            int n = in.read(buffer, off, buffer.length - off);
            if (n < 0) {
                break;
            }
            off += n;
        }
        return off;
    }

    /** The newest object under {@code prefix} (by LastModified), if any. Throws the SDK's exception on failure. */
    public Optional<Listed> newest(String prefix) {
        Optional<Listed> newest = Optional.empty();
        String token = null;
        do {
            String continuation = token;
            ListObjectsV2Response page = s3.get().listObjectsV2(l -> l.bucket(bucket).prefix(prefix)
                    .continuationToken(continuation));
            Optional<S3Object> best = page.contents().stream().max(Comparator.comparing(S3Object::lastModified));
            if (best.isPresent() && (newest.isEmpty() || best.get().lastModified().isAfter(newest.get().lastModified()))) {
                newest = Optional.of(new Listed(best.get().key(), best.get().lastModified(), best.get().size()));
            }
            token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
        } while (token != null);
        return newest;
    }

    /** An object as listed. */
    public record Listed(String key, Instant lastModified, long size) {
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + firstLine(message));
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl);
        return line.length() > 300 ? line.substring(0, 300) : line;
    }
}
