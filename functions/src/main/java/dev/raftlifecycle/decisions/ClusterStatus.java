package dev.raftlifecycle.decisions;

import dev.raftlifecycle.contract.ClusterSystem;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The cluster as the read-only publisher sees it, returned by its status entry point ({@code {"status":true}}): what
 * an operator wants at a glance and what scripts/rolling-upgrade gates each step on. Nothing here is a claim of the
 * caller: every field comes from Auto Scaling's, EC2's or the cluster's own answer in one observation.
 *
 * @param observedAt       when the observation finished (ISO-8601)
 * @param system           vault or consul
 * @param healthy          a leader is present, every voter in the Raft configuration answers healthy, every InService
 *                         instance of the groups is a voter, no peer is stale (matches no running instance), no node's
 *                         certificate is refused, every group retains an instance whose terminate hook was
 *                         abandoned ({@link RetainPolicy}), and the handlers act (not MODE=shadow: {@link #inShadowMode})
 * @param problems         why not healthy, one line each (empty when healthy)
 * @param leader           the leader, or null when the cluster has none (or could not be read)
 * @param voters           voters in the Raft configuration
 * @param healthyVoters    voters that answer healthy
 * @param failureTolerance the lower of autopilot's failure tolerance and healthyVoters - (voters / 2 + 1), at least 0;
 *                         null when the Raft configuration could not be read
 * @param versions         server version to the number of nodes reporting it
 * @param groups           the cluster's Auto Scaling groups, in configuration order
 * @param instances        every instance of the groups, in group order then instance id
 * @param unmatchedPeers   Raft peers that match no instance of the groups
 * @param pendingActions   instances waiting in a lifecycle hook (Pending:Wait, Terminating:Wait and their Proceed)
 */
public record ClusterStatus(String observedAt, String system, boolean healthy, List<String> problems, Leader leader,
                            int voters, int healthyVoters, Integer failureTolerance, Map<String, Integer> versions,
                            List<Group> groups, List<Instance> instances, List<Peer> unmatchedPeers,
                            List<PendingAction> pendingActions) {

    /** The leader: its Raft node id and, when it matches one, the instance it runs on. */
    public record Leader(String nodeId, String instanceId) {
    }

    /**
     * @param launchTemplateVersion the launch template version the group launches with, as Auto Scaling reports it
     *                              (a number, or $Latest/$Default); null when the group has no launch template
     */
    public record Group(String name, int desiredCapacity, int minSize, int maxSize, String launchTemplateVersion,
                        String launchTemplateId) {
        /** A group whose launch template id is not known. */
        public Group(String name, int desiredCapacity, int minSize, int maxSize, String launchTemplateVersion) {
            this(name, desiredCapacity, minSize, maxSize, launchTemplateVersion, null);
        }
    }

    /**
     * @param launchTemplateVersion the version the instance was launched with, as Auto Scaling reports it; null if none
     * @param nodeId                the Raft peer this instance is (matched as every handler matches), or null
     * @param health                the node's own health answer ({@link NodeHealth.State} name), or null if not probed
     * @param healthyVoter          a voter whose own answer is healthy
     * @param version               the server version the node reported, or null
     * @param matched               how its peer was matched ({@link PeerMatch#describe}: "node_id i-…",
     *                              "private-ip 10.0.1.5", "private-dns-name ip-10-0-1-5.ec2.internal"), or why none
     *                              was ("none: …", "ambiguous: …", "unmatchable: …"); null without a configuration
     */
    public record Instance(String instanceId, String group, String lifecycleState, String launchTemplateVersion,
                           String nodeId, boolean voter, boolean leader, String health, boolean healthyVoter,
                           String version, String launchTemplateId, String matched) {
        /** An instance whose peer match is not told. */
        public Instance(String instanceId, String group, String lifecycleState, String launchTemplateVersion,
                        String nodeId, boolean voter, boolean leader, String health, boolean healthyVoter,
                        String version, String launchTemplateId) {
            this(instanceId, group, lifecycleState, launchTemplateVersion, nodeId, voter, leader, health, healthyVoter,
                    version, launchTemplateId, null);
        }

        /** An instance whose launch template id is not known. */
        public Instance(String instanceId, String group, String lifecycleState, String launchTemplateVersion,
                        String nodeId, boolean voter, boolean leader, String health, boolean healthyVoter,
                        String version) {
            this(instanceId, group, lifecycleState, launchTemplateVersion, nodeId, voter, leader, health, healthyVoter,
                    version, null);
        }
    }

    public record Peer(String nodeId, String address, boolean voter, boolean leader) {
    }

    public record PendingAction(String instanceId, String lifecycleState) {
    }

    public ClusterStatus {
        problems = List.copyOf(problems);
        versions = Map.copyOf(versions);
        groups = List.copyOf(groups);
        instances = List.copyOf(instances);
        unmatchedPeers = List.copyOf(unmatchedPeers);
        pendingActions = List.copyOf(pendingActions);
    }

    /** The lifecycle states in which an instance waits in (or has just left) a lifecycle hook. */
    public static final Set<String> PENDING_ACTION_STATES =
            Set.of("Pending:Wait", "Pending:Proceed", "Terminating:Wait", "Terminating:Proceed");

    /**
     * The status one observation shows. Peers are matched to instances as every handler matches them
     * ({@link PeerMatch}: by node id, else by the address naming the instance's private IP or private DNS name when no
     * other running instance's address is the same); a voter counts healthy
     * by {@link HealthyVoters}' judgement (its own answer now, autopilot healthy, recent contact). A version is the
     * node's own answer's, else (a Consul answer carries none) autopilot's record of it.
     *
     * @param observedAt when the observation finished
     */
    public static ClusterStatus of(ClusterSnapshot s, SafetyRules rules, ClusterSystem system, Instant observedAt) {
        List<String> order = s.expectedGroups();
        Comparator<String> byGroupOrder = Comparator.comparingInt(g -> order.indexOf(g) < 0 ? order.size() : order.indexOf(g));
        List<Group> groups = s.groups().stream().sorted(Comparator.comparing(GroupState::name, byGroupOrder))
                .map(g -> new Group(g.name(), g.desiredCapacity(), g.minSize(), g.maxSize(),
                        g.launchTemplateVersion().orElse(null), g.launchTemplateId().orElse(null))).toList();
        List<ClusterInstance> members = s.instances().stream().filter(i -> order.contains(i.groupName()))
                .sorted(Comparator.comparing(ClusterInstance::groupName, byGroupOrder)
                        .thenComparing(ClusterInstance::instanceId)).toList();
        Optional<ClusterView> view = s.view();
        List<RaftPeer> peers = view.map(ClusterView::peers).orElse(List.of());
        Map<String, HealthyVoters.Doubt> doubts = HealthyVoters.judge(s, rules);

        // Instance id -> its peer, and peer node id -> the instance that is it (the first one matched).
        List<String> unmatchable = new ArrayList<>();
        Map<String, RaftPeer> peerOf = new HashMap<>();
        Map<String, String> matchOf = new HashMap<>();
        Map<String, ClusterInstance> instanceOf = new LinkedHashMap<>();
        for (ClusterInstance i : members) {
            PeerMatch match = s.peerMatch(i.instanceId());
            matchOf.put(i.instanceId(), match.describe());
            match.matched().ifPresent(p -> {
                peerOf.put(i.instanceId(), p);
                instanceOf.putIfAbsent(p.nodeId(), i);
            });
            if (view.isPresent() && match instanceof PeerMatch.Unmatchable u) {
                unmatchable.add("instance " + i.instanceId() + " cannot be matched safely: " + u.why());
            }
        }

        List<Instance> rows = new ArrayList<>();
        Map<String, Integer> versions = new TreeMap<>();
        for (ClusterInstance i : members) {
            Optional<RaftPeer> peer = Optional.ofNullable(peerOf.get(i.instanceId()));
            Optional<NodeHealth> health = Optional.ofNullable(s.health().get(i.instanceId()));
            Optional<String> version = health.filter(NodeHealth::answered).flatMap(h -> h.version()
                    .or(() -> view.flatMap(v -> v.autopilot().server(peer.map(RaftPeer::nodeId).orElse(i.instanceId())))
                            .map(AutopilotServer::version)))
                    .filter(v -> !v.isEmpty());
            version.ifPresent(v -> versions.merge(v, 1, Integer::sum));
            boolean voter = peer.map(RaftPeer::voter).orElse(false);
            rows.add(new Instance(i.instanceId(), i.groupName(), i.lifecycleState(), i.launchTemplateVersion().orElse(null),
                    peer.map(RaftPeer::nodeId).orElse(null), voter, peer.map(RaftPeer::leader).orElse(false),
                    health.map(h -> h.state().name()).orElse(null),
                    voter && doubts.get(peer.get().nodeId()) == HealthyVoters.Doubt.NONE, version.orElse(null),
                    i.launchTemplateId().orElse(null), view.isPresent() ? matchOf.get(i.instanceId()) : null));
        }

        List<Peer> unmatched = peers.stream().filter(p -> !instanceOf.containsKey(p.nodeId()))
                .map(p -> new Peer(p.nodeId(), p.address(), p.voter(), p.leader())).toList();
        Leader leader = view.flatMap(ClusterView::leader).map(p -> new Leader(p.nodeId(),
                Optional.ofNullable(instanceOf.get(p.nodeId())).map(ClusterInstance::instanceId).orElse(null))).orElse(null);
        int voters = (int) peers.stream().filter(RaftPeer::voter).count();
        int healthyVoters = (int) doubts.values().stream().filter(d -> d == HealthyVoters.Doubt.NONE).count();
        Integer failureTolerance = view.map(v -> Math.max(0,
                Math.min(v.autopilot().failureTolerance(), healthyVoters - (voters / 2 + 1)))).orElse(null);

        List<String> problems = new ArrayList<>();
        if (view.isEmpty()) {
            problems.add("the Raft configuration could not be read" + (s.readFailures().isEmpty() ? ""
                    : " (" + s.readFailures().stream().map(Enum::name).sorted().toList() + ")"));
        } else if (leader == null) {
            problems.add("no leader in the Raft configuration");
        }
        doubts.forEach((nodeId, doubt) -> {
            if (doubt != HealthyVoters.Doubt.NONE) {
                String instance = Optional.ofNullable(instanceOf.get(nodeId)).map(ClusterInstance::instanceId)
                        .filter(id -> !id.equals(nodeId)).map(id -> " (instance " + id + ")").orElse("");
                String answer = s.healthOfPeer(nodeId).filter(NodeHealth::answered)
                        .map(h -> "; its own answer: " + h.state().name()).orElse("");
                problems.add("voter " + nodeId + instance + " is not healthy: " + why(doubt) + answer);
            }
        });
        for (ClusterInstance i : members) {
            RaftPeer peer = peerOf.get(i.instanceId());
            // Without the configuration nothing is known of membership (the line above says why).
            if (view.isPresent() && i.inService() && (peer == null || !peer.voter())) {
                problems.add("instance " + i.instanceId() + " (" + i.groupName() + ") is InService but "
                        + (peer == null ? "not in the Raft configuration" : "a non-voter"));
            }
        }
        for (RaftPeer p : peers) {
            ClusterInstance owner = instanceOf.get(p.nodeId());
            if (owner == null || !owner.running()) {
                problems.add("peer " + p.nodeId() + " (" + p.address() + ") is stale: it matches no running instance"
                        + " of the groups" + (owner == null ? "" : " (" + owner.instanceId() + " is " + owner.ec2State() + ")"));
            }
        }
        problems.addAll(unmatchable);
        s.certificates().values().stream().filter(CertificateCheck::refused)
                .sorted(Comparator.comparing(CertificateCheck::nodeId))
                .forEach(c -> problems.add("node " + c.nodeId() + " (" + c.address() + "): a new client refuses its"
                        + " certificate: " + c.detail()));

        RetainPolicy retain = RetainPolicy.judge(s);
        if (!retain.holds()) {
            problems.add(retain.message());
        }

        List<PendingAction> pending = members.stream().filter(i -> PENDING_ACTION_STATES.contains(i.lifecycleState()))
                .map(i -> new PendingAction(i.instanceId(), i.lifecycleState())).toList();
        return new ClusterStatus(observedAt.toString(), system.value(), problems.isEmpty(), problems, leader, voters,
                healthyVoters, failureTolerance, versions, groups, rows, unmatched, pending);
    }

    /**
     * What {@link #inShadowMode} adds: the handlers remove no peer and step no leader down (MODE=shadow), so a roll
     * (scripts/rolling-upgrade), which counts on the terminating handler to remove each replaced server's peer, would
     * leave every one of them behind as a dead voter.
     */
    public static final String SHADOW_MODE_PROBLEM = "MODE=shadow: the handlers remove no peer and step no leader"
            + " down, so a replaced server's peer would stay in the configuration as a dead voter; turn shadow off"
            + " (a deploy) before a roll";

    /** This status as the handlers in shadow mode see it: not healthy, {@link #SHADOW_MODE_PROBLEM} added. */
    public ClusterStatus inShadowMode() {
        List<String> more = new ArrayList<>(problems);
        more.add(SHADOW_MODE_PROBLEM);
        return new ClusterStatus(observedAt, system, false, more, leader, voters, healthyVoters, failureTolerance,
                versions, groups, instances, unmatchedPeers, pendingActions);
    }

    private static String why(HealthyVoters.Doubt doubt) {
        return switch (doubt) {
            case NONE -> "healthy";
            case NO_ANSWER -> "its own health endpoint did not answer";
            case TLS_FAILURE -> "a new client refuses its certificate";
            case NOT_SERVING -> "it answers, but not as an unsealed member that knows a leader";
            case OTHER_LEADER -> "it follows another leader than the configuration's";
            case NOT_IN_AUTOPILOT -> "autopilot does not list it";
            case AUTOPILOT_UNHEALTHY -> "autopilot reports it unhealthy";
            case CONTACT_STALE -> "autopilot has not heard from it within the contact bound";
        };
    }
}
