package dev.raftlifecycle.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftlifecycle.events.InvalidEventException;
import dev.raftlifecycle.handlers.InterruptionHandler;
import dev.raftlifecycle.handlers.ReconcilerHandler;
import dev.raftlifecycle.rig.ClusterSpec;
import dev.raftlifecycle.rig.EventBridgeEvents;
import dev.raftlifecycle.rig.RaftClusterExtension;
import dev.raftlifecycle.rig.RaftNode;
import dev.raftlifecycle.rig.VaultCluster;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link Ec2EventsCases} on a real 3-node Vault cluster (Spot groups), and what is checked on Vault only: two warnings
 * at once in a three-node cluster, and every event that must change nothing (another account's or cluster's instance,
 * a non-final state, a stop, malformed input) counted against Vault's audit log: not one Vault request.
 */
class Ec2EventsIT extends Ec2EventsCases {
    private static final String OTHER_ACCOUNT = "210987654321";

    @RegisterExtension
    static final RaftClusterExtension<VaultCluster> CLUSTER = RaftClusterExtension.vault(ClusterSpec.defaults().withSpot());

    @Override
    RaftClusterExtension<VaultCluster> fixture() {
        return CLUSTER;
    }

    @Override
    Duration lossWindow() {
        return Duration.ofSeconds(10);
    }

    /** Vault's removal does not stop the server: the peer went while it still runs, before it dies. */
    @Override
    void assertRemovedBeforeItDies(RaftNode victim) {
        assertThat(victim.running()).isTrue();
    }

    @Test
    void twoWarningsAtOnceInAThreeNodeClusterRemoveBothPeersSoTheLastVoterKeepsLeading() throws Exception {
        // The floor (2 of 3) would keep the second: it goes anyway, and a dead voter in a 2-voter configuration is a
        // cluster without quorum. Both go, the third leads alone until the replacements join.
        RaftNode leader = leader();
        List<RaftNode> followers = followers();
        InterruptionHandler handler = harness.interruption();
        Future<InterruptionHandler.Outcome> first = HandlerHarness.THREADS.submit(() -> handler.handle(
                cluster.rig().interruptSpot(followers.get(0).instanceId()), LAMBDA_TIME));
        Future<InterruptionHandler.Outcome> second = HandlerHarness.THREADS.submit(() -> handler.handle(
                cluster.rig().interruptSpot(followers.get(1).instanceId()), LAMBDA_TIME));
        assertThat(first.get().action()).as(first.get().detail()).isEqualTo("REMOVED");
        assertThat(second.get().action()).as(second.get().detail()).isEqualTo("REMOVED");
        assertThat(cluster.raftNodeIds()).containsExactly(leader.instanceId());
        followers.forEach(f -> cluster.loseInstance(f.instanceId()));
        assertThat(leader().instanceId()).isEqualTo(leader.instanceId());
        assertThat(cluster.kvPut("spot/alone", "ok")).isTrue();
    }

    @Test
    void eventsThatAreNotThisClustersOrNotActionableChangeNothingAndMakeNoVaultCall() throws Exception {
        RaftNode follower = followers().get(0);
        Set<String> peers = cluster.raftNodeIds();
        long audited = CLUSTER.cluster().auditedRequests();
        InterruptionHandler interruption = harness.interruption();
        ReconcilerHandler reconciler = harness.reconciler();

        // Another account's event (a rule forwarding from elsewhere): ignored before any call.
        assertThat(interruption.handle(withAccount(cluster.rig().interruptSpot(follower.instanceId()), OTHER_ACCOUNT),
                LAMBDA_TIME).reason()).isEqualTo("foreign-account");
        // One that names no account at all (no EventBridge delivery lacks one: a hand-made invocation).
        assertThat(interruption.handle(withAccount(cluster.rig().interruptSpot(follower.instanceId()), null),
                LAMBDA_TIME).reason()).isEqualTo("no-account");
        assertThat(reconciler.stateChange(event(withAccount(EventBridgeEvents.stateChange(follower.instanceId(),
                "terminated"), null)), LAMBDA_TIME).reason()).isEqualTo("no-account");
        cluster.rig().recorder().spotRequestStatus(follower.instanceId(), null);
        // An instance of no group of this cluster (another team's Spot instance in the same region).
        String stranger = cluster.rig().ec2().runInstances(r -> r.imageId("ami-12c6146b").minCount(1).maxCount(1))
                .instances().get(0).instanceId();
        assertThat(interruption.handle(EventBridgeEvents.spotInterruption(stranger, "terminate"), LAMBDA_TIME).reason()).isEqualTo("foreign-instance");
        assertThat(reconciler.stateChange(event(EventBridgeEvents.stateChange(stranger, "terminated")), LAMBDA_TIME).reason()).isEqualTo("foreign-instance");
        // An instance EC2 has never heard of.
        assertThat(interruption.handle(EventBridgeEvents.spotInterruption("i-0123456789abcdef0", "terminate"), LAMBDA_TIME).action()).isEqualTo("IGNORED");
        // A state that is not final, and a Spot interruption that stops the instance rather than terminating it.
        assertThat(reconciler.stateChange(event(EventBridgeEvents.stateChange(follower.instanceId(), "stopping")),
                LAMBDA_TIME).reason()).isEqualTo("not-final");
        assertThat(interruption.handle(EventBridgeEvents.spotInterruption(follower.instanceId(), "stop"), LAMBDA_TIME).reason()).isEqualTo("not-a-termination");
        // Malformed input: a clear error naming the field, no call.
        assertThatThrownBy(() -> interruption.handle("{\"source\":\"aws.ec2\"}".getBytes(StandardCharsets.UTF_8), LAMBDA_TIME)).isInstanceOf(InvalidEventException.class).hasMessageContaining("detail-type");
        assertThatThrownBy(() -> interruption.handle(EventBridgeEvents.stateChange(follower.instanceId(), "terminated"),
                LAMBDA_TIME)).isInstanceOf(InvalidEventException.class)
                .hasMessageContaining("detail-type");
        assertThatThrownBy(() -> reconciler.handle(EventBridgeEvents.spotInterruption(follower.instanceId(), "terminate"),
                LAMBDA_TIME)).isInstanceOf(InvalidEventException.class);
        assertThatThrownBy(() -> reconciler.handle("{\"source\":\"aws.ec2\",\"detail-type\":\"EC2 Instance State-change Notification\",\"detail\":{\"instance-id\":\"i-1\",\"state\":\"terminated\"}}"
                .getBytes(StandardCharsets.UTF_8), LAMBDA_TIME)).isInstanceOf(InvalidEventException.class)
                .hasMessageContaining("detail.instance-id");

        assertThat(CLUSTER.cluster().auditedRequests()).isEqualTo(audited); // not one Vault request
        assertThat(cluster.raftNodeIds()).isEqualTo(peers);
        assertThat(harness.awsCalls()).allSatisfy(call -> assertThat(call).isEqualTo("ec2:DescribeInstances"));
    }

    /** The same event from another account ({@code null}: naming none). */
    static byte[] withAccount(byte[] event, String account) {
        try {
            com.fasterxml.jackson.databind.node.ObjectNode root = (com.fasterxml.jackson.databind.node.ObjectNode)
                    new com.fasterxml.jackson.databind.ObjectMapper().readTree(event);
            if (account == null) {
                root.remove("account");
            } else {
                root.put("account", account);
            }
            return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsBytes(root);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
