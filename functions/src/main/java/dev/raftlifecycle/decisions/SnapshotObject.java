package dev.raftlifecycle.decisions;

import java.time.Instant;
import java.util.Objects;

/** One version of a snapshot object in the bucket, as the listing reports it (no metadata: that takes a HEAD). */
public record SnapshotObject(String key, String versionId, Instant lastModified, long size) {
    public SnapshotObject {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(versionId, "versionId");
        Objects.requireNonNull(lastModified, "lastModified");
    }
}
