package dev.raftlifecycle.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raftlifecycle.contract.HandlerNames;
import dev.raftlifecycle.contract.MetricName;
import dev.raftlifecycle.contract.VaultAccess;
import dev.raftlifecycle.decisions.NodeHealth;
import dev.raftlifecycle.decisions.Reason;
import dev.raftlifecycle.decisions.SnapshotArchive;
import dev.raftlifecycle.decisions.SnapshotSource;
import dev.raftlifecycle.observation.ClusterObserver;
import dev.raftlifecycle.ports.ClusterCallException;
import dev.raftlifecycle.ports.ClusterPort;
import dev.raftlifecycle.ports.SnapshotStore;
import dev.raftlifecycle.ports.SnapshotVerifier;
import dev.raftlifecycle.time.Deadline;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The snapshot function (scheduled, or invoked on demand with {@code {}}; the input is not used): finds the leader
 * from the nodes' own health answers, logs in with the snapshot role (Vault: {@link VaultAccess#SNAPSHOT_ROLE}, which
 * may read {@code sys/storage/raft/snapshot} and nothing else; Consul: the role its binding rule gives this function's
 * IAM role), streams the leader's snapshot into the bucket (one multipart part in memory at a time, the key and
 * metadata chosen from the archive's meta.json; the whole archive verified as it passes, before the upload is
 * completed: gzip trailer, tar end, SHA256SUMS against the entries' SHA-256, Vault's SHA256SUMS.sealed), and logs one
 * decision line with SnapshotBytes and SnapshotDurationMs. A run that takes none (no leader, sealed, unreachable,
 * refused login, not a snapshot, a broken or incomplete stream or a refused upload) leaves no object and no open upload
 * behind, logs why and counts SnapshotsNotTaken with that Reason; a completion whose outcome stays unknown is
 * snapshot-outcome-unknown (never counted as taken: the object may exist). It
 * takes no lock and changes nothing in the cluster.
 */
public final class SnapshotHandler implements RequestStreamHandler {
    static final String NAME = HandlerNames.SNAPSHOT_NAME;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HandlerRuntime runtime;
    private final ClusterObserver observer;
    private final SnapshotStore store;
    private final UnaryOperator<InputStream> body;

    public SnapshotHandler() {
        this(HandlerRuntime.fromEnvironment());
    }

    public SnapshotHandler(HandlerRuntime runtime) {
        this(runtime, UnaryOperator.identity());
    }

    /**
     * A handler that reads the leader's snapshot through {@code body} (the integration tests' fault injection: a stream
     * that ends early on a real cluster's answer); the deployed function reads it as it comes.
     */
    public SnapshotHandler(HandlerRuntime runtime, UnaryOperator<InputStream> body) {
        runtime.settings().requireSnapshotBucket();
        this.runtime = runtime;
        this.observer = runtime.observer(VaultAccess.SNAPSHOT_ROLE);
        this.store = runtime.snapshots().orElseThrow();
        this.body = body;
    }

    /**
     * The run's result; also its JSON output.
     *
     * @param taken  whether an object was written
     * @param reason snapshot-taken, or why none was
     */
    public record Outcome(boolean taken, String reason, String bucket, String key, Long index, Long term,
                          String versionId, Long bytes, Integer parts, String node, long durationMs, String detail) {
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        input.readAllBytes();
        Duration remaining = context == null ? Duration.ofMinutes(5) : Duration.ofMillis(context.getRemainingTimeInMillis());
        JSON.writeValue(output, run(remaining));
    }

