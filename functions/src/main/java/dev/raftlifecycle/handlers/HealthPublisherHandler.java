package dev.raftlifecycle.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raftlifecycle.contract.MetricName;
import dev.raftlifecycle.contract.VaultAccess;
import dev.raftlifecycle.decisions.CanaryResult;
import dev.raftlifecycle.decisions.ClusterSnapshot;
import dev.raftlifecycle.decisions.ClusterStatus;
import dev.raftlifecycle.decisions.HealthCheckSwitch;
import dev.raftlifecycle.decisions.LeaderChanges;
import dev.raftlifecycle.observation.CanaryProbe;
import java.util.ArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import dev.raftlifecycle.decisions.HealthMetrics;
import dev.raftlifecycle.decisions.MetricValue;
import dev.raftlifecycle.decisions.Reachability;
import dev.raftlifecycle.decisions.StalePeers;
import dev.raftlifecycle.time.Deadline;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Scheduled (every minute): probes every instance of the cluster's groups and the cluster's Raft/autopilot state and
 * publishes the metrics in one PutMetricData call. Beside it, on its own thread and deadline, the canary does what a
 * client does through the load balancer (a read and a write): a failed or slow canary is published as such and never
 * holds the other metrics back for longer than its deadline. It counts leader changes from the Raft term against the
 * one it recorded last (a conditional write, so overlapping runs cannot count one change twice). It changes nothing
 * else in AWS: whether the groups are ready for the load balancer's health checks ({@link HealthCheckSwitch}) is only
 * reported, for the operator's deploy with {@code elbHealthChecks=true} (a function that runs every minute holds no
 * right to update the groups). It never touches Raft (its Vault role reads, and writes only the canary's path); removing stale
 * peers is the reconciler's job. When the cluster cannot be reached at all it still publishes LeaderPresent 0 and
 * what the probes saw: silence must never look healthy.
 *
 * <p>Its input chooses between two entry points. A JSON object whose {@code "status"} is the boolean {@code true}
 * asks for the status view ({@link #status}): the same observation (same Vault role, same IAM), returned as
 * {@link ClusterStatus} and nothing else done: no metrics, no canary, no KMS or S3 read, no leader record, no lock-table
 * mark. Anything else is the scheduled run, exactly as before: the schedule's event, {@code {}},
 * {@code {"status":false}}, {@code {"status":"yes"}}, a JSON value that is no object, or bytes that are no JSON at all
 * (a malformed input must never cost a minute of metrics).
 */
public final class HealthPublisherHandler implements RequestStreamHandler {
    static final String NAME = dev.raftlifecycle.contract.HandlerNames.PUBLISHER_NAME;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SnapStartPriming priming;
    private final HandlerRuntime runtime;
    private final dev.raftlifecycle.observation.ClusterObserver observer;
    private final Optional<CanaryProbe> canary;
    /** The unseal key's state is read beside the probes (a KMS call; bounded by the SDK client's timeouts). */
    private final ExecutorService keyThread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "unseal-key");
        t.setDaemon(true);
        return t;
    });
    /** The newest snapshot object is listed beside the probes (an S3 call, bounded by the run's deadline). */
    private final ExecutorService snapshotThread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "snapshot-age");
        t.setDaemon(true);
        return t;
    });
    private final ExecutorService canaryThread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "canary");
        t.setDaemon(true);
        return t;
    });

    public HealthPublisherHandler() {
        this(HandlerRuntime.fromEnvironment());
    }

    public HealthPublisherHandler(HandlerRuntime runtime) {
        this.runtime = runtime;
        this.observer = runtime.observer(VaultAccess.PUBLISHER_ROLE);
        this.canary = runtime.canary(VaultAccess.PUBLISHER_ROLE);
        this.priming = SnapStartPriming.register(runtime, true);
    }

    /** The SnapStart priming hook (registered; run by Lambda before the snapshot, by the benchmark to measure it). */
    public SnapStartPriming priming() {
        return priming;
    }

    /**
     * The run's result; also its JSON output.
     *
     * @param metrics              by name (CanarySuccess: the lower of its two operations)
     * @param canary               null without CANARY_ADDRESS
     * @param leaderChanges        null when there was nothing to compare (first run, no leader, record unreadable)
     * @param healthChecksSwitched the groups switched to ELB health checks by this run
     */
    public record Outcome(String observedAt, String reachability, Map<String, Double> metrics, int putCalls,
                          long wallTimeMs, String detail, Canary canary, Long leaderChanges,
                          String elbHealthChecks) {
    }

    /** The canary's two operations; a latency is null when its operation failed. */
    public record Canary(String address, boolean readSucceeded, Long readMs, boolean writeSucceeded, Long writeMs,
                         String detail) {
        static Canary of(String address, CanaryResult r) {
            return new Canary(address, r.read().succeeded(), r.read().succeeded() ? r.read().took().toMillis() : null,
                    r.write().succeeded(), r.write().succeeded() ? r.write().took().toMillis() : null,
                    r.read().detail() + "; " + r.write().detail());
        }
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        boolean status = asksForStatus(input.readAllBytes());
        Duration remaining = context == null ? Duration.ofMinutes(1) : Duration.ofMillis(context.getRemainingTimeInMillis());
        JSON.writeValue(output, status ? status(remaining) : run(remaining));
    }

    /** The input field that asks for the status view. */
    static final String STATUS_FIELD = "status";

    /** Whether the input asks for the status view: a JSON object whose "status" is the boolean true, nothing else. */
    static boolean asksForStatus(byte[] input) {
        try {
            com.fasterxml.jackson.databind.JsonNode request = JSON.readTree(input);
            return request != null && request.isObject() && request.path(STATUS_FIELD).isBoolean()
                    && request.path(STATUS_FIELD).booleanValue();
        } catch (IOException e) {
            return false; // not JSON: the scheduled run
        }
    }

    /**
     * The status view of one observation; reads only (Auto Scaling, EC2, the lock table's marks, the cluster through
     * the publisher's role) and writes nothing anywhere. Logged as one "status" line (no secret in it).
     */
    public ClusterStatus status(Duration remaining) {
        Deadline deadline = Deadline.after(runtime.clock(), remaining, runtime.settings().safetyMargin());
        ClusterSnapshot snapshot = observer.snapshotWithoutRecording(deadline);
        ClusterStatus observed = ClusterStatus.of(snapshot, runtime.settings().safetyRules(),
                runtime.settings().system(), runtime.clock().instant());
        // A roll gates every step on this: in shadow mode no handler would remove the peers it replaces.
        ClusterStatus status = runtime.settings().shadow() ? observed.inShadowMode() : observed;
        runtime.log().line(NAME, "status")
                .field("healthy", status.healthy())
                .field("leader", status.leader() == null ? null : status.leader().nodeId())
                .field("voters", status.voters())
                .field("healthyVoters", status.healthyVoters())
                .field("failureTolerance", status.failureTolerance())
                .field("versions", status.versions())
                .field("problems", status.problems())
                .field("pendingActions", status.pendingActions().size())
                .emit(runtime.clock().instant());
        return status;
    }

    public Outcome run(Duration remaining) {
        Instant started = runtime.clock().instant();
        Deadline deadline = Deadline.after(runtime.clock(), remaining, runtime.settings().safetyMargin());
        long canaryStarted = System.nanoTime();
        Optional<Future<CanaryResult>> canaryRun = canary.map(c -> canaryThread.submit(c::run));
        Optional<java.util.concurrent.CompletableFuture<dev.raftlifecycle.decisions.UnsealKeyReading>> keyRead =
                runtime.settings().unsealKeyId().map(key -> java.util.concurrent.CompletableFuture.supplyAsync(
                        () -> runtime.kms().unsealKey(key), keyThread));
        Optional<java.util.concurrent.CompletableFuture<dev.raftlifecycle.decisions.SnapshotAge>> snapshotAge =
                runtime.snapshots().map(store -> java.util.concurrent.CompletableFuture.supplyAsync(
                        () -> snapshotAge(store), snapshotThread));
        ClusterSnapshot snapshot = observer.snapshot(Optional.empty(), deadline, () -> { });
        Reachability reachability = Reachability.of(snapshot);
        List<StalePeers.PeerFate> fates = StalePeers.classify(snapshot);
        List<MetricValue> metrics = new ArrayList<>(HealthMetrics.compute(snapshot, fates, runtime.settings().safetyRules()));
        LeaderCount leaderCount = leaderChanges(snapshot);
        Optional<Long> changes = leaderCount.changes();
        changes.ifPresent(n -> metrics.add(new MetricValue(MetricName.LEADER_CHANGES, n)));
        observer.raftCommitTimeMs(snapshot).ifPresent(ms -> metrics.add(new MetricValue(MetricName.RAFT_COMMIT_TIME_MS, ms)));
        Optional<CanaryResult> canaryResult = canaryRun.map(f -> await(f, canaryStarted, deadline));
        canaryResult.ifPresent(r -> metrics.addAll(r.metrics()));
        Optional<dev.raftlifecycle.decisions.UnsealKeyReading> key = keyRead.map(java.util.concurrent.CompletableFuture::join);
        key.flatMap(dev.raftlifecycle.decisions.UnsealKeyReading::metric).ifPresent(metrics::add);
        Optional<dev.raftlifecycle.decisions.SnapshotAge> age = snapshotAge.map(f -> awaitAge(f, deadline));
        age.flatMap(dev.raftlifecycle.decisions.SnapshotAge::metric).ifPresent(metrics::add);
        int calls;
        try {
            // Stamped with the run's start, not with when the probes finished: the schedule starts a run at the same
            // second every minute, while retries can push the probes seconds later, across a minute boundary, and
            // leave an empty minute that the alarms treating missing data as breaching would count as bad.
            calls = runtime.cloudWatch().put(runtime.settings().metricsNamespace(), runtime.settings().clusterName(),
                    started, metrics);
        } catch (RuntimeException e) {
            restoreLeaderRecord(leaderCount.moved());
            throw e;
        }
        String healthChecks = healthCheckAdvice(snapshot, canaryResult.map(r -> r.read().succeeded()
                && r.write().succeeded()));
        long wall = Duration.between(started, runtime.clock().instant()).toMillis();
        Map<String, Double> values = new LinkedHashMap<>();
        metrics.forEach(m -> values.merge(m.name().metricName(), m.value(), Math::min));
        String detail = Explain.snapshot(snapshot, runtime.settings().safetyRules());
        Canary canaryOutcome = canaryResult.map(r -> Canary.of(canary.get().address(), r)).orElse(null);
        runtime.log().line(NAME, "published")
                .field("reachability", reachability.name())
                .field(MetricName.REASON_DIMENSION, reachability.name().toLowerCase())
                .field("metrics", values)
                .field("putCalls", calls)
                .field("canary", canaryOutcome == null ? null : canaryOutcome.detail())
                .field("leaderChanges", changes.orElse(null))
                .field("elbHealthChecks", healthChecks)
                .field("unsealKey", key.map(dev.raftlifecycle.decisions.UnsealKeyReading::detail).orElse(null))
                .field("snapshotAge", age.map(dev.raftlifecycle.decisions.SnapshotAge::detail).orElse(null))
                .field("certificates", certificateDetail(snapshot))
                .field("wallTimeMs", wall)
                .field("detail", detail)
                .emit(runtime.clock().instant());
        return new Outcome(snapshot.healthReadAt().toString(), reachability.name(), values, calls, wall, detail,
                canaryOutcome, changes.orElse(null), healthChecks);
    }

    /** The newest object under the cluster's snapshot prefix, judged against now; a failed listing is unknown. */
    private dev.raftlifecycle.decisions.SnapshotAge snapshotAge(dev.raftlifecycle.ports.SnapshotStore store) {
        try {
            Optional<dev.raftlifecycle.ports.SnapshotStore.Listed> newest = store.newest(runtime.settings().snapshotPrefix());
            return dev.raftlifecycle.decisions.SnapshotAge.of(newest.map(dev.raftlifecycle.ports.SnapshotStore.Listed::lastModified),
                    newest.map(dev.raftlifecycle.ports.SnapshotStore.Listed::key), runtime.clock().instant());
        } catch (RuntimeException e) {
            return dev.raftlifecycle.decisions.SnapshotAge.unknown("listing " + store.bucket() + "/"
                    + runtime.settings().snapshotPrefix() + " failed: " + e.getClass().getSimpleName());
        }
    }

    private static dev.raftlifecycle.decisions.SnapshotAge awaitAge(
            java.util.concurrent.CompletableFuture<dev.raftlifecycle.decisions.SnapshotAge> run, Deadline deadline) {
        try {
            return run.get(Math.max(0, deadline.remaining().toMillis()), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            run.cancel(true);
            return dev.raftlifecycle.decisions.SnapshotAge.unknown("the listing did not finish before the deadline");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return dev.raftlifecycle.decisions.SnapshotAge.unknown("interrupted");
        } catch (ExecutionException e) {
            return dev.raftlifecycle.decisions.SnapshotAge.unknown("the listing failed: " + e.getCause().getClass().getSimpleName());
        }
    }

    /** The nodes whose certificate a new client refused, and why; null when every answering node's was verified. */
    private static String certificateDetail(ClusterSnapshot snapshot) {
        List<String> refused = snapshot.certificates().values().stream()
                .filter(dev.raftlifecycle.decisions.CertificateCheck::refused)
                .map(c -> c.nodeId() + " (" + c.address() + "): " + c.detail()).toList();
        return refused.isEmpty() ? null : String.join("; ", refused);
    }

    /** The canary's result, or a failure once its budget (or the invocation's deadline) is spent. */
    private CanaryResult await(Future<CanaryResult> run, long startedNanos, Deadline deadline) {
        Duration spent = Duration.ofNanos(System.nanoTime() - startedNanos);
        Duration left = canary.get().budget().minus(spent);
        if (left.compareTo(deadline.remaining()) > 0) {
            left = deadline.remaining();
        }
        try {
            return run.get(Math.max(0, left.toMillis()), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            run.cancel(true);
            Duration took = Duration.ofNanos(System.nanoTime() - startedNanos);
            return CanaryResult.notRun(took, "the canary did not finish within " + took.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            run.cancel(true);
            return CanaryResult.notRun(Duration.ofNanos(System.nanoTime() - startedNanos), "interrupted");
        } catch (ExecutionException e) {
            return CanaryResult.notRun(Duration.ofNanos(System.nanoTime() - startedNanos),
                    "the canary failed: " + e.getCause().getClass().getSimpleName());
        }
    }

    /** The record read and the count made against it, by the latest attempt. */
    private record Attempt(Optional<LeaderChanges.Leader> previous, LeaderChanges.Count count) {
    }

    /**
     * The record write failed with something else than a refused condition (a timeout, a throttled retry): it may
     * have landed all the same. Read once more; if the record is this run's, its count stands.
     */
    private LeaderCount wroteItAnyway(Attempt[] attempted) {
        Attempt a = attempted[0];
        if (a == null || a.count().record().isEmpty() || a.count().record().equals(a.previous())) {
            return LeaderCount.NONE;
        }
        try {
            if (runtime.records().lastLeader().equals(a.count().record())) {
                return new LeaderCount(a.count().changes(), new Moved(a.previous(), a.count().record().get()));
            }
        } catch (RuntimeException e) {
            // unknown: nothing published now; if the write landed, these changes are lost (logged above)
        }
        return LeaderCount.NONE;
    }

    /** What this run did to the leader record, so that a failed PutMetricData can put it back. */
    private record Moved(Optional<LeaderChanges.Leader> from, LeaderChanges.Leader to) {
    }

    /** The changes to publish, and the record's move that counted them (null: the record was not moved). */
    private record LeaderCount(Optional<Long> changes, Moved moved) {
        static final LeaderCount NONE = new LeaderCount(Optional.empty(), null);
    }

    /**
     * The changes counted were not published: the record goes back (if no other run moved it since), so that the
     * next run counts them again rather than never.
     */
    private void restoreLeaderRecord(Moved m) {
        if (m == null || m.from().isEmpty()) {
            return;
        }
        try {
            runtime.records().saveLeader(m.from().get(), Optional.of(m.to()));
        } catch (RuntimeException e) {
            runtime.log().line(NAME, "leader-record-failed").field("error", e.getClass().getSimpleName())
                    .emit(runtime.clock().instant());
        }
    }

    /**
     * Counts against the record and moves it, conditionally: when another run moved it first, counts again against
     * what that run recorded. Empty when there is nothing to compare or the record cannot be read or written.
     */
    private LeaderCount leaderChanges(ClusterSnapshot snapshot) {
        Optional<LeaderChanges.Leader> now = LeaderChanges.of(snapshot);
        if (now.isEmpty()) {
            return LeaderCount.NONE;
        }
        Attempt[] attempted = new Attempt[1];
        try {
            for (int attempt = 0; attempt < 3; attempt++) {
                Optional<LeaderChanges.Leader> previous = runtime.records().lastLeader();
                LeaderChanges.Count count = LeaderChanges.count(previous, now);
                attempted[0] = new Attempt(previous, count);
                if (count.record().equals(previous)) {
                    return new LeaderCount(count.changes(), null);
                }
                if (runtime.records().saveLeader(count.record().orElseThrow(), previous)
                        // The write landed but its answer was lost, and the AWS port's retry found its own record.
                        || runtime.records().lastLeader().equals(count.record())) {
                    return new LeaderCount(count.changes(), new Moved(previous, count.record().orElseThrow()));
                }
            }
            return LeaderCount.NONE;
        } catch (RuntimeException e) {
            runtime.log().line(NAME, "leader-record-failed").field("error", e.getClass().getSimpleName())
                    .emit(runtime.clock().instant());
            return wroteItAnyway(attempted);
        }
    }

    /**
     * What {@link HealthCheckSwitch} says of the groups' health-check types, for the operator: "in place" (every group
     * on what the cluster's state calls for), or what a deploy would change and why ("ready: ..."), or why not yet.
     */
    private String healthCheckAdvice(ClusterSnapshot snapshot, Optional<Boolean> canaryWentThrough) {
        HealthCheckSwitch.Plan plan = HealthCheckSwitch.plan(snapshot, canaryWentThrough, runtime.clock().instant());
        return switch (plan.status()) {
            case IN_PLACE -> "in place (" + plan.why() + ")";
            case NOT_READY -> "not ready: " + plan.why();
            case READY -> "ready: " + plan.why() + "; deploy with elbHealthChecks="
                    + plan.switches().get(0).to().contains(HealthCheckSwitch.ELB) + " to set " + plan.switches();
        };
    }
}
