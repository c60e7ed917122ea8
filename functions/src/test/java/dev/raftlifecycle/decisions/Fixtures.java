package dev.raftlifecycle.decisions;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Small builders for cluster snapshots in decision tests. */
final class Fixtures {
    static final Instant NOW = Instant.parse("2026-11-22T12:00:00Z");
    static final List<String> GROUPS = List.of("g-a", "g-b", "g-c");

    private Fixtures() {
    }

    static String id(int n) {
        return String.format("i-%017d", n);
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
        return List.of(voter(id(1), 1, true), voter(id(2), 2, false), voter(id(3), 3, false));
    }

    static List<RaftPeer> voters(int n) {
        List<RaftPeer> out = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            out.add(voter(id(i), i, i == 1));
        }
        return out;
    }

    static Snap snap(List<RaftPeer> peers) {
        return new Snap(peers);
    }

    /**
     * A snapshot built from a Raft configuration: every peer is a running, in-service instance of one of three groups
     * (round robin) that answered sys/health, autopilot calls everyone healthy, desired capacity matches.
     */
    static final class Snap {
        private final List<RaftPeer> peers;
        private final Map<String, ClusterInstance> instances = new LinkedHashMap<>();
        private final Map<String, NodeHealth> health = new LinkedHashMap<>();
        private final Set<String> autopilotUnhealthy = new HashSet<>();
        private final Map<String, Duration> lastContact = new HashMap<>();
        private final int[] desired = new int[GROUPS.size()];
        private final Map<String, Map<String, String>> tags = new HashMap<>();
        private boolean withView = true;
        private boolean recorded;
        private final Set<ReadFailure> failures = EnumSet.noneOf(ReadFailure.class);
        private Duration threshold = Duration.ofSeconds(10);
        /** TerminateHookAbandon per group where not "retain" (empty: no instance lifecycle policy). */
        private final Map<String, Optional<String>> retention = new HashMap<>();
        private final Set<String> undescribedGroups = new HashSet<>();

        Snap(List<RaftPeer> peers) {
            this.peers = List.copyOf(peers);
            int n = 0;
            for (RaftPeer p : peers) {
                String group = GROUPS.get(n % GROUPS.size());
                desired[n % GROUPS.size()]++;
                n++;
                instances.put(p.nodeId(), new ClusterInstance(p.nodeId(), group, "InService", "running",
                        Optional.of(p.host()), "zone-" + group));
                health.put(p.nodeId(), new NodeHealth(p.nodeId(), p.host(), p.leader() ? NodeHealth.State.ACTIVE
                        : NodeHealth.State.STANDBY, Optional.of("1.14.10"), "HTTP"));
            }
        }

        /** Dead for a while: no answer, and autopilot has noticed. */
        Snap dead(String... ids) {
            for (String id : ids) {
                crashedJustNow(id);
                autopilotUnhealthy.add(id);
            }
            return this;
        }

        /** Dead a second ago: no answer, but autopilot still says healthy. */
        Snap crashedJustNow(String... ids) {
            for (String id : ids) {
                health.put(id, NodeHealth.unreachable(id, instances.get(id).privateIp().orElse(""), "connection refused"));
            }
            return this;
        }

        Snap answers(String id, NodeHealth.State state) {
            health.put(id, new NodeHealth(id, instances.get(id).privateIp().orElse(""), state, Optional.of("1.14.10"), "HTTP"));
            return this;
        }

        /** The node answers as a standby that follows the leader at {@code leaderAddress} (Consul's status/leader). */
        Snap follows(String id, String leaderAddress) {
            health.put(id, new NodeHealth(id, instances.get(id).privateIp().orElse(""), NodeHealth.State.STANDBY,
                    Optional.empty(), "leader " + leaderAddress, Optional.of(leaderAddress), List.of()));
            return this;
        }

        Snap autopilotUnhealthy(String... ids) {
            autopilotUnhealthy.addAll(List.of(ids));
            return this;
        }

        Snap lastContact(String id, Duration contact) {
            lastContact.put(id, contact);
            return this;
        }

        Snap threshold(Duration t) {
            threshold = t;
            return this;
        }

        Snap desired(int... perGroup) {
            System.arraycopy(perGroup, 0, desired, 0, perGroup.length);
            return this;
        }

        /** What the group reports as TerminateHookAbandon (empty: no instance lifecycle policy at all). */
        Snap retention(String group, Optional<String> value) {
            retention.put(group, value);
            return this;
        }

        /** The group is missing from Auto Scaling's answer. */
        Snap undescribed(String group) {
            undescribedGroups.add(group);
            return this;
        }

        Snap tag(String group, String key, String value) {
            tags.computeIfAbsent(group, g -> new HashMap<>()).put(key, value);
            return this;
        }

        Snap lifecycle(String id, String state) {
            ClusterInstance i = instances.get(id);
            instances.put(id, new ClusterInstance(id, i.groupName(), state, i.ec2State(), i.privateIp(), i.availabilityZone()));
            return this;
        }

        Snap ec2(String id, String state) {
            ClusterInstance i = instances.get(id);
            instances.put(id, new ClusterInstance(id, i.groupName(), i.lifecycleState(), state, i.privateIp(), i.availabilityZone()));
            if (!"running".equals(state) && !"pending".equals(state)) {
                health.remove(id);
            }
            return this;
        }

        /** An instance that is not (or not yet) a peer. */
        Snap instance(String id, String group, String lifecycle, String ip, NodeHealth.State answer) {
            instances.put(id, new ClusterInstance(id, group, lifecycle, "running", Optional.of(ip), "zone-" + group));
            health.put(id, answer == NodeHealth.State.UNREACHABLE ? NodeHealth.unreachable(id, ip, "refused")
                    : new NodeHealth(id, ip, answer, Optional.of("1.14.10"), "HTTP"));
            return this;
        }

        Snap withoutInstance(String id) {
            instances.remove(id);
            health.remove(id);
            return this;
        }

        Snap noView(ReadFailure... why) {
            withView = false;
            failures.addAll(List.of(why));
            return this;
        }

        Snap recordedInitialized() {
            recorded = true;
            return this;
        }

        ClusterSnapshot build() {
            Map<String, AutopilotServer> servers = new HashMap<>();
            List<String> voters = new ArrayList<>();
            String leader = "";
            for (RaftPeer p : peers) {
                String status = p.leader() ? "leader" : p.voter() ? "voter" : "non-voter";
                boolean healthy = !autopilotUnhealthy.contains(p.nodeId());
                Duration contact = lastContact.getOrDefault(p.nodeId(), p.leader() ? Duration.ZERO
                        : healthy ? Duration.ofMillis(1500) : Duration.ofSeconds(30));
                servers.put(p.nodeId(), new AutopilotServer(p.nodeId(), p.address(), healthy ? "alive" : "failed",
                        contact, 3, 100, healthy, Optional.of(NOW.minusSeconds(600)), status, "1.14.10"));
                if (p.voter()) {
                    voters.add(p.nodeId());
                }
                if (p.leader()) {
                    leader = p.nodeId();
                }
            }
            ClusterView view = new ClusterView(peers, new AutopilotState(autopilotUnhealthy.isEmpty(), 0, leader, voters,
                    servers), new AutopilotSettings(Duration.ofSeconds(10), threshold));
            List<GroupState> groups = new ArrayList<>();
            for (int g = 0; g < GROUPS.size(); g++) {
                if (undescribedGroups.contains(GROUPS.get(g))) {
                    continue;
                }
                // Retaining, as the CDK app builds its groups, unless the test says otherwise (retention).
                GroupState group = new GroupState(GROUPS.get(g), desired[g], tags.getOrDefault(GROUPS.get(g), Map.of()))
                        .withTerminateHookAbandon(Optional.of(RetainPolicy.RETAIN));
                groups.add(retention.containsKey(GROUPS.get(g))
                        ? group.withTerminateHookAbandon(retention.get(GROUPS.get(g))) : group);
            }
            Optional<String> via = peers.stream().filter(RaftPeer::leader).findFirst().map(RaftPeer::host);
            return new ClusterSnapshot(GROUPS, groups, new ArrayList<>(instances.values()), NOW, health, Map.of(), NOW,
                    withView ? Optional.of(view) : Optional.empty(), withView ? via : Optional.empty(),
                    withView ? Optional.of(NOW) : Optional.empty(), failures, 1, recorded);
        }
    }
}
