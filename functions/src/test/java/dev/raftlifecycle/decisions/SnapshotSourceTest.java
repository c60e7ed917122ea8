package dev.raftlifecycle.decisions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.contract.MetricName;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SnapshotSourceTest {
    private static NodeHealth node(String id, NodeHealth.State state) {
        return new NodeHealth(id, "10.0.0." + id.charAt(id.length() - 1), state, Optional.empty(), "");
    }

    @Test
    void takesItFromTheOneLeader() {
        assertThat(SnapshotSource.choose(List.of(node("i-1", NodeHealth.State.STANDBY), node("i-2", NodeHealth.State.ACTIVE),
                node("i-3", NodeHealth.State.UNREACHABLE)))).isEqualTo(new SnapshotSource.Leader("i-2", "10.0.0.2"));
    }

    @Test
    void refusesWithTheReason() {
        assertThat(reason(node("i-1", NodeHealth.State.STANDBY), node("i-2", NodeHealth.State.UNREACHABLE),
                node("i-3", NodeHealth.State.UNREACHABLE))).isEqualTo(Reason.NO_LEADER);
        assertThat(reason(node("i-1", NodeHealth.State.STANDBY_NO_ACTIVE))).isEqualTo(Reason.NO_LEADER);
        assertThat(reason(node("i-1", NodeHealth.State.ACTIVE), node("i-2", NodeHealth.State.ACTIVE))).isEqualTo(Reason.NO_LEADER);
        assertThat(reason(node("i-1", NodeHealth.State.SEALED), node("i-2", NodeHealth.State.UNREACHABLE))).isEqualTo(Reason.SEALED);
        assertThat(reason(node("i-1", NodeHealth.State.UNINITIALIZED))).isEqualTo(Reason.CLUSTER_UNINITIALIZED);
        assertThat(reason(node("i-1", NodeHealth.State.TLS_FAILURE), node("i-2", NodeHealth.State.UNREACHABLE)))
                .isEqualTo(Reason.TLS_FAILURE);
        assertThat(reason(node("i-1", NodeHealth.State.UNREACHABLE))).isEqualTo(Reason.CLUSTER_UNREACHABLE);
        assertThat(reason()).isEqualTo(Reason.CLUSTER_UNREACHABLE);
        assertThat(SnapshotSource.refusal(ReadFailure.DENIED)).isEqualTo(Reason.AUTH_FAILED);
        assertThat(SnapshotSource.refusal(ReadFailure.ACCESS_NOT_SET_UP)).isEqualTo(Reason.AUTH_FAILED);
    }

    private static Reason reason(NodeHealth... answers) {
        return ((SnapshotSource.Refused) SnapshotSource.choose(List.of(answers))).reason();
    }

    @Test
    void keyAndMetadataComeFromTheArchive() {
        SnapshotArchive.Meta meta = new SnapshotArchive.Meta("3-99-1", 99, 3, 1);
        assertThat(SnapshotSource.objectKey("snapshots/c1/", Instant.parse("2026-12-07T12:01:02.789Z"), meta))
                .isEqualTo("snapshots/c1/20261207T120102Z-99.snap");
        assertThat(SnapshotSource.metadata("c1", "vault", "i-2", meta)).containsEntry("raft-index", "99")
                .containsEntry("raft-term", "3").containsEntry("node", "i-2").containsEntry("cluster", "c1")
                .containsEntry("system", "vault");
    }

    @Test
    void snapshotAgeIsNowMinusTheNewestOrTheRetentionWhenThereIsNone() {
        Instant now = Instant.parse("2026-12-07T12:00:00Z");
        assertThat(SnapshotAge.of(Optional.of(now.minusSeconds(125)), Optional.of("k"), now).metric())
                .contains(new MetricValue(MetricName.SNAPSHOT_AGE_SECONDS, 125));
        assertThat(SnapshotAge.of(Optional.of(now.plusSeconds(2)), Optional.of("k"), now).seconds()).contains(0.0);
        assertThat(SnapshotAge.of(Optional.empty(), Optional.empty(), now).seconds()).contains(30 * 86400.0);
        assertThat(SnapshotAge.unknown("listing failed").metric()).isEmpty();
    }
}
