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

    /** The newest current snapshot (a version deleted since, or written over, is left out). */
    public record Newest() implements Selector {
    }

    /**
     * The newest current snapshot written at or before {@code time} (the state the cluster had then, as near as
     * kept); a deleted one is left out as by {@link Newest}.
     */
    public record AtOrBefore(Instant time) implements Selector {
    }

    /** Exactly this object version, current or not (the way to restore a version someone deleted). */
    public record Version(String versionId) implements Selector {
    }

    /** The chosen version, or empty when none fits (the caller says which were there). */
    public static Optional<SnapshotObject> choose(List<SnapshotObject> listed, Selector selector) {
        // Newest first; two written in the same second are told apart by key (the snapshot function's keys sort by time).
        Comparator<SnapshotObject> newestFirst = Comparator.comparing(SnapshotObject::lastModified)
                .thenComparing(SnapshotObject::key).reversed();
        return switch (selector) {
            case Newest n -> listed.stream().filter(SnapshotObject::current).min(newestFirst);
            case AtOrBefore at -> listed.stream().filter(SnapshotObject::current)
                    .filter(o -> !o.lastModified().isAfter(at.time())).min(newestFirst);
            case Version v -> listed.stream().filter(o -> o.versionId().equals(v.versionId())).findFirst();
        };
    }
}
