package dev.raftlifecycle.handlers;

import dev.raftlifecycle.decisions.ClusterInstance;
import dev.raftlifecycle.decisions.ClusterView;
import dev.raftlifecycle.decisions.RemovalOutcome;
import dev.raftlifecycle.observation.ClusterObserver;
import dev.raftlifecycle.observation.ClusterSessions;
import dev.raftlifecycle.ports.ClusterPort;
import dev.raftlifecycle.ports.ClusterCallException;
import dev.raftlifecycle.time.Deadline;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The two mutations, shared by the terminating handler and the reconciler, each followed by re-reading the cluster:
 * a step-down (then a wait, bounded, for another leader) and a remove-peer (then re-reading the configuration until
 * the peer is gone or the confirmation window closes; whatever the call answered, only the re-read says what
 * happened, see {@link RemovalOutcome}). Deciding whether to call them is not done here.
 */
final class RemovalSteps {
    /** How long a removal is given to show in the configuration. */
    static final Duration CONFIRM = Duration.ofSeconds(15);
    private static final Duration POLL = Duration.ofMillis(500);

    private final ClusterPort cluster;
    private final ClusterSessions sessions;
    private final ClusterObserver observer;
    private final Duration requestTimeout;
    private final Duration stepDownWait;

    RemovalSteps(ClusterPort cluster, ClusterSessions sessions, ClusterObserver observer, Duration requestTimeout,
                 Duration stepDownWait) {
        this.cluster = cluster;
        this.sessions = sessions;
        this.observer = observer;
        this.requestTimeout = requestTimeout;
        this.stepDownWait = stepDownWait;
    }

    /** What the lock's lease must still cover before a step-down starts: the call and the wait for a new leader. */
    Duration stepDownBudget() {
        return requestTimeout.plus(stepDownWait);
    }

    /** What the lease must still cover before a remove-peer starts: the call and its confirmation. */
    Duration removalBudget() {
        return requestTimeout.plus(cluster.removalFollowUp()).plus(CONFIRM);
    }

    /** A step-down's result: whether another node leads now. */
    record StepDown(boolean newLeader, String detail) {
    }

    StepDown stepDown(String via, String leaderId, List<ClusterInstance> instances, Deadline deadline,
                      Runnable whileWaiting) {
        String called = "step-down through " + via;
        try {
            sessions.withSession(via, session -> {
                cluster.stepDown(via, session);
                return null;
            });
        } catch (ClusterCallException e) {
            // It may still have happened: what counts is whether another leader appears.
            called = "step-down answered " + e.getMessage();
        }
        Deadline until = deadline.within(stepDownWait);
        while (true) {
            Optional<ClusterView> view = observer.reread(via, instances);
            if (view.flatMap(ClusterView::leader).map(l -> !l.nodeId().equals(leaderId)).orElse(false)) {
                return new StepDown(true, called + "; " + view.get().leader().get().nodeId() + " leads now");
            }
            whileWaiting.run();
            if (!until.sleep(POLL)) {
                return new StepDown(false, called + "; no other leader within " + stepDownWait.toSeconds() + " s");
            }
        }
    }

    /** A removal's result, judged from the configuration re-read after the call. */
    record Removal(RemovalOutcome outcome, String detail) {
    }

    Removal remove(String via, String nodeId, List<ClusterInstance> instances, Deadline deadline, Runnable whileWaiting) {
        boolean accepted;
        String detail;
        try {
            sessions.withSession(via, session -> {
                cluster.removePeer(via, session, nodeId);
                return null;
            });
            accepted = true;
            detail = "remove-peer " + nodeId + " accepted by " + via;
        } catch (ClusterCallException e) {
            accepted = false;
            detail = "remove-peer " + nodeId + " failed (" + e.getMessage() + "), re-read the configuration";
        }
        Deadline until = deadline.within(CONFIRM);
        Optional<ClusterView> last = Optional.empty();
        while (true) {
            Optional<ClusterView> view = observer.reread(via, instances);
            if (view.isPresent()) {
                last = view;
                if (view.get().peer(nodeId).isEmpty()) {
                    break;
                }
            }
            whileWaiting.run();
            if (!until.sleep(POLL)) {
                break;
            }
        }
        RemovalOutcome outcome = RemovalOutcome.judge(nodeId, accepted, last);
        return new Removal(outcome, detail + "; " + switch (outcome) {
            case REMOVED -> "gone from the configuration";
            case UNCONFIRMED -> "still in the configuration after " + CONFIRM.toSeconds() + " s";
            case NOT_REMOVED -> "still in the configuration";
            case UNKNOWN -> "no configuration could be read afterwards";
        });
    }
}
