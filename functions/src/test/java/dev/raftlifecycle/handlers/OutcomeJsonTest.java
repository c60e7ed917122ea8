package dev.raftlifecycle.handlers;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The handlers' results are their Lambda output: they must serialize with a plain ObjectMapper. */
class OutcomeJsonTest {
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void everyOutcomeSerializes() throws Exception {
        assertThat(json.writeValueAsString(new TerminatingHandler.Outcome("i-1", "CONTINUE", "voter-removed", "i-1",
                false, true, "COMPLETED", 12, "via 10.0.0.1"))).contains("\"peerRemoved\":true");
        assertThat(json.writeValueAsString(new LaunchingHandler.Outcome("i-1", "CONTINUE", "ready", "COMPLETED", 12, 3,
                "after 3 poll(s)", "2026-11-22T12:00:00Z"))).contains("\"readyObservedAt\":\"2026-11-22T12:00:00Z\"");
        assertThat(json.writeValueAsString(new HealthPublisherHandler.Outcome("2026-11-22T12:00:00Z", "OBSERVED",
                Map.of("LeaderPresent", 1.0), 1, 40, "via 10.0.0.1",
                new HealthPublisherHandler.Canary("vault.internal", true, 12L, false, null, "read in 12 ms; write: timed out"),
                2L, "not ready: not seen initialized yet"))).contains("\"LeaderPresent\":1.0", "\"readMs\":12",
                "\"writeMs\":null", "\"leaderChanges\":2", "\"elbHealthChecks\":\"not ready: not seen initialized yet\"");
        assertThat(json.writeValueAsString(new ReconcilerHandler.Outcome("OBSERVED", List.of("i-2"), List.of(),
                List.of("i-2:within-grace"), 40, "via 10.0.0.1"))).contains("\"kept\":[\"i-2:within-grace\"]");
    }
}
