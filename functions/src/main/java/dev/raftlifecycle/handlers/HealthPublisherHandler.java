package dev.raftlifecycle.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raftlifecycle.contract.MetricName;
import dev.raftlifecycle.contract.VaultAccess;
import dev.raftlifecycle.decisions.ClusterSnapshot;
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
 * publishes the metrics in one PutMetricData call. It only reads (its Vault role's policy is read-only); removing
 * stale peers is the reconciler's job. When the cluster cannot be reached at all it still publishes LeaderPresent 0
 * and what the probes saw: silence must never look healthy. The input (the schedule's event) is not used.
 */
public final class HealthPublisherHandler implements RequestStreamHandler {
    static final String NAME = "publisher";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SnapStartPriming priming;
    private final HandlerRuntime runtime;
    private final dev.raftlifecycle.observation.ClusterObserver observer;

    public HealthPublisherHandler() {
        this(HandlerRuntime.fromEnvironment());
    }

    public HealthPublisherHandler(HandlerRuntime runtime) {
        this.runtime = runtime;
        this.observer = runtime.observer(VaultAccess.READ_ROLE);
        this.priming = SnapStartPriming.register(runtime, true);
    }

    /** The SnapStart priming hook (registered; run by Lambda before the snapshot, by the benchmark to measure it). */
    public SnapStartPriming priming() {
        return priming;
    }

    /** The run's result; also its JSON output. */
    public record Outcome(String observedAt, String reachability, Map<String, Double> metrics, int putCalls,
                          long wallTimeMs, String detail) {
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        input.readAllBytes();
        Duration remaining = context == null ? Duration.ofMinutes(1) : Duration.ofMillis(context.getRemainingTimeInMillis());
        JSON.writeValue(output, run(remaining));
    }

    public Outcome run(Duration remaining) {
        Instant started = runtime.clock().instant();
        Deadline deadline = Deadline.after(runtime.clock(), remaining, runtime.settings().safetyMargin());
        ClusterSnapshot snapshot = observer.snapshot(Optional.empty(), deadline, () -> { });
        Reachability reachability = Reachability.of(snapshot);
        List<StalePeers.PeerFate> fates = StalePeers.classify(snapshot);
        List<MetricValue> metrics = HealthMetrics.compute(snapshot, fates, runtime.settings().safetyRules());
        int calls = runtime.cloudWatch().put(runtime.settings().metricsNamespace(), runtime.settings().clusterName(),
                snapshot.healthReadAt(), metrics);
        long wall = Duration.between(started, runtime.clock().instant()).toMillis();
        Map<String, Double> values = new LinkedHashMap<>();
        metrics.forEach(m -> values.put(m.name().metricName(), m.value()));
        String detail = Explain.snapshot(snapshot, runtime.settings().safetyRules());
        runtime.log().line(NAME, "published")
                .field("reachability", reachability.name())
                .field(MetricName.REASON_DIMENSION, reachability.name().toLowerCase())
                .field("metrics", values)
                .field("putCalls", calls)
                .field("wallTimeMs", wall)
                .field("detail", detail)
                .emit(runtime.clock().instant());
        return new Outcome(snapshot.healthReadAt().toString(), reachability.name(), values, calls, wall, detail);
    }
}
