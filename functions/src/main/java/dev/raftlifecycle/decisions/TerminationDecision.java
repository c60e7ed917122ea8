package dev.raftlifecycle.decisions;

import java.util.List;
import java.util.Optional;

/**
 * What to do about one instance leaving the cluster: remove its peer (stepping the leader down first) and let it go,
 * let it go without touching Raft, refuse (ABANDON: the group keeps the instance for an operator), or wait for a
 * replacement to join before removing a healthy voter below the floor. The same decision serves the terminating
 * handler and the reconciler, and is taken again on a fresh snapshot after a step-down.
 */
public sealed interface TerminationDecision {

    Reason reason();

    /** Whether the guard was bypassed because the whole cluster is being taken down. */
    boolean decommissioning();

    /** How the instance's peer was looked for and what was found (empty when the decision came before matching). */
    Optional<PeerMatch> match();

    /**
     * How the peer was matched, for the decision line: "node_id i-…", "private-ip 10.0.1.5",
     * "private-dns-name ip-10-0-1-5.ec2.internal", or why none was ("none: …", "ambiguous: …", "unmatchable: …").
     */
    default Optional<String> matched() {
        return match().map(PeerMatch::describe);
    }

    /** The label for logs, outputs and the Reason dimension. */
    default String label() {
        return reason().label(decommissioning());
    }

    /** Remove the peer (after a step-down if it leads), confirm it is gone, then let the instance go. */
    record Remove(RaftPeer peer, boolean stepDownFirst, Reason reason, Optional<RemovalSafety.Assessment> safety,
                  boolean decommissioning, Optional<PeerMatch> match) implements TerminationDecision {
    }

    /** Let the instance go without touching Raft (nothing of it is in the configuration, or nothing can be done). */
    record Release(Reason reason, Optional<RaftPeer> peer, boolean decommissioning, Optional<PeerMatch> match)
            implements TerminationDecision {
    }

    /** Keep the instance: removing it is unsafe or its peer cannot be told. */
    record Refuse(Reason reason, Optional<RaftPeer> peer, Optional<RemovalSafety.Assessment> safety,
                  Optional<PeerMatch> match) implements TerminationDecision {
        @Override
        public boolean decommissioning() {
            return false;
        }
    }

    /** Removing this healthy voter would go below the floor: wait (within the deadline) for a replacement. */
    record AwaitReplacement(RaftPeer peer, RemovalSafety.Assessment safety, Optional<PeerMatch> match)
            implements TerminationDecision {
        @Override
        public Reason reason() {
            return Reason.VOTER_FLOOR;
        }

        @Override
        public boolean decommissioning() {
            return false;
        }
    }

    /** The peer the decision is about, if one matched. */
    default Optional<RaftPeer> subjectPeer() {
        if (this instanceof Remove r) {
            return Optional.of(r.peer());
        }
        if (this instanceof Release r) {
            return r.peer();
        }
        if (this instanceof Refuse r) {
            return r.peer();
        }
        return Optional.of(((AwaitReplacement) this).peer());
    }

    /** The safety numbers behind the decision, if it got that far. */
    default Optional<RemovalSafety.Assessment> assessment() {
        if (this instanceof Remove r) {
            return r.safety();
        }
        if (this instanceof Refuse r) {
            return r.safety();
        }
        if (this instanceof AwaitReplacement a) {
            return Optional.of(a.safety());
        }
        return Optional.empty();
    }

    /** The decision for one instance on one snapshot. */
    static TerminationDecision decide(ClusterSnapshot s, String instanceId, SafetyRules rules) {
        return decide(s, instanceId, rules, false);
    }

    /**
     * @param doomed the instance goes whatever is decided here (a Spot interruption, EC2 shutting it down): the voter
     *               floor, which keeps a healthy voter until its replacement has joined, protects nothing then —
     *               keeping the peer only leaves a dead voter behind — so only the quorum rule applies
     */
    static TerminationDecision decide(ClusterSnapshot s, String instanceId, SafetyRules rules, boolean doomed) {
        // Nothing is removed while a group would let an abandoned instance go (RetainPolicy).
        return RetainPolicy.gate(judge(s, instanceId, rules, doomed), s);
    }

