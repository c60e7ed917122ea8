package dev.raftlifecycle.decisions;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Whether a launching instance is ready to be put in service: its own answer says initialized and unsealed
 * (Vault's sys/health 200/429/473; a Consul server that knows a leader), the Raft configuration lists it (under its
 * instance id; for a cluster named otherwise, as the one peer whose address is its private IP or private DNS name,
 * {@link PeerMatch}, and only once that peer has become stable after the instance was launched: a peer stable since
 * before the instance existed is an old node that sat at the address it reused), autopilot reports it healthy, alive (Consul: a Serf member), with the expected status and stable for
 * at least server_stabilization_time, the cluster has a leader, and (optionally) it runs the expected version (its
 * own answer's, else autopilot's for it). While no node of the cluster is initialized (first deploy) it is let through,
 * but only on positive evidence ({@link ClusterInitialization}); likewise while the cluster itself says the handlers'
 * auth method does not exist (a Consul first deploy before the ACL setup), on token-free answers ({@link AccessNotSetUp}).
 */
public final class LaunchReadiness {
    private LaunchReadiness() {
    }

    /** The verdict for one poll. */
    public sealed interface Verdict {
        Reason reason();
    }

    /**
     * Every condition holds.
     *
     * @param matched how the instance's peer was matched ({@link PeerMatch#describe}), e.g. "node_id i-…" or
     *                "private-dns-name ip-10-0-1-5.ec2.internal"
     */
    public record Ready(String matched) implements Verdict {
        public Ready() {
            this("");
        }

        @Override
        public Reason reason() {
            return Reason.READY;
        }
    }

    /** Not yet; {@code reason} is what a timeout would report. */
    public record Waiting(Reason reason, String detail) implements Verdict {
    }

    /** No node of the cluster is initialized: the first deploy, before `vault operator init`. */
    public record ClusterUninitialized() implements Verdict {
        @Override
        public Reason reason() {
            return Reason.CLUSTER_UNINITIALIZED;
        }
    }

    /**
     * The cluster's access is not set up yet (Consul says the handlers' auth method does not exist: a first deploy
     * before the operator's ACL setup), and the node follows a leader that is one of this cluster's instances: as far
     * as can be seen without a token, it has joined. Nothing authenticated can be checked, so nothing more is.
     */
    public record AccessNotSetUp() implements Verdict {
        @Override
        public Reason reason() {
            return Reason.ACCESS_NOT_SET_UP;
        }
    }

    /** The expectations that do not change between polls. */
    public record Expectations(boolean nonVoters, Optional<String> vaultVersion) {
    }

