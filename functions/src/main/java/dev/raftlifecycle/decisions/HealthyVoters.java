package dev.raftlifecycle.decisions;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which voters really are healthy, for the safety rules. Autopilot's per-server flag lags: a node killed a second
 * ago is still "healthy" until last_contact_threshold plus an update interval have passed. So a voter counts only
 * when all three hold: autopilot says healthy, its own sys/health answered unsealed in this invocation, and its
 * autopilot last_contact is within the bound. A node that does not answer counts as dead, whatever autopilot says.
 */
public final class HealthyVoters {
    private HealthyVoters() {
    }

    /** Why a voter is not counted healthy (NONE: it is). */
    public enum Doubt {
        NONE,
        /** Its own sys/health did not answer in this invocation (or it has no address). */
        NO_ANSWER,
        /**
         * It answers, but a client connecting now cannot verify its certificate (self-signed, another CA, expired,
         * another name): nobody new can use it, whatever an older connection still gets from it.
         */
        TLS_FAILURE,
        /** It answered, but not as an unsealed member (sealed, uninitialized, removed, an error). */
        NOT_SERVING,
        /**
         * It answered as the follower of another leader than the configuration's (a leadership change under way, or
         * a server cut off with an old leader): which of the two is right is not known in this look.
         */
        OTHER_LEADER,
        /** Autopilot does not list it. */
        NOT_IN_AUTOPILOT,
        /** Autopilot reports it unhealthy. */
        AUTOPILOT_UNHEALTHY,
        /** Autopilot's last_contact for it is beyond the bound. */
        CONTACT_STALE
    }

    /** The judgement for every voter of the snapshot's configuration, in configuration order. */
    public static Map<String, Doubt> judge(ClusterSnapshot s, SafetyRules rules) {
        Map<String, Doubt> out = new LinkedHashMap<>();
        if (s.view().isEmpty()) {
            return out;
        }
        ClusterView view = s.view().get();
        Duration bound = rules.contactBound(view.settings());
        for (RaftPeer peer : view.peers()) {
            if (peer.voter()) {
                out.put(peer.nodeId(), doubt(peer, s, view, bound));
            }
        }
        return out;
    }

    /**
     * Whether autopilot disagrees with what the nodes themselves answered: a voter that answered unsealed in this
     * invocation is unhealthy, unknown or out of contact in autopilot's eyes. Typical for a few seconds after a
     * leadership change (the new leader has not heard from the standbys yet); a decision that refuses because of it
     * is worth taking again a moment later, never worth acting against.
     */
    public static boolean autopilotLagging(ClusterSnapshot s, SafetyRules rules) {
        return judge(s, rules).values().stream().anyMatch(HealthyVoters::lags);
    }

    /** Whether this voter answered as serving but is doubted only by a view that lags (see {@link #autopilotLagging}). */
    public static boolean laggingOn(ClusterSnapshot s, SafetyRules rules, String nodeId) {
        return lags(judge(s, rules).get(nodeId));
    }

    private static boolean lags(Doubt d) {
        return d == Doubt.AUTOPILOT_UNHEALTHY || d == Doubt.NOT_IN_AUTOPILOT || d == Doubt.CONTACT_STALE
                || d == Doubt.OTHER_LEADER;
    }

    /** The voters counted healthy. */
    public static Set<String> of(ClusterSnapshot s, SafetyRules rules) {
        return judge(s, rules).entrySet().stream().filter(e -> e.getValue() == Doubt.NONE).map(Map.Entry::getKey)
                .collect(Collectors.toSet());
    }

    private static Doubt doubt(RaftPeer peer, ClusterSnapshot s, ClusterView view, Duration bound) {
        Optional<NodeHealth> answer = s.healthOfPeer(peer.nodeId());
        if (answer.isPresent() && answer.get().state() == NodeHealth.State.TLS_FAILURE) {
            return Doubt.TLS_FAILURE;
        }
        if (answer.isEmpty() || !answer.get().answered()) {
            return Doubt.NO_ANSWER;
        }
        // A node that answers but knows no leader (Vault 474; a Consul server whose own status/leader is empty) is cut
        // off from Raft whatever autopilot last heard from it: not a voter to count on.
        if (!answer.get().unsealed() || answer.get().state() == NodeHealth.State.STANDBY_NO_ACTIVE) {
            return Doubt.NOT_SERVING;
        }
        Optional<String> follows = answer.get().leaderAddress().map(RaftPeer::hostOf);
        Optional<String> configured = view.peers().stream().filter(RaftPeer::leader).map(RaftPeer::host).findFirst();
        if (follows.isPresent() && configured.isPresent() && !follows.get().equals(configured.get())) {
            return Doubt.OTHER_LEADER;
        }
        Optional<AutopilotServer> server = view.autopilot().server(peer.nodeId());
        if (server.isEmpty()) {
            return Doubt.NOT_IN_AUTOPILOT;
        }
        if (!server.get().healthy()) {
            return Doubt.AUTOPILOT_UNHEALTHY;
        }
        boolean leader = peer.leader() || "leader".equals(server.get().status());
        if (!leader && server.get().lastContact().compareTo(bound) > 0) {
            return Doubt.CONTACT_STALE;
        }
        return Doubt.NONE;
    }
}
