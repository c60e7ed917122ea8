package dev.raftlifecycle.observation;

import dev.raftlifecycle.config.Settings;
import dev.raftlifecycle.decisions.AutopilotSettings;
import dev.raftlifecycle.decisions.AutopilotState;
import dev.raftlifecycle.decisions.CertificateCheck;
import dev.raftlifecycle.decisions.ClusterInitialization;
import dev.raftlifecycle.decisions.ClusterInstance;
import dev.raftlifecycle.decisions.ClusterSnapshot;
import dev.raftlifecycle.decisions.ClusterView;
import dev.raftlifecycle.decisions.GroupState;
import dev.raftlifecycle.decisions.InstanceHost;
import dev.raftlifecycle.decisions.NodeHealth;
import dev.raftlifecycle.decisions.PeerMatch;
import dev.raftlifecycle.decisions.RaftPeer;
import dev.raftlifecycle.decisions.ReadFailure;
import dev.raftlifecycle.decisions.ReadOrder;
import dev.raftlifecycle.decisions.StalePeers;
import dev.raftlifecycle.ports.AutoScalingPort;
import dev.raftlifecycle.ports.CertificateProbe;
import dev.raftlifecycle.ports.ClusterRecords;
import dev.raftlifecycle.ports.Ec2Port;
import dev.raftlifecycle.ports.ClusterPort;
import dev.raftlifecycle.ports.ClusterCallException;
import dev.raftlifecycle.time.Deadline;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.stream.Collectors;

/**
 * The one place that looks at the cluster: it produces an immutable {@link ClusterSnapshot} per call and judges
 * nothing. The groups and their instances (every lifecycle state) joined with EC2 in one describe each, every
 * running instance's own sys/health probed concurrently, then the Raft configuration and autopilot state read
 * through the first node (in {@link ReadOrder}) that yields a view with a leader, with bounded retries and backoff;
 * after a successful read, what EC2 says of peers that match no instance, and the sys/health of peers whose
 * instance EC2 does not know (or that are not instances at all), at the peer's own host. Beside each health probe, a
 * certificate check on a connection of its own ({@link CertificateProbe}): a node whose certificate a new client
 * cannot verify is TLS_FAILURE for every rule, whatever the pooled connection's answer was.
 */
public final class ClusterObserver {
    private final Settings settings;
    private final ClusterPort cluster;
    private final AutoScalingPort autoScaling;
    private final Ec2Port ec2;
    private final ClusterSessions sessions;
    private final Clock clock;
    private final ExecutorService probes;
    private final InitializationMemory initialization;
    private final boolean spotRequests;
    private final CertificateProbe certificates;

    /**
     * @param spotRequests whether to ask EC2 for the subject's Spot request when the subject is a Spot instance (the
     *                     interruption handler, whose claim it checks)
     */
    public ClusterObserver(Settings settings, ClusterPort cluster, AutoScalingPort autoScaling, Ec2Port ec2,
                           ClusterRecords records, ClusterSessions sessions, Clock clock, ExecutorService probes,
                           CertificateProbe certificates, boolean spotRequests) {
        this.spotRequests = spotRequests;
        this.certificates = certificates;
        this.settings = settings;
        this.cluster = cluster;
        this.autoScaling = autoScaling;
        this.ec2 = ec2;
        this.sessions = sessions;
        this.clock = clock;
        this.probes = probes;
        this.initialization = new InitializationMemory(records, clock);
    }

    /** The session this observer reads with (the mutations use the same one). */
    public ClusterSessions sessions() {
        return sessions;
    }

    /** The groups and their instances, joined with EC2's state and IP, as of {@code readAt}. */
    public record ObservedGroups(List<GroupState> groups, List<ClusterInstance> instances, Instant readAt) {
    }

