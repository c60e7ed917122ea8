package dev.raftlifecycle.decisions;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Whether a snapshot may go into a cluster, and whether the restore has taken. Pure.
 *
 * <p>The rules, in order:
 * <ol>
 *   <li>The object is a snapshot of the cluster named (its recorded cluster name and system match): a snapshot of
 *   another cluster would replace this cluster's data and tokens with someone else's.</li>
 *   <li>The archive is a Raft snapshot (its meta.json parses) and holds the index recorded with the object.</li>
 *   <li>The target serves: a leader, unsealed. A restore needs the new cluster initialized (with the same unseal
 *   key, for Vault) and its operator's token; a cluster without a leader cannot take it.</li>
 *   <li>The target holds nothing but what a freshly initialized cluster holds, unless the operator confirmed that its
 *   data is to be replaced: a restore replaces everything, and a cluster that someone has already started using is
 *   more likely the wrong target than an empty one. Vault: secret engines or auth methods beyond the built-in ones;
 *   Consul: KV keys, services beyond consul. (The Raft configuration is not a criterion: a restore keeps the target's
 *   own peers, so a new cluster of any size takes a snapshot of any other.)</li>
 * </ol>
 */
public final class RestoreCheck {
    private RestoreCheck() {
    }

    /** What was recorded with the object (its S3 metadata); empty fields were not recorded. */
    public record Recorded(Optional<String> cluster, Optional<String> system, OptionalLong index) {
    }

    /** What the archive's meta.json says; {@code index} empty when it is not a snapshot, {@code why} says why. */
    public record Archive(OptionalLong index, OptionalLong term, String why) {
        public static Archive of(long index, long term) {
            return new Archive(OptionalLong.of(index), OptionalLong.of(term), "");
        }

        public static Archive notASnapshot(String why) {
            return new Archive(OptionalLong.empty(), OptionalLong.empty(), why);
        }
    }

    public sealed interface Verdict permits Proceed, Refuse {
    }

    /** Go ahead; the restore is confirmed once the target has applied {@code snapshotIndex}. */
    public record Proceed(long snapshotIndex, List<String> replacing) implements Verdict {
    }

    /** Do not: every reason found. */
    public record Refuse(List<String> reasons) implements Verdict {
    }

    public static Verdict check(String cluster, String system, Recorded recorded, Archive archive, RestoreTarget target,
                                boolean replaceData) {
        List<String> reasons = new ArrayList<>();
        if (recorded.cluster().isEmpty()) {
            reasons.add("the object records no cluster name: not written by the snapshot function");
        } else if (!recorded.cluster().get().equals(cluster)) {
            reasons.add("the snapshot is of cluster " + recorded.cluster().get() + ", not " + cluster);
        }
        if (recorded.system().isPresent() && !recorded.system().get().equalsIgnoreCase(system)) {
            reasons.add("the snapshot is of a " + recorded.system().get() + " cluster, not " + system);
        }
        if (archive.index().isEmpty()) {
            reasons.add("the object is not a Raft snapshot: " + archive.why());
        } else if (recorded.index().isPresent() && recorded.index().getAsLong() != archive.index().getAsLong()) {
            reasons.add("the archive holds index " + archive.index().getAsLong() + " but the object records "
                    + recorded.index().getAsLong() + ": not the snapshot that was recorded");
        }
        if (!target.unsealed()) {
            reasons.add("the target is not initialized and unsealed: initialize it (same unseal key) first");
        } else if (!target.leader()) {
            reasons.add("the target has no leader");
        }
        if (!target.userData().isEmpty() && !replaceData) {
            reasons.add("the target holds data (" + String.join(", ", target.userData())
                    + "): a restore replaces all of it; confirm with --replace-data if that is meant");
        }
        if (!reasons.isEmpty()) {
            return new Refuse(reasons);
        }
        return new Proceed(archive.index().getAsLong(), target.userData());
    }

    /**
     * The restore has taken: the target serves and has applied at least the snapshot's index. An index that cannot be
     * read (Consul, whose token the restore replaced) leaves the leader and seal as the proof: Consul answers the
     * restore only once the leader has applied it.
     */
    public static boolean confirmed(RestoreTarget target, long snapshotIndex) {
        return target.serving() && (target.appliedIndex() >= snapshotIndex
                || target.appliedIndex() == RestoreTarget.UNKNOWN_INDEX);
    }
}
