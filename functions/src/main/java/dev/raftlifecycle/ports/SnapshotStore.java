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
            STORE
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

    /** Streams {@code in} into one object, as the planner says. Does not close {@code in}. */
    public Stored upload(InputStream in, Planner planner) throws UploadFailed {
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
                if (length < buffer.length) {
                    break; // a short part is the stream's end
                }
                try {
                    length = fill(in, buffer);
                } catch (IOException e) {
                    throw new UploadFailed(UploadFailed.Side.STREAM, "reading the snapshot failed after " + total
                            + " bytes: " + describe(e), false, e);
                }
                if (length == 0) {
                    break;
                }
            }
            CompleteMultipartUploadResponse done = s3.get().completeMultipartUpload(c -> c.bucket(bucket)
                    .key(target.key()).uploadId(uploadId).multipartUpload(m -> m.parts(parts)));
            return new Stored(bucket, target.key(), total, parts.size(), Optional.ofNullable(done.versionId()),
                    done.eTag(), target);
        } catch (UploadFailed e) {
            throw abort(target.key(), uploadId, e.side(), e.getMessage(), e.getCause());
        } catch (SdkException e) {
            throw abort(target.key(), uploadId, UploadFailed.Side.STORE, "the upload failed after " + total
                    + " bytes: " + describe(e), e);
        } catch (RuntimeException e) {
            throw abort(target.key(), uploadId, UploadFailed.Side.STREAM, "the upload failed after " + total
                    + " bytes: " + describe(e), e);
        }
    }

    private UploadFailed abort(String key, String uploadId, UploadFailed.Side side, String message, Throwable cause) {
        try {
            s3.get().abortMultipartUpload(a -> a.bucket(bucket).key(key).uploadId(uploadId));
            return new UploadFailed(side, message + "; the upload was aborted", false, cause);
        } catch (SdkException e) {
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
