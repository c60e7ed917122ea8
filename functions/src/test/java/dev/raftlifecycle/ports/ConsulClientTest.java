package dev.raftlifecycle.ports;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raftlifecycle.decisions.AutopilotServer;
import dev.raftlifecycle.decisions.AutopilotState;
import dev.raftlifecycle.decisions.ReadFailure;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** How Consul's answers (shapes from the Consul 1.16 API documentation) become the shared records. */
class ConsulClientTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void autopilotHealthIsKeyedByNodeNameWithLeaderVoterAndSerfStatus() throws Exception {
        AutopilotState state = ConsulClient.parseAutopilot(JSON.readTree("""
                {"Healthy": false, "FailureTolerance": 0, "Servers": [
                  {"ID": "e349749b-3303-3ddf-959c-b5885a0e1f6e", "Name": "i-0aaa", "Address": "10.0.1.10:8300",
                   "SerfStatus": "alive", "Version": "1.16.3", "Leader": true, "LastContact": "0s", "LastTerm": 7,
                   "LastIndex": 46, "Healthy": true, "Voter": true, "StableSince": "2026-12-02T10:00:00Z"},
                  {"ID": "0ca2b3c5-0000-0000-0000-000000000000", "Name": "i-0bbb", "Address": "10.0.2.10:8300",
                   "SerfStatus": "failed", "Version": "1.16.3", "Leader": false, "LastContact": "4.5s", "LastTerm": 7,
                   "LastIndex": 40, "Healthy": false, "Voter": true, "StableSince": "2026-12-02T10:05:00Z"},
                  {"ID": "77", "Name": "", "Address": "10.0.3.10:8300", "SerfStatus": "alive", "Leader": false,
                   "LastContact": "10ms", "LastTerm": 7, "LastIndex": 46, "Healthy": true, "Voter": false,
                   "StableSince": "0001-01-01T00:00:00Z"}]}"""));
        assertThat(state.healthy()).isFalse();
        assertThat(state.leader()).isEqualTo("i-0aaa");
        assertThat(state.voters()).containsExactly("i-0aaa", "i-0bbb");
        AutopilotServer failed = state.server("i-0bbb").orElseThrow();
        assertThat(failed.nodeStatus()).isEqualTo("failed");
        assertThat(failed.healthy()).isFalse();
        assertThat(failed.lastContact()).isEqualTo(Duration.ofMillis(4500));
        assertThat(failed.status()).isEqualTo("voter");
        assertThat(state.server("i-0aaa").orElseThrow().status()).isEqualTo("leader");
        assertThat(state.server("i-0aaa").orElseThrow().stableSince()).contains(Instant.parse("2026-12-02T10:00:00Z"));
        // A server without a name keeps its Raft id; an unset time is no time.
        AutopilotServer unnamed = state.server("77").orElseThrow();
        assertThat(unnamed.status()).isEqualTo("non-voter");
        assertThat(unnamed.stableSince()).isEmpty();
    }

    @Test
    void refusalsLeaderlessAnswersAndOthersAreToldApart() {
        assertThat(ConsulClient.translate(403, "Permission denied: token lacks operator:write", "x on ip", false).failure())
                .isEqualTo(ReadFailure.DENIED);
        assertThat(ConsulClient.translate(500, "rpc error: Permission denied", "acl/login on ip", true).failure())
                .isEqualTo(ReadFailure.DENIED);
        assertThat(ConsulClient.translate(500, "rpc error making call: expected \"a\" but got \"b\"", "acl/login on ip", true)
                .failure()).isEqualTo(ReadFailure.DENIED);
        assertThat(ConsulClient.translate(500, "rpc error making call: error making request: dial tcp: refused",
                "acl/login on ip", true).failure()).isEqualTo(ReadFailure.BAD_RESPONSE);
        assertThat(ConsulClient.translate(500, "No cluster leader", "x on ip", false).failure()).isEqualTo(ReadFailure.NO_LEADER);
        // Consul's answer (1.16.3, before and after the ACL bootstrap) to a login naming an auth method it does not have.
        assertThat(ConsulClient.translate(403, "ACL not found: auth method \"raft-lifecycle-aws-iam\" not found",
                "acl/login on ip", true).failure()).isEqualTo(ReadFailure.ACCESS_NOT_SET_UP);
        assertThat(ConsulClient.translate(403, "ACL not found: auth method \"raft-lifecycle-aws-iam\" not found",
                "operator/raft/configuration on ip", false).failure()).isEqualTo(ReadFailure.DENIED);
        ClusterCallException other = ConsulClient.translate(500, "id \"abc\" was not found in the Raft configuration", "x on ip", false);
        assertThat(other.failure()).isEqualTo(ReadFailure.BAD_RESPONSE);
        assertThat(other.getMessage()).contains("HTTP 500").contains("not found");
    }

    @Test
    void aPeerIsNamedByAutopilotsRaftIdKeyAndNeverTurnsIntoItsBareIdWhileAutopilotLags() throws Exception {
        com.fasterxml.jackson.databind.JsonNode entry = JSON.readTree(
                "{\"ID\": \"4edd-uuid\", \"Node\": \"i-0old\", \"Address\": \"10.0.2.10:8300\"}");
        // The address was reused: the configuration's label says i-0old, autopilot (by Raft id) knows it as i-0new.
        assertThat(ConsulClient.name(entry, java.util.Map.of("4edd-uuid", "i-0new"))).isEqualTo("i-0new");
        // Autopilot has not caught up with this server (or could not be read): the label, not the bare id.
        assertThat(ConsulClient.name(entry, java.util.Map.of("other", "i-0zzz"))).isEqualTo("i-0old");
        assertThat(ConsulClient.name(entry, java.util.Map.of())).isEqualTo("i-0old");
        com.fasterxml.jackson.databind.JsonNode unknown = JSON.readTree(
                "{\"ID\": \"77-uuid\", \"Node\": \"(unknown)\", \"Address\": \"10.0.3.10:8300\"}");
        assertThat(ConsulClient.name(unknown, java.util.Map.of())).isEqualTo("77-uuid");
    }
}
