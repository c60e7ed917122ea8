package dev.raftlifecycle.decisions;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Raft peers whose instance is gone, and what the reconciler may do about them. A peer whose node_id is an EC2
 * instance id is judged by what EC2 says of that instance. A peer named otherwise (a cluster not built by this
 * project: UUIDs, hostnames, template names) is judged only when its address ties it to exactly one instance of the
 * same look ({@link PeerMatch#owner}: the instance's private IP or private DNS name, a running instance before any
 * other, no other peer at that instance's address): then by that instance's state. A peer named otherwise that cannot
 * be tied (its address names no instance EC2 reports, e.g. a terminated one that no longer reports its IP) is left
 * alone and not counted: nothing ties it to an instance EC2 says is gone.
 */
public final class StalePeers {
    private static final Pattern INSTANCE_ID = Pattern.compile("i-[0-9a-f]{8,17}");

    private StalePeers() {
    }

    /** What EC2 says about a peer's instance. */
    public enum Fate {
        /** pending or running: the peer may be alive, even if unhealthy. Never removed by the reconciler. */
        RUNNING,
        /** stopping or stopped: not serving, but could come back. Stale, not removed. */
        STOPPED,
        /** shutting-down or terminated: final, the instance never comes back. Removed without a grace period. */
        TERMINATED,
        /**
         * EC2 does not know the instance (terminated long ago, never existed, or so new that DescribeInstances does not
         * list it yet): removed only after the grace period.
         */
        UNKNOWN,
        /** The node_id is not an instance id and its address ties it to no instance: not ours to judge. */
        UNMANAGED
    }

    public record PeerFate(RaftPeer peer, Fate fate) {
        public boolean stale() {
            return fate == Fate.STOPPED || fate == Fate.TERMINATED || fate == Fate.UNKNOWN;
        }

        public boolean removable() {
            return fate == Fate.TERMINATED || fate == Fate.UNKNOWN;
        }
    }

    public static boolean isInstanceId(String nodeId) {
        return INSTANCE_ID.matcher(nodeId).matches();
    }

    /** The snapshot's peers, classified by what EC2 said of their instances in the same snapshot. */
    public static List<PeerFate> classify(ClusterSnapshot s) {
        if (s.view().isEmpty()) {
            return List.of();
        }
        Map<String, String> states = new java.util.HashMap<>();
        s.instances().stream().filter(i -> !"unknown".equals(i.ec2State()))
                .forEach(i -> states.put(i.instanceId(), i.ec2State()));
        List<PeerFate> out = new ArrayList<>();
        for (RaftPeer peer : s.view().get().peers()) {
            if (isInstanceId(peer.nodeId())) {
                out.add(new PeerFate(peer, fateOf(states.get(peer.nodeId()))));
                continue;
            }
            // Named otherwise: only an instance its address ties it to, whose state EC2 reports, says anything.
            Optional<String> state = s.ownerOf(peer).map(o -> o.instance().ec2State()).filter(st -> !"unknown".equals(st));
            out.add(new PeerFate(peer, state.map(StalePeers::fateOf).orElse(Fate.UNMANAGED)));
        }
        return out;
    }

    /**
     * @param ec2States instance id → EC2 state name, for the instances EC2 knows
     */
    public static List<PeerFate> classify(List<RaftPeer> peers, Map<String, String> ec2States) {
        List<PeerFate> out = new ArrayList<>();
        for (RaftPeer peer : peers) {
            out.add(new PeerFate(peer, isInstanceId(peer.nodeId()) ? fateOf(ec2States.get(peer.nodeId())) : Fate.UNMANAGED));
        }
        return out;
    }

    private static Fate fateOf(String state) {
        if (state == null) {
            return Fate.UNKNOWN;
        }
        return switch (state) {
            case "pending", "running" -> Fate.RUNNING;
            case "stopping", "stopped" -> Fate.STOPPED;
            default -> Fate.TERMINATED;
        };
    }

    /** One peer the reconciler removes (in order; each was checked against the configuration left by the previous). */
    public record Removal(RaftPeer peer, RemovalSafety.Assessment safety) {
    }

    /** A stale peer left in place this run, and why. */
    public record Kept(RaftPeer peer, Reason reason) {
    }

    /**
     * What to do this run.
     *
     * @param remove     peers to remove, in order (empty in report-only mode)
     * @param kept       stale peers left in place, with the reason
     * @param markFirstSeen stale peers seen for the first time: remember now as when they were first seen
     * @param clearMarks peers no longer stale: forget their first-seen time (a removed peer's mark is cleared by
     *                   the caller once the removal is confirmed)
     */
    public record Plan(List<Removal> remove, List<Kept> kept, Set<String> markFirstSeen, Set<String> clearMarks) {
    }

    /**
     * Plans the reconciler's run.
     *
     * @param firstSeen when each peer was first seen stale (from earlier runs)
     */
    public static Plan plan(List<PeerFate> fates, Map<String, Instant> firstSeen, Instant now, Duration grace,
                            boolean removeMode, ClusterSnapshot snapshot, SafetyRules rules) {
        ClusterView view = snapshot.view().orElseThrow(() -> new IllegalArgumentException("no view to plan on"));
        Set<String> healthy = HealthyVoters.of(snapshot, rules);
        int floor = rules.floor(snapshot);
        List<Removal> remove = new ArrayList<>();
        List<Kept> kept = new ArrayList<>();
        Set<String> mark = new HashSet<>();
        Set<String> clear = new HashSet<>();
        Set<String> staleIds = new HashSet<>();
        List<RaftPeer> remaining = new ArrayList<>(view.peers());
        for (PeerFate fate : fates) {
            String id = fate.peer().nodeId();
            if (!fate.stale()) {
                continue;
            }
            staleIds.add(id);
            Optional<Instant> since = Optional.ofNullable(firstSeen.get(id));
            if (since.isEmpty()) {
                mark.add(id);
            }
            if (!fate.removable()) {
                kept.add(new Kept(fate.peer(), Reason.INSTANCE_STOPPED));
                continue;
            }
            Instant first = since.orElse(now);
            if (fate.fate() == Fate.UNKNOWN && first.plus(grace).isAfter(now)) {
                // Only "EC2 does not know it" waits: shutting-down and terminated are final.
                kept.add(new Kept(fate.peer(), Reason.WITHIN_GRACE));
                continue;
            }
            if (fate.fate() == Fate.UNKNOWN && !InstanceHost.isIpLiteral(fate.peer().host())) {
                // Its address is a name no instance reports, so whether something still answers there as this node is
                // not checked (names are not resolved here): never removed on that.
                kept.add(new Kept(fate.peer(), Reason.PEER_NAMES_UNMATCHABLE));
                continue;
            }
            if (fate.peer().leader()) {
                // EC2 says it is going while it still leads: removing it here would remove a leader without a
                // step-down; its state-change event takes the departure path, which steps it down first.
                kept.add(new Kept(fate.peer(), Reason.PEER_LEADS));
                continue;
            }
            if (snapshot.healthOfPeer(id).map(NodeHealth::somethingAnswers).orElse(false)) {
                // Whatever EC2 says, something at the peer's own address answers as this node: never remove it. A
                // server whose certificate a new client refuses is such a thing too: alive, only unusable.
                kept.add(new Kept(fate.peer(), Reason.PEER_ANSWERS));
                continue;
            }
            if (snapshot.liveServerAt(fate.peer(), id).isPresent()) {
                // The only peer at a running instance's address, where an unsealed member answers: that instance's
                // live server under a gone instance's name (node_ids swapped by a template), never removed on it.
                kept.add(new Kept(fate.peer(), Reason.PEER_ANSWERS));
                continue;
            }
            if (!removeMode) {
                kept.add(new Kept(fate.peer(), Reason.REPORT_ONLY));
                continue;
            }
            RemovalSafety.Assessment safety = RemovalSafety.assess(id, remaining, healthy, view.leaderPresent(), floor);
            if (!safety.safe()) {
                kept.add(new Kept(fate.peer(), safety.verdict() == RemovalSafety.Verdict.NO_LEADER ? Reason.NO_LEADER
                        : safety.verdict() == RemovalSafety.Verdict.BELOW_FLOOR ? Reason.VOTER_FLOOR
                        : Reason.QUORUM_WOULD_BREAK));
                continue;
            }
            remove.add(new Removal(fate.peer(), safety));
            remaining.removeIf(p -> p.nodeId().equals(id));
            // Its mark stays until the removal is confirmed: a removal deferred (lock busy) or failed must not
            // restart the grace period.
        }
        for (String id : firstSeen.keySet()) {
            if (!staleIds.contains(id)) {
                clear.add(id);
            }
        }
        return new Plan(List.copyOf(remove), List.copyOf(kept), Set.copyOf(mark), Set.copyOf(clear));
    }
}
