package dev.raftlifecycle.ports;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;

/**
 * Reads go-metrics' in-memory sink as both systems serve it (Vault's {@code sys/metrics}, Consul's
 * {@code agent/metrics}): {@code Samples} of the last finished interval (the one before the current, once there is one), each with a name and a mean in milliseconds.
 */
final class RaftTelemetry {
    /** The Raft library's commit timer, under the system's prefix ({@code vault.raft.commitTime}, {@code consul.…}). */
    static final String COMMIT_TIME_SUFFIX = ".raft.commitTime";

    private RaftTelemetry() {
    }

    static Optional<Double> commitTimeMs(JsonNode metrics) {
        for (JsonNode sample : metrics.path("Samples")) {
            if (sample.path("Name").asText("").endsWith(COMMIT_TIME_SUFFIX) && sample.path("Count").asLong(0) > 0
                    && sample.path("Mean").isNumber()) {
                return Optional.of(sample.path("Mean").asDouble());
            }
        }
        return Optional.empty();
    }
}
