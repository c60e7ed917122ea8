package dev.raftlifecycle.decisions;

import dev.raftlifecycle.contract.MetricName;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What the canary saw, going through the load balancer as a client does: one read of a fixed secret and one write.
 * An operation succeeded only if it answered as expected within the canary's deadline; its time is measured from
 * the request to the answer (the login, cached across runs like a client's token, is not part of it).
 */
public record CanaryResult(Operation read, Operation write) {

    /** One operation: whether it succeeded, how long it took (until the answer or the failure), and why not. */
    public record Operation(boolean succeeded, Duration took, String detail) {
        public static Operation failed(Duration took, String detail) {
            return new Operation(false, took, detail);
        }
    }

    /** Neither operation ran (the login failed, the canary did not finish in time): both count as failed. */
    public static CanaryResult notRun(Duration took, String detail) {
        Operation failed = Operation.failed(took, detail);
        return new CanaryResult(failed, failed);
    }

    /**
     * CanarySuccess once per operation (so its Average is the fraction that succeeded, its SampleCount the number
     * made) and the latency of each operation that succeeded (a failure's time says nothing about speed).
     */
    public List<MetricValue> metrics() {
        List<MetricValue> out = new ArrayList<>();
        out.add(new MetricValue(MetricName.CANARY_SUCCESS, read.succeeded() ? 1 : 0));
        out.add(new MetricValue(MetricName.CANARY_SUCCESS, write.succeeded() ? 1 : 0));
        if (read.succeeded()) {
            out.add(new MetricValue(MetricName.CANARY_READ_MS, read.took().toMillis()));
        }
        if (write.succeeded()) {
            out.add(new MetricValue(MetricName.CANARY_WRITE_MS, write.took().toMillis()));
        }
        return out;
    }
}
