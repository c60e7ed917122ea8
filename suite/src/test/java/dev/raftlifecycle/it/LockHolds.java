package dev.raftlifecycle.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Instant;
import java.util.List;

/** The mutation lock's holds, read from the handlers' decision lines (lockedAt, unlockedAt). */
final class LockHolds {
    private static final ObjectMapper JSON = new ObjectMapper();

    private LockHolds() {
    }

    /** Asserts that the log has exactly two decisions and that their lock holds did not overlap. */
    static void assertTwoDecisionsHeldTheLockInTurn(List<String> log) {
        List<JsonNode> decisions = log.stream().filter(l -> l.contains("\"event\":\"decision\"")).map(LockHolds::json).toList();
        assertThat(decisions).hasSize(2);
        Instant[] first = held(decisions.get(0));
        Instant[] second = held(decisions.get(1));
        assertThat(first[1].isAfter(first[0]) && second[1].isAfter(second[0])).isTrue();
        assertThat(!first[1].isAfter(second[0]) || !second[1].isAfter(first[0]))
                .as("lock holds %s and %s must not overlap", List.of(first), List.of(second)).isTrue();
    }

    private static Instant[] held(JsonNode decision) {
        return new Instant[] {Instant.parse(decision.get("lockedAt").asText()), Instant.parse(decision.get("unlockedAt").asText())};
    }

    private static JsonNode json(String line) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