    /**
     * Describes the cluster's groups and their instances; the subject (the event's instance) is described by EC2 in
     * the same call when it is in none of the groups, so its IP is known either way.
     */
    public ObservedGroups describeGroups(Optional<String> subject) {
        Instant at = clock.instant();
        // EC2 is asked for the groups' members (by Auto Scaling's own tag) while Auto Scaling describes the groups:
        // neither waits for the other. A member EC2 did not list (eventual consistency) and the subject, when it is
        // in no group, are then described by id.
        CompletableFuture<Map<String, Ec2Port.Instance>> members =
                CompletableFuture.supplyAsync(() -> ec2.describeGroupMembers(settings.groupNames()), probes);
        List<AutoScalingPort.Group> groups = autoScaling.describe(settings.groupNames());
        Map<String, Ec2Port.Instance> described = new HashMap<>(join(members));
        Set<String> missing = new LinkedHashSet<>();
        groups.forEach(g -> g.members().forEach(m -> missing.add(m.instanceId())));
        subject.ifPresent(missing::add);
        missing.removeAll(described.keySet());
        if (!missing.isEmpty()) {
            described.putAll(ec2.describe(List.copyOf(missing)));
        }
        List<ClusterInstance> instances = new ArrayList<>();
        List<GroupState> states = new ArrayList<>();
        for (AutoScalingPort.Group group : groups) {
            states.add(new GroupState(group.name(), group.desiredCapacity(), group.tags(), group.healthCheckType(),
                    group.minSize(), group.maxSize(), group.launchTemplateVersion(), group.launchTemplateId(),
                    group.terminateHookAbandon()));
            for (AutoScalingPort.Member member : group.members()) {
                instances.add(join(member.instanceId(), group.name(), member.lifecycleState(), member.availabilityZone(),
                        described.get(member.instanceId()), member.launchTemplateVersion(), member.launchTemplateId()));
            }
        }
        subject.filter(id -> instances.stream().noneMatch(i -> i.instanceId().equals(id)))
                .ifPresent(id -> instances.add(join(id, "", "", "", described.get(id), Optional.empty(), Optional.empty())));
        if (spotRequests && subject.isPresent()) {
            for (int i = 0; i < instances.size(); i++) {
                ClusterInstance instance = instances.get(i);
                if (instance.instanceId().equals(subject.get()) && ClusterInstance.SPOT.equals(instance.instanceLifecycle())) {
                    instances.set(i, instance.withSpotRequestStatus(ec2.spotRequestOf(instance.instanceId())
                            .map(Ec2Port.SpotRequest::statusCode)));
                }
            }
        }
        return new ObservedGroups(states, instances, at);
    }

    private static ClusterInstance join(String id, String group, String lifecycle, String zone, Ec2Port.Instance e,
                                        Optional<String> launchTemplateVersion, Optional<String> launchTemplateId) {
        return new ClusterInstance(id, group, lifecycle == null ? "" : lifecycle, e == null ? "unknown" : e.state(),
                e == null ? Optional.empty() : e.privateIp(), e == null || e.availabilityZone().isEmpty() ? zone : e.availabilityZone(),
                e == null ? "" : e.lifecycle(), Optional.empty(), launchTemplateVersion, launchTemplateId,
                e == null ? Optional.empty() : e.privateDnsName(), e == null ? Optional.empty() : e.launchTime());
    }

    /** A full snapshot: groups described now. */
    public ClusterSnapshot snapshot(Optional<String> subject, Deadline deadline, Runnable whileWaiting) {
        return snapshot(describeGroups(subject), subject, deadline, whileWaiting);
    }

    /**
     * Only the nodes' own health answers (and the certificate checks), no login and no Raft read: for a caller whose
     * role reads nothing else (the snapshot function). Probes again, with the usual backoff, until {@code enough}
     * holds, the attempts are spent or the deadline passes.
     */
    public Map<String, NodeHealth> health(Deadline deadline, java.util.function.Predicate<java.util.Collection<NodeHealth>> enough) {
        ObservedGroups groups = describeGroups(Optional.empty());
        List<ClusterInstance> candidates = ReadOrder.candidates(groups.instances(), Optional.empty());
        Map<String, NodeHealth> health = Map.of();
        for (int attempt = 1; attempt <= settings.clusterAttempts(); attempt++) {
            health = probe(candidates, new LinkedHashMap<>());
            if (enough.test(health.values()) || deadline.passed() || attempt == settings.clusterAttempts()) {
                break;
            }
            deadline.sleep(settings.retryBaseDelay().multipliedBy(1L << Math.min(attempt - 1, 6)));
        }
        return health;
    }

    /**
     * A full snapshot that writes nothing: the lock table's marks (initialized, access set up) are read when a rule
     * needs them but never recorded, so that a status call changes nothing anywhere (the scheduled runs record them).
     */
    public ClusterSnapshot snapshotWithoutRecording(Deadline deadline) {
        return snapshot(describeGroups(Optional.empty()), Optional.empty(), deadline, () -> { }, false);
    }

    /** A snapshot on groups described earlier (the launching handler refreshes them every few polls). */
    public ClusterSnapshot snapshot(ObservedGroups groups, Optional<String> subject, Deadline deadline,
                                    Runnable whileWaiting) {
        return snapshot(groups, subject, deadline, whileWaiting, true);
    }

