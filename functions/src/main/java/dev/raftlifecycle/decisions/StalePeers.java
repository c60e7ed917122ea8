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
 * Raft peers whose instance is gone, and what the reconciler may do about them. Only peers whose node_id
 * is an EC2 instance id are managed; a peer named otherwise was not created by this system and is left
 * alone (and not counted).
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
        /** The node_id is not an instance id: not ours to judge. */
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
        return classify(s.view().get().peers(), states);
    }

    /**
     * @param ec2States instance id → EC2 state name, for the instances EC2 knows
     */
    public static List<PeerFate> classify(List<RaftPeer> peers, Map<String, String> ec2States) {
        List<PeerFate> out = new ArrayList<>();
        for (RaftPeer peer : peers) {
            Fate fate;
            if (!isInstanceId(peer.nodeId())) {
                fate = Fate.UNMANAGED;
            } else {
                String state = ec2States.get(peer.nodeId());
                if (state == null) {
                    fate = Fate.UNKNOWN;
                } else {
                    fate = switch (state) {
                        case "pending", "running" -> Fate.RUNNING;
                        case "stopping", "stopped" -> Fate.STOPPED;
                        default -> Fate.TERMINATED;
                    };
                }
            }
            out.add(new PeerFate(peer, fate));
        }
        return out;
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
