package dev.raftlifecycle.handlers;

import dev.raftlifecycle.decisions.ClusterView;
import dev.raftlifecycle.ports.VaultClient.VaultCallException;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Carries out one peer removal, shared by the terminating handler and the reconciler: step the leader down
 * first when the peer is the leader (and wait, bounded, for another leader), remove-peer, then re-read the
 * configuration until the peer is gone (Vault answers success even for an unknown id).
 */
final class PeerRemoval {
    private static final Duration CONFIRM = Duration.ofSeconds(15);
    private static final Duration POLL = Duration.ofMillis(500);

    private final HandlerRuntime runtime;
    private final ClusterAccess access;

    PeerRemoval(HandlerRuntime runtime, ClusterAccess access) {
        this.runtime = runtime;
        this.access = access;
    }

    /** What a removal did; {@code failure} is null on success, else the reason (step-down-failed, ...). */
    record Result(boolean steppedDown, boolean removed, String failure, String detail) {
        static final Result NONE = new Result(false, false, null, null);
    }

    Result remove(String via, String nodeId, boolean stepDownFirst, Deadline deadline, Runnable whileWaiting) {
        boolean steppedDown = false;
        try {
            if (stepDownFirst) {
                runtime.vault().stepDown(via, access.session(via));
                steppedDown = true;
                Optional<ClusterView> after = await(via, deadline.within(runtime.settings().stepDownWait()), whileWaiting,
                        v -> v.leader().isPresent() && !v.leader().get().nodeId().equals(nodeId));
                if (after.isEmpty()) {
                    return new Result(true, false, "step-down-failed",
                            "no other leader within " + runtime.settings().stepDownWait().toSeconds() + " s of the step-down");
                }
            }
            runtime.vault().removePeer(via, access.session(via), nodeId);
            Optional<ClusterView> gone = await(via, deadline.within(CONFIRM), whileWaiting, v -> v.peer(nodeId).isEmpty());
            if (gone.isEmpty()) {
                return new Result(steppedDown, false, "removal-unconfirmed",
                        nodeId + " still in the Raft configuration after remove-peer");
            }
            return new Result(steppedDown, true, null, null);
        } catch (VaultCallException e) {
            return new Result(steppedDown, false, "removal-failed", e.getMessage());
        }
    }

    /** Re-reads the cluster until the condition holds (tolerating an election in progress) or the deadline. */
    private Optional<ClusterView> await(String via, Deadline until, Runnable whileWaiting, Predicate<ClusterView> condition) {
        while (true) {
            try {
                ClusterView view = access.read(via);
                if (condition.test(view)) {
                    return Optional.of(view);
                }
            } catch (VaultCallException e) {
                // election in progress or the node briefly unavailable: try again
            }
            whileWaiting.run();
            if (!until.sleep(POLL)) {
                return Optional.empty();
            }
        }
    }
}