    private ClusterSnapshot snapshot(ObservedGroups groups, Optional<String> subject, Deadline deadline,
                                     Runnable whileWaiting, boolean record) {
        List<ClusterInstance> candidates = ReadOrder.candidates(groups.instances(), subject);
        Map<String, NodeHealth> health = Map.of();
        Map<String, CertificateCheck> certs = new LinkedHashMap<>();
        Instant healthAt = clock.instant();
        Optional<ClusterView> view = Optional.empty();
        Optional<String> via = Optional.empty();
        Optional<Instant> viewAt = Optional.empty();
        Set<ReadFailure> failures = EnumSet.noneOf(ReadFailure.class);
        boolean recorded = false;
        int attempt = 0;
        // The first attempt always runs (its probes and reads are bounded by the request timeout): a snapshot taken at
        // the deadline still says what the nodes answered.
        while (attempt == 0 || attempt < settings.clusterAttempts() && !deadline.passed()) {
            attempt++;
            healthAt = clock.instant();
            certs = new LinkedHashMap<>();
            health = probe(candidates, certs);
            failures = EnumSet.noneOf(ReadFailure.class);
            view = Optional.empty();
            via = Optional.empty();
            ClusterSnapshot probed = assemble(groups, health, Map.of(), healthAt, Optional.empty(), Optional.empty(),
                    Optional.empty(), failures, attempt, false);
            if (ClusterInitialization.judge(probed, Optional.empty()) == ClusterInitialization.UNINITIALIZED) {
                // Every running node answered and none is initialized: retrying will not change that; only the
                // record can (a cluster seen initialized before is not a first deploy).
                recorded = initialization.recorded();
                break;
            }
            boolean denied = false;
            for (ClusterInstance candidate : candidates) {
                NodeHealth answer = health.get(candidate.instanceId());
                if (answer == null || !answer.unsealed() || deadline.passed() && view.isPresent()) {
                    continue; // each read is bounded by the request timeout; past the deadline, one is enough
                }
                try {
                    Instant at = clock.instant();
                    ClusterView read = read(answer.address());
                    if (read.leaderPresent()) {
                        view = Optional.of(read);
                        via = Optional.of(answer.address());
                        viewAt = Optional.of(at);
                        break;
                    }
                    // This node may have lost touch with a leader the others still see: try the next one.
                    failures.add(ReadFailure.NO_LEADER);
                    if (view.isEmpty()) {
                        view = Optional.of(read);
                        via = Optional.of(answer.address());
                        viewAt = Optional.of(at);
                    }
                } catch (ClusterCallException e) {
                    failures.add(e.failure());
                    if (e.failure() == ReadFailure.ACCESS_NOT_SET_UP && initialization.accessRecorded()) {
                        // The cluster was read with a token before: its auth method has gone or is misnamed since,
                        // an ordinary refusal, not a first deploy.
                        failures.remove(ReadFailure.ACCESS_NOT_SET_UP);
                        failures.add(ReadFailure.DENIED);
                    }
                    if (e.failure() == ReadFailure.DENIED || e.failure() == ReadFailure.ACCESS_NOT_SET_UP) {
                        denied = true; // a refused login does not fix itself between attempts
                        break;
                    }
                }
            }
            if (denied || view.map(ClusterView::leaderPresent).orElse(false)) {
                break;
            }
            if (attempt < settings.clusterAttempts()) {
                whileWaiting.run();
                long factor = 1L << Math.min(attempt - 1, 6);
                deadline.sleep(settings.retryBaseDelay().multipliedBy(factor));
            }
        }
        List<ClusterInstance> instances = new ArrayList<>(groups.instances());
        Map<String, NodeHealth> peerHealth = Map.of();
        if (view.isPresent()) {
            instances.addAll(describePeersOutsideGroups(view.get(), instances));
            peerHealth = probePeersWithoutInstance(view.get(), instances, health, certs);
        }
        if (record) {
            initialization.note(health);
            if (view.isPresent()) {
                initialization.noteAccess();
            }
        }
        return new ClusterSnapshot(settings.groupNames(), groups.groups(), instances, groups.readAt(), health, peerHealth,
                healthAt, view, via, viewAt, failures, attempt, recorded, certs);
    }

