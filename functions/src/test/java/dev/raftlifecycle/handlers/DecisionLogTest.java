package dev.raftlifecycle.handlers;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raftlifecycle.contract.MetricName;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DecisionLogTest {
    @Test
    void aDecisionLineIsAlsoAValidEmbeddedMetricFormatDocument() throws Exception {
        List<String> lines = new ArrayList<>();
        DecisionLog log = new DecisionLog(lines::add, "RaftLifecycle", "prod");
        log.line("terminating", "decision").field("Reason", "quorum-would-break").field("instance", "i-1")
                .metric(MetricName.LIFECYCLE_ABANDON, 1).metric(MetricName.DECISION_LATENCY_MS, 1234)
                .emit(Instant.parse("2026-11-22T12:00:00Z"));
        JsonNode line = new ObjectMapper().readTree(lines.get(0));
        assertThat(line.path("ClusterName").asText()).isEqualTo("prod");
        assertThat(line.path("Reason").asText()).isEqualTo("quorum-would-break");
        assertThat(line.path("LifecycleAbandon").asDouble()).isEqualTo(1.0);
        JsonNode directive = line.path("_aws").path("CloudWatchMetrics").get(0);
        assertThat(line.path("_aws").path("Timestamp").asLong()).isEqualTo(Instant.parse("2026-11-22T12:00:00Z").toEpochMilli());
        assertThat(directive.path("Namespace").asText()).isEqualTo("RaftLifecycle");
        assertThat(directive.path("Dimensions").toString()).isEqualTo("[[\"ClusterName\"],[\"ClusterName\",\"Reason\"]]");
        assertThat(directive.path("Metrics").toString()).contains("\"Name\":\"LifecycleAbandon\"", "\"Unit\":\"Milliseconds\"");
    }

    @Test
    void aLineWithoutMetricsHasNoDirective() throws Exception {
        List<String> lines = new ArrayList<>();
        new DecisionLog(lines::add, "ns", "c").line("launching", "ignored").emit(Instant.now());
        assertThat(new ObjectMapper().readTree(lines.get(0)).has("_aws")).isFalse();
    }
}
