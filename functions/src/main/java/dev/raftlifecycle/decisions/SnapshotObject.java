package dev.raftlifecycle.decisions;

import java.time.Instant;
import java.util.Objects;

/**
 * One version of a snapshot object in the bucket, as the listing reports it (no metadata: that takes a HEAD).
 * {@code current}: the key's latest version (S3's IsLatest): false for a version someone deleted (a delete marker
 * is the latest since) or one written over.
 */
public record SnapshotObject(String key, String versionId, Instant lastModified, long size, boolean current) {
    public SnapshotObject {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(versionId, "versionId");
        Objects.requireNonNull(lastModified, "lastModified");
    }
}
