package dev.raftlifecycle.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.config.Settings;
import dev.raftlifecycle.handlers.LaunchingHandler;
import dev.raftlifecycle.handlers.TerminatingHandler;
import dev.raftlifecycle.rig.ClusterSpec;
import dev.raftlifecycle.rig.EventBridgeEvents;
import dev.raftlifecycle.rig.LifecycleRecorder;
import dev.raftlifecycle.rig.RaftClusterExtension;
import dev.raftlifecycle.rig.RaftNode;
import dev.raftlifecycle.rig.VaultCluster;
import dev.raftlifecycle.rig.VaultNode;
import dev.raftlifecycle.rig.VaultRelay;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link QuorumGuardCases} on a real 3-node Vault cluster, and the moments only Vault's side shows here: a voter that
 * died a second ago while autopilot still calls it healthy (Vault's autopilot lags by its last-contact threshold), a
 * remove-peer whose answer is lost (a relay in front of Vault's API), a launch beside retained instances only (a node
 * that answers 501, uninitialized).
 */
class QuorumGuardIT extends QuorumGuardCases {
    @RegisterExtension
    static final RaftClusterExtension<VaultCluster> CLUSTER = RaftClusterExtension.vault(ClusterSpec.defaults());

    @Override
    RaftClusterExtension<VaultCluster> fixture() {
        return CLUSTER;
    }

    @Test
    void aVoterThatDiedASecondAgoIsDeadWhateverAutopilotSaysAndTheTerminationIsRefused() {
        List<RaftNode> followers = followers();
        RaftNode crashed = followers.get(0);
        RaftNode healthy = followers.get(1);
        assertThat(cluster.kvPut("guard/before", "kept")).isTrue();
        crashed.kill();
        // The moment before autopilot catches up: it still calls the crashed node healthy.
        assertThat(cluster.autopilotServer(crashed.instanceId())).hasValueSatisfying(s -> assertThat(s.healthy()).isTrue());
        LifecycleRecorder.LifecycleAction action = cluster.openTermination(healthy.instanceId());

        TerminatingHandler.Outcome outcome = harness.terminating().handle(EventBridgeEvents.forAction(action), LAMBDA_TIME);

        assertThat(outcome.action()).isEqualTo("ABANDON");
        assertThat(outcome.reason()).isEqualTo("quorum-would-break");
        assertThat(outcome.peerRemoved()).isFalse();
        assertThat(outcome.detail()).contains(crashed.instanceId() + "=no-answer");
        assertThat(cluster.raftNodeIds()).hasSize(3).contains(healthy.instanceId());
        assertThat(completions(action)).containsExactly("ABANDON");
        assertThat(cluster.leader()).isPresent();
        assertThat(cluster.kvGet("guard/before")).contains("kept");
        assertThat(cluster.rig().recorder().lifecycleState(healthy.instanceId())).contains("Terminating:Retained");
    }

    @Test
    void aRemovePeerWhoseAnswerIsLostIsJudgedByReReadingTheConfiguration() {
        VaultCluster vault = CLUSTER.cluster();
        RaftNode follower = followers().get(0);
        VaultRelay relay = vault.relay();
        harness.with(Settings.VAULT_PORT, Integer.toString(relay.port()));
        LifecycleRecorder.LifecycleAction action = cluster.openTermination(follower.instanceId());
        // Right before remove-peer (heartbeat 3) the answers start getting lost: Vault applies the removal, the
        // handler's call fails.
        cluster.rig().recorder().onHeartbeat(action.token(), ordinal -> {
            if (ordinal == 3) {
                relay.loseAnswersFor(Duration.ofMillis(1500));
            }
            return false;
        });

        TerminatingHandler.Outcome outcome = harness.terminating().handle(EventBridgeEvents.forAction(action), LAMBDA_TIME);

        assertThat(relay.swallowedBytes()).isPositive();
        assertThat(outcome.detail()).contains("remove-peer " + follower.instanceId() + " failed");
        assertThat(outcome.action()).isEqualTo("CONTINUE");
        assertThat(outcome.peerRemoved()).isTrue();
        assertThat(cluster.raftNodeIds()).doesNotContain(follower.instanceId()).hasSize(2);
        assertThat(completions(action)).containsExactly("CONTINUE");
        relay.close();
    }

    @Test
    void aLaunchBesideRetainedInstancesOnlyIsNeverTakenForAFirstDeploy() {
        VaultCluster vault = CLUSTER.cluster();
        // Every established instance is retained after an abandoned termination; the new node has not joined.
        for (RaftNode node : cluster.runningNodes()) {
            cluster.rig().recorder().lifecycleState(node.instanceId(), "Terminating:Retained");
        }
        String group = cluster.groupNames().get(0);
        String newId = cluster.launchInstance(group);
        VaultNode node = vault.startNode(newId, vault.defaultOptions().withRetryJoin(List.of("https://127.0.0.1:1")));
        assertThat(vault.healthCode(node)).isEqualTo(501);
        LifecycleRecorder.LifecycleAction action = cluster.openLaunch(group, newId);
        harness.with(Settings.LAUNCH_MAX_WAIT_SECONDS, "6");

        LaunchingHandler.Outcome outcome = harness.launching().handle(EventBridgeEvents.forAction(action), Duration.ofMinutes(15));

        assertThat(outcome.action()).isEqualTo("ABANDON");
        assertThat(outcome.reason()).isEqualTo("not-in-raft");
        assertThat(completions(action)).containsExactly("ABANDON");
        vault.retire(newId); // remove-peer of an unknown id is a no-op; the instance goes, desired capacity back to 1
    }
}
