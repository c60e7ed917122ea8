package dev.raftlifecycle.ports;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class RaftTelemetryTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theCommitTimersMeanIsReadUnderEitherSystemsPrefixAndNothingWithoutCommits() throws Exception {
        String vault = """
                {"Timestamp":"2026-12-02 15:30:00 +0000 UTC","Gauges":[{"Name":"vault.core.active","Value":1}],
                 "Samples":[{"Name":"vault.raft.fsm.apply","Count":3,"Mean":0.1},
                            {"Name":"vault.raft.commitTime","Count":4,"Sum":10.0,"Min":1.5,"Max":4.0,"Mean":2.5,"Labels":{}}]}
                """;
        assertThat(RaftTelemetry.commitTimeMs(JSON.readTree(vault))).contains(2.5);
        String consul = """
                {"Samples":[{"Name":"consul.raft.commitTime","Count":1,"Mean":0.84}]}
                """;
        assertThat(RaftTelemetry.commitTimeMs(JSON.readTree(consul))).contains(0.84);
        assertThat(RaftTelemetry.commitTimeMs(JSON.readTree("{\"Samples\":[{\"Name\":\"consul.raft.commitTime\",\"Count\":0}]}"))).isEmpty();
        assertThat(RaftTelemetry.commitTimeMs(JSON.readTree("{\"Samples\":[]}"))).isEmpty();
        assertThat(RaftTelemetry.commitTimeMs(JSON.readTree("{}"))).isEmpty();
    }
}
