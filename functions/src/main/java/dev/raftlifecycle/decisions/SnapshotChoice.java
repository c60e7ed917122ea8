package dev.raftlifecycle.decisions;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** Which snapshot to restore, from the versions listed under the cluster's prefix. Pure. */
public final class SnapshotChoice {
    private SnapshotChoice() {
    }

    /** What the operator asked for. */
    public sealed interface Selector permits Newest, AtOrBefore, Version {
    }

    /** The newest snapshot. */
    public record Newest() implements Selector {
    }

    /** The newest snapshot written at or before {@code time} (the state the cluster had then, as near as kept). */
    public record AtOrBefore(Instant time) implements Selector {
    }

    /** Exactly this object version. */
    public record Version(String versionId) implements Selector {
    }

    /** The chosen version, or empty when none fits (the caller says which were there). */
    public static Optional<SnapshotObject> choose(List<SnapshotObject> listed, Selector selector) {
        // Newest first; two written in the same second are told apart by key (the snapshot function's keys sort by time).
        Comparator<SnapshotObject> newestFirst = Comparator.comparing(SnapshotObject::lastModified)
                .thenComparing(SnapshotObject::key).reversed();
        return switch (selector) {
            case Newest n -> listed.stream().min(newestFirst);
            case AtOrBefore at -> listed.stream().filter(o -> !o.lastModified().isAfter(at.time())).min(newestFirst);
            case Version v -> listed.stream().filter(o -> o.versionId().equals(v.versionId())).findFirst();
        };
    }
}
