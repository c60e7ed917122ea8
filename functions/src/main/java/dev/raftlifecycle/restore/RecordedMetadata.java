package dev.raftlifecycle.restore;

import dev.raftlifecycle.decisions.RestoreCheck;
import dev.raftlifecycle.decisions.SnapshotSource;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The S3 user metadata a snapshot object carries ({@code x-amz-meta-<name>}), as the restore reads it: the names the
 * snapshot function writes ({@link SnapshotSource#metadata}).
 */
public final class RecordedMetadata {

    private RecordedMetadata() {
    }

    /** What the object's metadata records; a missing or unreadable field is empty. */
    public static RestoreCheck.Recorded read(Map<String, String> metadata) {
        OptionalLong index = OptionalLong.empty();
        String raw = metadata.get(SnapshotSource.META_INDEX);
        if (raw != null) {
            try {
                index = OptionalLong.of(Long.parseLong(raw.strip()));
            } catch (NumberFormatException e) {
                index = OptionalLong.empty();
            }
        }
        return new RestoreCheck.Recorded(Optional.ofNullable(metadata.get(SnapshotSource.META_CLUSTER)),
                Optional.ofNullable(metadata.get(SnapshotSource.META_SYSTEM)), index);
    }
}