    /** The decision before the retain-policy gate. */
    private static TerminationDecision judge(ClusterSnapshot s, String instanceId, SafetyRules rules, boolean doomed) {
        if (ClusterInitialization.judge(s, Optional.empty()) == ClusterInitialization.UNINITIALIZED) {
            return new Release(Reason.CLUSTER_UNINITIALIZED, Optional.empty(), false, Optional.empty());
        }
        boolean decommissioning = Decommissioning.of(s.groups(), s.expectedGroups(),
                rules.decommissionDeclared()).active();
        Reachability reachability = Reachability.of(s);
        if (reachability != Reachability.OBSERVED) {
            Reason reason = Reason.of(reachability);
            return decommissioning ? new Release(reason, Optional.empty(), true, Optional.empty())
                    : new Refuse(reason, Optional.empty(), Optional.empty(), Optional.empty());
        }
        ClusterView view = s.view().orElseThrow();
        PeerMatch match = s.peerMatch(instanceId);
        Optional<PeerMatch> m = Optional.of(match);
        if (match instanceof PeerMatch.NotMember) {
            return new Release(Reason.NOT_A_MEMBER, Optional.empty(), false, m);
        }
        if (match instanceof PeerMatch.Ambiguous || match instanceof PeerMatch.Unmatchable) {
            // Unmatchable: a peer that cannot be tied to any instance may be this one; letting the instance go would
            // leave it behind as a dead voter.
            Reason reason = match instanceof PeerMatch.Ambiguous ? Reason.AMBIGUOUS_MATCH : Reason.PEER_NAMES_UNMATCHABLE;
            return decommissioning ? new Release(reason, Optional.empty(), true, m)
                    : new Refuse(reason, Optional.empty(), Optional.empty(), m);
        }
        RaftPeer peer = match.matched().orElseThrow();
        if (match instanceof PeerMatch.ByAddress && s.instance(instanceId).map(i -> "terminated".equals(i.ec2State()))
                .orElse(false) && s.healthOfPeer(peer.nodeId()).map(NodeHealth::somethingAnswers).orElse(false)) {
            // Tied by address alone to an instance EC2 reports terminated (its address is free for reuse), yet
            // something answers at that address: not this instance, which no longer runs; perhaps a server this look
            // does not see as an instance (outside the groups, not yet described) that reused the address.
            return decommissioning ? new Release(Reason.PEER_ANSWERS, Optional.empty(), true, m)
                    : new Refuse(Reason.PEER_ANSWERS, Optional.of(peer), Optional.empty(), m);
        }
        Optional<ClusterInstance> liveThere = s.liveServerAt(peer, instanceId);
        if (liveThere.isPresent()) {
            // The only peer at a running instance's address, where an unsealed member answers: that instance's live
            // server under this instance's name (node_ids swapped by a template), not this instance's.
            return decommissioning ? new Release(Reason.PEER_ANSWERS, Optional.empty(), true, m)
                    : new Refuse(Reason.PEER_ANSWERS, Optional.of(peer), Optional.empty(), m);
        }
        List<RaftPeer> peers = view.peers();
        boolean otherVoters = peers.stream().anyMatch(p -> p.voter() && !p.nodeId().equals(peer.nodeId()));
        boolean stepDown = peer.leader() && otherVoters;
        if (decommissioning) {
            // Nobody needs this cluster's quorum any more: remove when a leader can carry it out, else just go.
            return view.leaderPresent()
                    ? new Remove(peer, stepDown, Reason.DECOMMISSIONING, Optional.empty(), true, m)
                    : new Release(Reason.NO_LEADER, Optional.of(peer), true, m);
        }
        RemovalSafety.Assessment safety = doomed ? RemovalSafety.assessWithoutFloor(peer.nodeId(), s, rules)
                : RemovalSafety.assess(peer.nodeId(), s, rules);
        return switch (safety.verdict()) {
            case NO_LEADER -> new Refuse(Reason.NO_LEADER, Optional.of(peer), Optional.of(safety), m);
            case QUORUM_WOULD_BREAK -> new Refuse(Reason.QUORUM_WOULD_BREAK, Optional.of(peer), Optional.of(safety), m);
            case BELOW_FLOOR -> new AwaitReplacement(peer, safety, m);
            case SAFE_NON_VOTER -> new Remove(peer, false, Reason.NON_VOTER_REMOVED, Optional.of(safety), false, m);
            case SAFE_QUORUM_KEPT -> new Remove(peer, stepDown, stepDown ? Reason.LEADER_REMOVED : Reason.VOTER_REMOVED,
                    Optional.of(safety), false, m);
        };
    }
}
