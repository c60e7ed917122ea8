package dev.raftlifecycle.handlers;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raftlifecycle.contract.MetricName;
import dev.raftlifecycle.decisions.ShadowVerdict;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ShadowLogTest {
    @Test
    void theDecisionLineSaysShadowAndWhatWouldHaveHappened() throws Exception {
        List<String> lines = new ArrayList<>();
        DecisionLog log = new DecisionLog(lines::add, "RaftLifecycle", "prod");
        ShadowVerdict would = new ShadowVerdict("CONTINUE", "leader-removed", Optional.of("i-1"), Optional.of("i-1"),
                Optional.of("i-1"), List.of(MetricName.WOULD_REMOVE, MetricName.WOULD_STEP_DOWN));
        ShadowLog.mark(log.line("terminating", "decision").field("Reason", "shadow").field("action", "CONTINUE"), would)
                .metric(MetricName.LIFECYCLE_CONTINUE, 1).emit(Instant.parse("2026-12-07T12:00:00Z"));
        JsonNode line = new ObjectMapper().readTree(lines.get(0));
        assertThat(line.path("mode").asText()).isEqualTo("shadow");
        assertThat(line.path("Reason").asText()).isEqualTo("shadow");
        assertThat(line.path("would").path("action").asText()).isEqualTo("CONTINUE");
        assertThat(line.path("would").path("reason").asText()).isEqualTo("leader-removed");
        assertThat(line.path("would").path("mutations").toString())
                .isEqualTo("[\"step-down of i-1\",\"remove-peer i-1\"]");
        assertThat(line.has("WouldRemove")).isFalse();
    }
}
