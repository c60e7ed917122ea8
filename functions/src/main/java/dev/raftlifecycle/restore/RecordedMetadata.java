package dev.raftlifecycle.restore;

import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The S3 user metadata a snapshot object carries ({@code x-amz-meta-<name>}), as the restore reads it.
 * (The snapshot function writes these names; when its own definition of them lands, this class reads that one.)
 */
public final class RecordedMetadata {
    public static final String CLUSTER = "cluster";
    public static final String SYSTEM = "system";
    public static final String RAFT_INDEX = "raft-index";
    public static final String RAFT_TERM = "raft-term";

    private RecordedMetadata() {
    }

    /** What the object's metadata records; a missing or unreadable field is empty. */
    public static RestoreCheck.Recorded read(Map<String, String> metadata) {
        OptionalLong index = OptionalLong.empty();
        String raw = metadata.get(RAFT_INDEX);
        if (raw != null) {
            try {
                index = OptionalLong.of(Long.parseLong(raw.strip()));
            } catch (NumberFormatException e) {
                index = OptionalLong.empty();
            }
        }
        return new RestoreCheck.Recorded(Optional.ofNullable(metadata.get(CLUSTER)),
                Optional.ofNullable(metadata.get(SYSTEM)), index);
    }
}