    private ClusterSnapshot assemble(ObservedGroups groups, Map<String, NodeHealth> health,
                                     Map<String, NodeHealth> peerHealth, Instant healthAt, Optional<ClusterView> view,
                                     Optional<String> via, Optional<Instant> viewAt, Set<ReadFailure> failures,
                                     int attempts, boolean recorded) {
        return new ClusterSnapshot(settings.groupNames(), groups.groups(), groups.instances(), groups.readAt(), health,
                peerHealth, healthAt, view, via, viewAt, failures, attempts, recorded);
    }

    /** Re-reads the configuration (with a leader) through the preferred node, else any other answering one. */
    public Optional<ClusterView> reread(String preferred, List<ClusterInstance> others) {
        List<String> addresses = new ArrayList<>();
        addresses.add(preferred);
        for (ClusterInstance i : ReadOrder.candidates(others, Optional.empty())) {
            i.privateIp().filter(ip -> !addresses.contains(ip)).ifPresent(addresses::add);
        }
        for (String ip : addresses) {
            try {
                ClusterView view = read(ip);
                if (view.leaderPresent()) {
                    return Optional.of(view);
                }
            } catch (ClusterCallException e) {
                // an election in progress, or the node briefly unavailable: the next one
            }
        }
        return Optional.empty();
    }

    /**
     * The leader's mean Raft commit time over its telemetry's last finished interval, read from the leader itself (commits
     * happen there); empty without a leader, without commits in the interval, or if the read fails (a metric, not a
     * reason to fail the run).
     */
    public Optional<Double> raftCommitTimeMs(ClusterSnapshot snapshot) {
        // At the leader's instance's private IP when the leader is an instance (its Raft address may be a DNS name);
        // else at the address's own host.
        Optional<String> leader = snapshot.view().flatMap(ClusterView::leader).map(p -> snapshot.ownerOf(p)
                .flatMap(o -> o.instance().privateIp()).orElse(p.host()));
        if (leader.isEmpty()) {
            return Optional.empty();
        }
        try {
            return sessions.withSession(leader.get(), session -> cluster.raftCommitTimeMs(leader.get(), session));
        } catch (ClusterCallException e) {
            return Optional.empty();
        }
    }

    /** The Raft configuration, autopilot state and autopilot settings through one node, the three reads at once. */
    public ClusterView read(String ip) throws ClusterCallException {
        return sessions.withSession(ip, session -> {
            CompletableFuture<AutopilotState> autopilot = call(() -> cluster.autopilotState(ip, session));
            CompletableFuture<AutopilotSettings> autopilotSettings = call(() -> cluster.autopilotSettings(ip, session));
            List<RaftPeer> peers = cluster.raftConfiguration(ip, session);
            return new ClusterView(peers, result(autopilot), result(autopilotSettings));
        });
    }

    private interface ClusterRead<T> {
        T run() throws ClusterCallException;
    }

