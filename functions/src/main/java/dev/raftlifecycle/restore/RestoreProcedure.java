package dev.raftlifecycle.restore;

import dev.raftlifecycle.decisions.RestoreTarget;
import dev.raftlifecycle.decisions.SnapshotObject;
import dev.raftlifecycle.decisions.SnapshotChoice;
import dev.raftlifecycle.decisions.RestoreCheck;
import dev.raftlifecycle.decisions.SnapshotArchive;
import dev.raftlifecycle.ports.ClusterCallException;
import dev.raftlifecycle.ports.RestorePort;
import dev.raftlifecycle.ports.SnapshotObjects;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The restore, the same for AWS (scripts/restore-snapshot) and the lab's drill: choose a snapshot version under the
 * cluster's prefix, check it and the target ({@link RestoreCheck}), stream it from S3 into the target's active node,
 * then wait until the target serves with the snapshot's index applied. The archive's head is read with a ranged GET
 * of its first bytes, pinned to the same version as the restore's own GET (S3 cannot rewind a stream, and the restore
 * body is never held), so what is checked is what is sent.
 */
public final class RestoreProcedure {
    /**
     * @param cluster      the cluster name the snapshot must record (the deployment's clusterName)
     * @param system       vault or consul, as the object records it
     * @param prefix       where the cluster's snapshots are
     * @param host         a node of the target (an IP or name its certificate carries)
     * @param replaceData  the operator confirmed that the target's data is to be replaced
     * @param confirmWithin how long the target may take to serve with the snapshot applied
     */
    public record Request(String cluster, String system, String prefix, SnapshotChoice.Selector selector, String host,
                          RestorePort.Mode mode, boolean replaceData, Duration confirmWithin) {
    }

    /** What was restored: the version, the index it holds, when the restore call went out and when it was confirmed. */
    public record Outcome(SnapshotObject object, long snapshotIndex, long snapshotTerm, Instant sent, Instant confirmed,
                          RestoreTarget after) {
    }

    private static final Duration POLL = Duration.ofMillis(500);
    /** How long the target must keep serving under one leader with the snapshot applied to count as restored. */
    static final Duration SETTLE = Duration.ofSeconds(15);

    private final SnapshotObjects objects;
    private final RestorePort port;
    private final Clock clock;
    private final Consumer<String> progress;

    public RestoreProcedure(SnapshotObjects objects, RestorePort port, Clock clock, Consumer<String> progress) {
        this.objects = objects;
        this.port = port;
        this.clock = clock;
        this.progress = progress;
    }

    public Outcome run(Request request, String token) throws RestoreException {
        List<SnapshotObject> listed = objects.list(request.prefix());
        SnapshotObject chosen = SnapshotChoice.choose(listed, request.selector()).orElseThrow(() ->
                new RestoreException(RestoreException.Kind.NO_SNAPSHOT, "no snapshot under s3://" + objects.bucket() + "/"
                        + request.prefix() + " fits " + describe(request.selector()) + " (" + listed.size()
                        + " version(s) there" + newest(listed) + ")"));
        progress.accept("snapshot s3://" + objects.bucket() + "/" + chosen.key() + " version " + chosen.versionId()
                + " written " + chosen.lastModified() + ", " + chosen.size() + " bytes");
        RestoreCheck.Recorded recorded = RecordedMetadata.read(objects.metadata(chosen));
        RestoreCheck.Archive archive = readHead(chosen);
        RestoreTarget target;
        try {
            target = port.describe(request.host(), token);
        } catch (ClusterCallException e) {
            throw new RestoreException(RestoreException.Kind.FAILED, "cannot read the target: " + e.getMessage(), e);
        }
        RestoreCheck.Verdict verdict = RestoreCheck.check(request.cluster(), request.system(), recorded, archive, target,
                request.replaceData());
        if (verdict instanceof RestoreCheck.Refuse refuse) {
            throw new RestoreException(RestoreException.Kind.REFUSED, "refused: " + String.join("; ", refuse.reasons()));
        }
        RestoreCheck.Proceed proceed = (RestoreCheck.Proceed) verdict;
        if (!proceed.replacing().isEmpty()) {
            progress.accept("replacing the target's data as confirmed: " + String.join(", ", proceed.replacing()));
        }
        progress.accept("restoring raft index " + proceed.snapshotIndex() + " (term " + archive.term().orElse(0)
                + ") into " + request.host() + " (" + request.mode() + ")");
        Instant sent = clock.instant();
        try (InputStream body = objects.open(chosen)) {
            port.restore(request.host(), token, request.mode(), body, chosen.size());
        } catch (ClusterCallException e) {
            if (refusedOutright(e)) {
                throw new RestoreException(RestoreException.Kind.FAILED, "the restore was refused: " + e.getMessage(), e);
            }
            return afterAnUnknownOutcome(request, token, proceed, chosen, archive, sent, e.getMessage(), e);
        } catch (IOException e) {
            // The body may have been sent whole before the failure (closing the S3 stream, a reset afterwards).
            return afterAnUnknownOutcome(request, token, proceed, chosen, archive, sent,
                    "reading the snapshot from S3 failed: " + e.getMessage(), e);
        }
        progress.accept("the target took the snapshot; confirming (a leader, unsealed, index >= " + proceed.snapshotIndex() + ")");
        RestoreTarget after = confirm(request, token, proceed.snapshotIndex());
        return new Outcome(chosen, proceed.snapshotIndex(), archive.term().orElse(0), sent, clock.instant(), after);
    }

