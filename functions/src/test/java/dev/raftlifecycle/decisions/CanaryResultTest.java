package dev.raftlifecycle.decisions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.contract.MetricName;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class CanaryResultTest {
    @Test
    void oneSuccessDatumPerOperationAndALatencyOnlyForOperationsThatSucceeded() {
        CanaryResult result = new CanaryResult(new CanaryResult.Operation(true, Duration.ofMillis(42), "read"),
                CanaryResult.Operation.failed(Duration.ofMillis(2000), "write: timed out"));
        assertThat(result.metrics()).containsExactly(
                new MetricValue(MetricName.CANARY_SUCCESS, 1),
                new MetricValue(MetricName.CANARY_SUCCESS, 0),
                new MetricValue(MetricName.CANARY_READ_MS, 42));
    }

    @Test
    void aCanaryThatDidNotRunIsTwoFailedOperations() {
        assertThat(CanaryResult.notRun(Duration.ofSeconds(3), "login failed").metrics()).containsExactly(
                new MetricValue(MetricName.CANARY_SUCCESS, 0), new MetricValue(MetricName.CANARY_SUCCESS, 0));
    }
}