    private <T> CompletableFuture<T> call(ClusterRead<T> read) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return read.run();
            } catch (ClusterCallException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        }, probes);
    }

    private static <T> T result(CompletableFuture<T> future) throws ClusterCallException {
        try {
            return future.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof ClusterCallException v) {
                throw v;
            }
            throw e;
        }
    }

    private static <T> T join(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r; // an AWS failure, as if called on this thread
            }
            throw e;
        }
    }

    /**
     * sys/health and a certificate check of each instance with a private IP, concurrently; each probe has its own
     * timeout. The checks are added to {@code certs}.
     */
    Map<String, NodeHealth> probe(List<ClusterInstance> instances, Map<String, CertificateCheck> certs) {
        Map<String, String> targets = new LinkedHashMap<>();
        Map<String, NodeHealth> out = new LinkedHashMap<>();
        for (ClusterInstance instance : instances) {
            if (instance.privateIp().isEmpty()) {
                out.put(instance.instanceId(), NodeHealth.unreachable(instance.instanceId(), "", "no private IP"));
            } else {
                targets.put(instance.instanceId(), instance.privateIp().get());
            }
        }
        out.putAll(probeAll(targets, certs));
        return out;
    }

    private Map<String, NodeHealth> probeAll(Map<String, String> idToIp, Map<String, CertificateCheck> certs) {
        if (idToIp.isEmpty()) {
            return Map.of();
        }
        CertificateProbe.Round round = certificates.round();
        Map<String, CompletableFuture<NodeHealth>> futures = new LinkedHashMap<>();
        Map<String, CompletableFuture<CertificateCheck>> checks = new LinkedHashMap<>();
        idToIp.forEach((id, ip) -> {
            futures.put(id, CompletableFuture.supplyAsync(() -> cluster.health(id, ip), probes));
            checks.put(id, CompletableFuture.supplyAsync(() -> round.check(id, ip), probes));
        });
        Map<String, NodeHealth> out = new LinkedHashMap<>();
        futures.forEach((id, future) -> {
            CertificateCheck check = checks.get(id).join();
            certs.put(id, check);
            out.put(id, check.applyTo(future.join()));
        });
        return out;
    }

    /** EC2's word on peers named like instances that are in none of the groups (a peer left behind). */
    private List<ClusterInstance> describePeersOutsideGroups(ClusterView view, List<ClusterInstance> known) {
        Set<String> knownIds = known.stream().map(ClusterInstance::instanceId).collect(Collectors.toSet());
        List<String> outside = view.peers().stream().map(RaftPeer::nodeId).filter(StalePeers::isInstanceId)
                .filter(id -> !knownIds.contains(id)).toList();
        if (outside.isEmpty()) {
            return List.of();
        }
        Map<String, Ec2Port.Instance> described = ec2.describe(outside);
        return described.values().stream().map(e -> join(e.instanceId(), "", "", "", e, Optional.empty(), Optional.empty())).toList();
    }

    /**
     * sys/health of peers no instance probe covered, at the peer's own host: unmanaged peers and peers whose instance
     * EC2 does not know. Not for a peer that is an instance ({@link PeerMatch#owner}: by node_id, or by its address
     * naming one instance's private IP or private DNS name): a running one was probed at its private IP, a gone one is
     * dead; except a peer tied by its address alone to an instance EC2 reports terminated, probed at that address (the
     * address is free for reuse: an answer there is a server this look does not see as an instance, and the decisions
     * then do not remove the peer as the terminated instance's). Not for a peer whose host another running instance's address names (the answer would be that instance's).
     * A host that is a name and names no instance EC2 reports (a custom hostname, another DNS zone) is not probed
     * either: names are not resolved here, so an answer there could come from anything the name happens to resolve to
     * from the Lambda's network, and a failed lookup would read as a dead node. Such a peer is recorded as not probed
     * (UNREACHABLE, with that reason): it never counts as a healthy voter, and the decisions never remove on it.
     */
    private Map<String, NodeHealth> probePeersWithoutInstance(ClusterView view, List<ClusterInstance> instances,
                                                              Map<String, NodeHealth> health,
                                                              Map<String, CertificateCheck> certs) {
        Map<String, ClusterInstance> byId = new HashMap<>();
        instances.forEach(i -> byId.put(i.instanceId(), i));
        List<ClusterInstance> running = instances.stream().filter(ClusterInstance::running).toList();
        Map<String, String> targets = new LinkedHashMap<>();
        Map<String, NodeHealth> out = new LinkedHashMap<>();
        for (RaftPeer peer : view.peers()) {
            ClusterInstance instance = byId.get(peer.nodeId());
            boolean ec2KnowsIt = instance != null && !"unknown".equals(instance.ec2State());
            Optional<PeerMatch.Owner> owner = PeerMatch.owner(peer, view.peers(), instances)
                    .filter(o -> !"unknown".equals(o.instance().ec2State()));
            if (health.containsKey(peer.nodeId()) || ec2KnowsIt
                    || running.stream().anyMatch(i -> InstanceHost.isNamedBy(peer.host(), i))) {
                continue;
            }
            Optional<String> reusedAddress = owner.filter(o -> o.basis() != PeerMatch.Basis.NODE_ID)
                    .filter(o -> "terminated".equals(o.instance().ec2State()))
                    .flatMap(o -> InstanceHost.isIpLiteral(peer.host()) ? Optional.of(peer.host()) : o.instance().privateIp());
            if (reusedAddress.isPresent()) {
                // Tied by address alone to a terminated instance, whose address is free for reuse: whatever answers
                // there now (a server this look does not see as an instance) is not that instance.
                targets.put(peer.nodeId(), reusedAddress.get());
                continue;
            }
            if (owner.isPresent()) {
                continue;
            }
            if (!InstanceHost.isIpLiteral(peer.host())) {
                out.put(peer.nodeId(), NodeHealth.unreachable(peer.nodeId(), peer.host(), "not probed: its address "
                        + peer.host() + " is a name that is no instance's private DNS name (names are not resolved)"));
                continue;
            }
            targets.put(peer.nodeId(), peer.host());
        }
        out.putAll(probeAll(targets, certs));
        return out;
    }
}