    /** The server answered 4xx: it said no, and took nothing. Anything else (no answer, 5xx) leaves the outcome open. */
    private static boolean refusedOutright(ClusterCallException e) {
        return e.status() >= 400 && e.status() < 500;
    }

    /**
     * A restore whose answer was lost, or that failed in a way that does not say whether the target took it: Vault
     * applies a snapshot after it has answered, so nothing is concluded, and nothing is retried, before the target is
     * read. Confirmed: the outcome is a success, said as such. Not confirmed: the operator is told the outcome is
     * unknown, not that the restore failed (a retry would meet a target that may already hold the snapshot, and a
     * Vault token that may no longer exist).
     */
    private Outcome afterAnUnknownOutcome(Request request, String token, RestoreCheck.Proceed proceed,
                                          SnapshotObject chosen, RestoreCheck.Archive archive, Instant sent,
                                          String what, Exception cause) throws RestoreException {
        progress.accept("the restore's outcome is unknown (" + what + "); reading the target before concluding anything");
        try {
            RestoreTarget after = confirm(request, token, proceed.snapshotIndex());
            progress.accept("the target serves the snapshot: the restore went through although its answer was lost");
            return new Outcome(chosen, proceed.snapshotIndex(), archive.term().orElse(0), sent, clock.instant(), after);
        } catch (RestoreException notConfirmed) {
            throw new RestoreException(RestoreException.Kind.NOT_CONFIRMED, "the restore's outcome is unknown (" + what
                    + ") and the target does not show the snapshot: " + notConfirmed.getMessage() + ". Read the"
                    + " target before trying again: it may still be applying it (Vault applies a snapshot after"
                    + " answering, and the restored cluster's tokens replace the one used here)", cause);
        }
    }

    private RestoreCheck.Archive readHead(SnapshotObject chosen) {
        byte[] head = objects.head(chosen, SnapshotArchive.HEAD_BYTES);
        int length = head.length;
        return switch (SnapshotArchive.read(head, length)) {
            case SnapshotArchive.Meta meta -> RestoreCheck.Archive.of(meta.index(), meta.term());
            case SnapshotArchive.NotASnapshot not -> RestoreCheck.Archive.notASnapshot(not.why());
        };
    }

    /**
     * Polls the target until it has served with the snapshot applied, under one leader, for {@link #SETTLE}: a restore
     * into another Vault cluster cost the leader its leadership 7 s later once on the rig (its followers' Raft
     * connections broken: most likely the nodes taking up the snapshot's Raft TLS keyring), so one good answer right
     * after the restore proves little.
     */
    private RestoreTarget confirm(Request request, String token, long snapshotIndex) throws RestoreException {
        Instant deadline = clock.instant().plus(request.confirmWithin());
        String last = "no answer yet";
        Instant stableSince = null;
        Optional<String> stableLeader = Optional.empty();
        while (true) {
            try {
                RestoreTarget status = port.status(request.host(), token);
                if (RestoreCheck.confirmed(status, snapshotIndex)) {
                    if (stableSince == null || !status.leaderAddress().equals(stableLeader)) {
                        stableSince = clock.instant();
                        stableLeader = status.leaderAddress();
                        progress.accept("serving (leader " + stableLeader.orElse("?") + ", applied index "
                                + status.appliedIndex() + "); watching it for " + SETTLE.toSeconds() + " s");
                    } else if (!clock.instant().isBefore(stableSince.plus(SETTLE))) {
                        return status;
                    }
                } else {
                    stableSince = null;
                }
                last = "leader=" + status.leader() + " (" + status.leaderAddress().orElse("none") + ") unsealed="
                        + status.unsealed() + " applied index=" + status.appliedIndex();
            } catch (ClusterCallException e) {
                stableSince = null;
                last = e.getMessage();
            }
            if (!clock.instant().isBefore(deadline)) {
                throw new RestoreException(RestoreException.Kind.NOT_CONFIRMED, "not confirmed within "
                        + request.confirmWithin().toSeconds() + " s: " + last);
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RestoreException(RestoreException.Kind.NOT_CONFIRMED, "interrupted while confirming");
            }
        }
    }

    private static String describe(SnapshotChoice.Selector selector) {
        return switch (selector) {
            case SnapshotChoice.Newest n -> "newest";
            case SnapshotChoice.AtOrBefore at -> "--at " + at.time();
            case SnapshotChoice.Version v -> "--version-id " + v.versionId();
        };
    }

    private static String newest(List<SnapshotObject> listed) {
        Optional<SnapshotObject> newest = listed.stream().max(Comparator.comparing(SnapshotObject::lastModified));
        return newest.map(o -> "; the oldest is " + listed.stream().map(SnapshotObject::lastModified).min(Comparator.naturalOrder())
                .orElseThrow() + ", the newest " + o.lastModified()).orElse("");
    }
}