    public Outcome run(Duration remaining) {
        Instant started = runtime.clock().instant();
        long startedNanos = System.nanoTime();
        Deadline deadline = Deadline.after(runtime.clock(), remaining, runtime.settings().safetyMargin());
        Map<String, NodeHealth> health = observer.health(deadline, SnapshotSource::hasLeader);
        SnapshotSource.Choice choice = SnapshotSource.choose(health.values());
        if (choice instanceof SnapshotSource.Refused refused) {
            return notTaken(refused.reason(), null, refused.detail(), startedNanos);
        }
        SnapshotSource.Leader leader = (SnapshotSource.Leader) choice;
        ClusterPort.Session session;
        try {
            session = observer.sessions().current(leader.address());
        } catch (ClusterCallException e) {
            return notTaken(SnapshotSource.refusal(e.failure()), leader.instanceId(), "login: " + e.getMessage(),
                    startedNanos);
        }
        Instant takenAt = runtime.clock().instant();
        String system = runtime.settings().system().value();
        SnapshotStore.Planner planner = (head, length) -> {
            SnapshotArchive.Head read = SnapshotArchive.read(head, length);
            if (read instanceof SnapshotArchive.NotASnapshot not) {
                throw new SnapshotStore.RefusedStream(not.why());
            }
            SnapshotArchive.Meta meta = (SnapshotArchive.Meta) read;
            return new SnapshotStore.Target(SnapshotSource.objectKey(runtime.settings().snapshotPrefix(), takenAt, meta),
                    SnapshotSource.metadata(runtime.settings().clusterName(), system, leader.instanceId(), meta));
        };
        SnapshotStore.Stored stored;
        try {
            stored = runtime.cluster().snapshot(leader.address(), session, runtime.settings().requestTimeout(),
                    deadline.remaining(), in -> store.upload(body.apply(in), planner,
                            new SnapshotVerifier(runtime.settings().system())));
        } catch (ClusterCallException e) {
            if (e.failure() == dev.raftlifecycle.decisions.ReadFailure.DENIED) {
                observer.sessions().invalidate(); // a revoked token is not reused by the next warm run
            }
            return notTaken(SnapshotSource.refusal(e.failure()), leader.instanceId(), e.getMessage(), startedNanos);
        } catch (SnapshotStore.UploadFailed e) {
            return notTaken(reason(e.side()), leader.instanceId(), e.getMessage()
                    + (e.leftovers() ? " (parts left: the bucket's incomplete-upload rule removes them)" : ""), startedNanos);
        }
        long ms = Duration.ofNanos(System.nanoTime() - startedNanos).toMillis();
        Map<String, String> meta = stored.target().metadata();
        Outcome outcome = new Outcome(true, Reason.SNAPSHOT_TAKEN.label(), stored.bucket(), stored.key(),
                Long.parseLong(meta.get(SnapshotSource.META_INDEX)), Long.parseLong(meta.get(SnapshotSource.META_TERM)),
                stored.versionId().orElse(null), stored.bytes(), stored.parts(), leader.instanceId(), ms,
                "from " + leader.instanceId() + " in " + stored.parts() + " part(s)");
        runtime.log().line(NAME, Reason.SNAPSHOT_TAKEN.label())
                .field(MetricName.REASON_DIMENSION, Reason.SNAPSHOT_TAKEN.label())
                .field("bucket", stored.bucket())
                .field("key", stored.key())
                .field("index", outcome.index())
                .field("term", outcome.term())
                .field("versionId", outcome.versionId())
                .field("node", leader.instanceId())
                .field("parts", stored.parts())
                .field("startedAt", started.toString())
                .metric(MetricName.SNAPSHOT_BYTES, stored.bytes())
                .metric(MetricName.SNAPSHOT_DURATION_MS, ms)
                .emit(runtime.clock().instant());
        return outcome;
    }

    /** The reason a failed upload is reported with. */
    public static Reason reason(SnapshotStore.UploadFailed.Side side) {
        return switch (side) {
            case REFUSED -> Reason.NOT_A_SNAPSHOT;
            case STREAM -> Reason.SNAPSHOT_STREAM_FAILED;
            case STORE -> Reason.SNAPSHOT_UPLOAD_FAILED;
            case INCOMPLETE -> Reason.SNAPSHOT_INCOMPLETE;
            case OUTCOME_UNKNOWN -> Reason.SNAPSHOT_OUTCOME_UNKNOWN;
        };
    }

    private Outcome notTaken(Reason reason, String node, String detail, long startedNanos) {
        long ms = Duration.ofNanos(System.nanoTime() - startedNanos).toMillis();
        runtime.log().line(NAME, "snapshot-not-taken")
                .field(MetricName.REASON_DIMENSION, reason.label())
                .field("node", node)
                .field("detail", detail)
                .field("wallTimeMs", ms)
                .metric(MetricName.SNAPSHOTS_NOT_TAKEN, 1)
                .emit(runtime.clock().instant());
        return new Outcome(false, reason.label(), store.bucket(), null, null, null, null, null, null, node, ms, detail);
    }
}
