package dev.raftlifecycle.decisions;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Small builders for cluster snapshots in decision tests. */
final class Fixtures {
    static final Instant NOW = Instant.parse("2026-11-22T12:00:00Z");

    private Fixtures() {
    }

    static RaftPeer voter(String id, int ipLast, boolean leader) {
        return new RaftPeer(id, "10.0.1." + ipLast + ":8201", leader, true);
    }

    static RaftPeer nonVoter(String id, int ipLast) {
        return new RaftPeer(id, "10.0.1." + ipLast + ":8201", false, false);
    }

    static AutopilotServer server(String id, boolean healthy, String status, Instant stableSince) {
        return new AutopilotServer(id, "", healthy ? "alive" : "failed", Duration.ofMillis(healthy ? 50 : 30_000), 3,
                100, healthy, Optional.ofNullable(stableSince), status, "1.14.10");
    }

    /** Autopilot view: every peer healthy except the listed ids. */
    static AutopilotState autopilot(List<RaftPeer> peers, String... unhealthy) {
        List<String> bad = List.of(unhealthy);
        Map<String, AutopilotServer> servers = new HashMap<>();
        List<String> voters = new ArrayList<>();
        String leader = "";
        for (RaftPeer p : peers) {
            String status = p.leader() ? "leader" : p.voter() ? "voter" : "non-voter";
            servers.put(p.nodeId(), server(p.nodeId(), !bad.contains(p.nodeId()), status, NOW.minusSeconds(600)));
            if (p.voter()) {
                voters.add(p.nodeId());
            }
            if (p.leader()) {
                leader = p.nodeId();
            }
        }
        long healthyVoters = voters.stream().filter(v -> !bad.contains(v)).count();
        return new AutopilotState(bad.isEmpty(), (int) Math.max(0, healthyVoters - (voters.size() / 2 + 1)), leader,
                voters, servers);
    }

    static ClusterView view(List<RaftPeer> peers, String... unhealthy) {
        return new ClusterView(peers, autopilot(peers, unhealthy), new AutopilotSettings(Duration.ofSeconds(10), Duration.ofSeconds(10)));
    }

    static List<RaftPeer> threeVoters() {
        return List.of(voter("i-00000000000000001", 1, true), voter("i-00000000000000002", 2, false),
                voter("i-00000000000000003", 3, false));
    }
}
