package dev.raftlifecycle.decisions;

import java.util.List;
import java.util.Optional;

/**
 * What the terminating handler does for one instance: remove its peer (stepping the leader down first),
 * then CONTINUE; CONTINUE without removal; or ABANDON so the group keeps the instance for an operator.
 */
public record TerminationDecision(Action action, Optional<RaftPeer> peer, boolean stepDownFirst, String reason,
                                  Optional<RemovalSafety.Assessment> safety) {

    public enum Action {
        /** Remove the peer, confirm it is gone, then complete CONTINUE. */
        REMOVE_THEN_CONTINUE,
        /** Complete CONTINUE without touching Raft. */
        CONTINUE,
        /** Complete ABANDON: unsafe or impossible to decide. */
        ABANDON
    }

    /** Everything the decision needs; no I/O behind it. */
    public record Facts(String instanceId, Reachability reachability, Optional<ClusterView> view, PeerMatch match,
                        boolean decommissioning) {
    }

    public static TerminationDecision decide(Facts facts) {
        boolean decommissioning = facts.decommissioning();
        switch (facts.reachability()) {
            case UNINITIALIZED:
                return new TerminationDecision(Action.CONTINUE, Optional.empty(), false, "cluster-uninitialized", Optional.empty());
            case UNREACHABLE:
            case TLS_FAILURE:
            case AUTH_FAILED:
            case NO_LEADER: {
                String reason = switch (facts.reachability()) {
                    case UNREACHABLE -> "cluster-unreachable";
                    case TLS_FAILURE -> "tls-failure";
                    case AUTH_FAILED -> "auth-failed";
                    default -> "no-leader";
                };
                return decommissioning
                        ? new TerminationDecision(Action.CONTINUE, Optional.empty(), false, "decommissioning-" + reason, Optional.empty())
                        : new TerminationDecision(Action.ABANDON, Optional.empty(), false, reason, Optional.empty());
            }
            case OBSERVED:
            default:
                break;
        }
        ClusterView view = facts.view().orElseThrow(() -> new IllegalArgumentException("OBSERVED without a view"));
        PeerMatch match = facts.match();
        if (match instanceof PeerMatch.NotMember) {
            return new TerminationDecision(Action.CONTINUE, Optional.empty(), false, "not-a-member", Optional.empty());
        }
        if (match instanceof PeerMatch.Ambiguous) {
            return decommissioning
                    ? new TerminationDecision(Action.CONTINUE, Optional.empty(), false, "decommissioning-ambiguous-match", Optional.empty())
                    : new TerminationDecision(Action.ABANDON, Optional.empty(), false, "ambiguous-match", Optional.empty());
        }
        RaftPeer peer = match.matched().orElseThrow();
        List<RaftPeer> peers = view.peers();
        boolean otherVoters = peers.stream().anyMatch(p -> p.voter() && !p.nodeId().equals(peer.nodeId()));
        boolean stepDown = peer.leader() && otherVoters;
        if (decommissioning) {
            if (!view.leaderPresent()) {
                return new TerminationDecision(Action.CONTINUE, Optional.of(peer), false, "decommissioning-no-leader", Optional.empty());
            }
            return new TerminationDecision(Action.REMOVE_THEN_CONTINUE, Optional.of(peer), stepDown, "decommissioning", Optional.empty());
        }
        RemovalSafety.Assessment safety = RemovalSafety.assess(peer.nodeId(), peers, view.autopilot(), view.leaderPresent());
        if (!safety.safe()) {
            return new TerminationDecision(Action.ABANDON, Optional.of(peer), false, safety.reason(), Optional.of(safety));
        }
        return new TerminationDecision(Action.REMOVE_THEN_CONTINUE, Optional.of(peer), stepDown,
                stepDown ? "leader-removed" : (peer.voter() ? "voter-removed" : "non-voter-removed"), Optional.of(safety));
    }
}