    public static Verdict evaluate(ClusterSnapshot s, String instanceId, Expectations expected, Instant now) {
        NodeHealth node = Optional.ofNullable(s.health().get(instanceId))
                .orElse(NodeHealth.unreachable(instanceId, "", s.instance(instanceId).flatMap(ClusterInstance::privateIp)
                        .isPresent() ? "not probed" : "no private IP yet"));
        ClusterInitialization initialization = ClusterInitialization.judge(s, Optional.of(instanceId));
        if (node.state() == NodeHealth.State.UNINITIALIZED && initialization == ClusterInitialization.UNINITIALIZED) {
            return new ClusterUninitialized();
        }
        switch (node.state()) {
            case UNREACHABLE:
                return new Waiting(Reason.UNREACHABLE, node.detail());
            case TLS_FAILURE:
                return new Waiting(Reason.TLS_FAILURE, node.detail());
            case UNINITIALIZED:
                // With auto-unseal a node only becomes initialized by joining (the join handshake itself needs
                // the seal to decrypt the leader's challenge), so in an initialized cluster this means it has
                // not joined: wrong retry_join/auto_join, no route to the leader, or a seal that cannot decrypt.
                return initialization == ClusterInitialization.INITIALIZED
                        ? new Waiting(Reason.NOT_IN_RAFT, "the node is not initialized: it has not joined the cluster")
                        : new Waiting(Reason.NOT_INITIALIZED, "the node is not initialized and the other instances do "
                        + "not all answer as uninitialized (some do not answer, or there is none)");
            case SEALED:
                return new Waiting(Reason.SEALED, "the node is initialized but sealed (auto-unseal failing?)");
            case REMOVED:
                return new Waiting(Reason.NOT_IN_RAFT, "the node reports it was removed from the cluster (530)");
            case ACTIVE:
            case STANDBY:
            case PERFORMANCE_STANDBY:
                break;
            default:
                return new Waiting(Reason.UNHEALTHY, "sys/health answered " + node.state() + " (" + node.state().code() + ")");
        }
        if (expected.vaultVersion().isPresent() && node.version().isPresent()
                && !versionMatches(expected.vaultVersion().get(), node.version().get())) {
            return new Waiting(Reason.VERSION_MISMATCH, "runs " + node.version().get() + ", expected " + expected.vaultVersion().get());
        }
        Reachability reachability = Reachability.of(s);
        if (reachability == Reachability.AUTH_FAILED && s.readFailures().contains(ReadFailure.ACCESS_NOT_SET_UP)) {
            return accessNotSetUp(s, instanceId, node);
        }
        if (reachability != Reachability.OBSERVED || s.view().isEmpty()) {
            return new Waiting(reachability == Reachability.OBSERVED || reachability == Reachability.UNINITIALIZED
                    ? Reason.CLUSTER_UNREACHABLE : Reason.of(reachability), "the cluster's Raft state could not be read");
        }
        ClusterView view = s.view().get();
        if (!view.leaderPresent()) {
            return new Waiting(Reason.NO_LEADER, "the Raft configuration has no leader");
        }
        PeerMatch match = s.peerMatch(instanceId);
        switch (match) {
            case PeerMatch.NotMember m -> {
                return new Waiting(Reason.NOT_IN_RAFT, m.why());
            }
            case PeerMatch.Ambiguous m -> {
                return new Waiting(Reason.AMBIGUOUS_MATCH, m.why());
            }
            case PeerMatch.Unmatchable m -> {
                return new Waiting(Reason.PEER_NAMES_UNMATCHABLE, m.why());
            }
            case PeerMatch.ById m -> {
            }
            case PeerMatch.ByAddress m -> {
            }
        }
        RaftPeer peer = match.matched().orElseThrow();
        String matched = match.describe();
        Optional<AutopilotServer> server = view.autopilot().server(peer.nodeId());
        if (server.isEmpty() || !server.get().healthy()) {
            return new Waiting(Reason.UNHEALTHY, server.isEmpty() ? "autopilot does not list the server yet"
                    : "autopilot reports it unhealthy (last contact " + server.get().lastContact().toMillis() + " ms)");
        }
        String serf = server.get().nodeStatus();
        if (!serf.isEmpty() && !"alive".equals(serf)) {
            return new Waiting(Reason.UNHEALTHY, "autopilot reports its membership " + serf + " (not alive)");
        }
        // Consul's own answer carries no version: autopilot's per-server one stands in for it.
        if (expected.vaultVersion().isPresent() && node.version().isEmpty() && !server.get().version().isEmpty()
                && !versionMatches(expected.vaultVersion().get(), server.get().version())) {
            return new Waiting(Reason.VERSION_MISMATCH, "runs " + server.get().version() + ", expected " + expected.vaultVersion().get());
        }
        String status = server.get().status();
        boolean statusOk = expected.nonVoters() ? "non-voter".equals(status) || server.get().isVoterOrLeader()
                : server.get().isVoterOrLeader();
        if (!statusOk) {
            return new Waiting(Reason.NOT_STABLE, "autopilot status is " + status + " (not yet promoted)");
        }
        Duration stabilization = view.settings().serverStabilizationTime();
        Optional<Instant> stableSince = server.get().stableSince();
        if (stableSince.isEmpty() || stableSince.get().plus(stabilization).isAfter(now)) {
            return new Waiting(Reason.NOT_STABLE, "stable since " + stableSince.map(Instant::toString).orElse("never")
                    + ", needs " + stabilization.toSeconds() + " s");
        }
        if (match instanceof PeerMatch.ByAddress) {
            // Matched by address only: the peer must have become stable after this instance was launched. One stable
            // since before is another node that sat at the address this instance reused (the new node's own answer
            // alone cannot tell: it may have joined under another name, or not yet).
            Optional<Instant> launched = s.instance(instanceId).flatMap(ClusterInstance::launchTime);
            if (launched.isEmpty() || stableSince.get().isBefore(launched.get())) {
                return new Waiting(Reason.NOT_IN_RAFT, "peer " + peer.nodeId() + " (matched by " + matched + ") has been"
                        + " stable since " + stableSince.get() + (launched.isEmpty()
                        ? ", and EC2 reports no launch time for the instance to tell it from an old node at the same address"
                        : ", before the instance was launched (" + launched.get() + "): an old node at the same address"));
            }
        }
        return new Ready(matched);
    }

    /** "1.14.10" matches "1.14.10", "v1.14.10" and "1.14.10+ent". */
    /**
     * Token-free evidence that the node has joined this cluster while its access is not set up: it follows a leader
     * that is another of this cluster's instances (not itself: a server that elected itself is a cluster of its own),
     * and its own Raft configuration lists it (a client agent, or a server outside the configuration, is not listed).
     * On timeout the launch is reported as a refused login, which is what it is for everything else.
     */
    private static Verdict accessNotSetUp(ClusterSnapshot s, String instanceId, NodeHealth node) {
        Optional<String> leader = node.leaderAddress().map(RaftPeer::hostOf);
        boolean otherInstanceLeads = leader.isPresent() && s.instances().stream()
                .filter(i -> !i.instanceId().equals(instanceId))
                .anyMatch(i -> InstanceHost.isNamedBy(leader.get(), i));
        Optional<ClusterInstance> self = s.instance(instanceId);
        boolean listed = node.raftPeers().stream().map(RaftPeer::hostOf).anyMatch(h -> h.equals(node.address())
                || self.map(i -> InstanceHost.isNamedBy(h, i)).orElse(false));
        if (otherInstanceLeads && listed) {
            return new AccessNotSetUp();
        }
        return new Waiting(Reason.AUTH_FAILED, "the cluster's access is not set up (its auth method does not exist), and "
                + (otherInstanceLeads ? "the node's Raft configuration does not list it"
                : "the node follows no other instance of this cluster" + leader.map(l -> " (it names " + l + ")").orElse("")));
    }

    static boolean versionMatches(String expected, String actual) {
        String e = expected.startsWith("v") ? expected.substring(1) : expected;
        String a = actual.startsWith("v") ? actual.substring(1) : actual;
        return a.equals(e) || a.startsWith(e + "+") || a.startsWith(e + "-");
    }
}
