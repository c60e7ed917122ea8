package dev.raftlifecycle.decisions;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Whether a launching instance is ready to be put in service: its own sys/health says initialized and
 * unsealed (200/429/473), the Raft configuration lists it under its instance id, autopilot reports it
 * healthy with the expected status and stable for at least server_stabilization_time, the cluster has a
 * leader, and (optionally) it runs the expected Vault version.
 */
public final class LaunchReadiness {
    private LaunchReadiness() {
    }

    /** The verdict for one poll. */
    public sealed interface Verdict {
        String reason();
    }

    /** Every condition holds. */
    public record Ready(String reason) implements Verdict {
    }

    /** Not yet; {@code reason} is what a timeout would report. */
    public record Waiting(String reason, String detail) implements Verdict {
    }

    /** No node of the cluster is initialized: the first deploy, before `vault operator init`. */
    public record ClusterUninitialized(String reason) implements Verdict {
    }

    /**
     * What one poll observed.
     *
     * @param clusterUninitialized every other node answered and none is initialized (first deploy)
     * @param clusterInitialized   some other node reported itself initialized
     */
    public record Observation(NodeHealth node, boolean clusterUninitialized, boolean clusterInitialized,
                              Reachability reachability, Optional<ClusterView> view) {
    }

    /** The expectations that do not change between polls. */
    public record Expectations(boolean nonVoters, Optional<String> vaultVersion) {
    }

    public static Verdict evaluate(String instanceId, Observation observation, Expectations expected, Instant now) {
        if (observation.clusterUninitialized()) {
            return new ClusterUninitialized("cluster-uninitialized");
        }
        NodeHealth node = observation.node();
        switch (node.state()) {
            case UNREACHABLE:
                return new Waiting("unreachable", node.detail());
            case TLS_FAILURE:
                return new Waiting("tls-failure", node.detail());
            case UNINITIALIZED:
                // With auto-unseal a node only becomes initialized by joining (the join handshake itself needs
                // the seal to decrypt the leader's challenge), so in an initialized cluster this means it has
                // not joined: wrong retry_join/auto_join, no route to the leader, or a seal that cannot decrypt.
                return observation.clusterInitialized()
                        ? new Waiting("not-in-raft", "the node is not initialized: it has not joined the cluster")
                        : new Waiting("not-initialized", "the node is not initialized and no other node answered as initialized");
            case SEALED:
                return new Waiting("sealed", "the node is initialized but sealed (auto-unseal failing?)");
            case REMOVED:
                return new Waiting("not-in-raft", "the node reports it was removed from the cluster (530)");
            case ACTIVE:
            case STANDBY:
            case PERFORMANCE_STANDBY:
                break;
            default:
                return new Waiting("unhealthy", "sys/health answered " + node.state() + " (" + node.state().code() + ")");
        }
        if (expected.vaultVersion().isPresent() && node.version().isPresent()
                && !versionMatches(expected.vaultVersion().get(), node.version().get())) {
            return new Waiting("version-mismatch", "runs " + node.version().get() + ", expected " + expected.vaultVersion().get());
        }
        if (observation.reachability() != Reachability.OBSERVED || observation.view().isEmpty()) {
            return new Waiting(switch (observation.reachability()) {
                case AUTH_FAILED -> "auth-failed";
                case TLS_FAILURE -> "tls-failure";
                case NO_LEADER -> "no-leader";
                default -> "cluster-unreachable";
            }, "the cluster's Raft state could not be read");
        }
        ClusterView view = observation.view().get();
        if (!view.leaderPresent()) {
            return new Waiting("no-leader", "the Raft configuration has no leader");
        }
        if (view.peer(instanceId).isEmpty()) {
            return new Waiting("not-in-raft", "no peer with node_id " + instanceId);
        }
        Optional<AutopilotServer> server = view.autopilot().server(instanceId);
        if (server.isEmpty() || !server.get().healthy()) {
            return new Waiting("unhealthy", server.isEmpty() ? "autopilot does not list the server yet"
                    : "autopilot reports it unhealthy (last contact " + server.get().lastContact().toMillis() + " ms)");
        }
        String status = server.get().status();
        boolean statusOk = expected.nonVoters() ? "non-voter".equals(status) || server.get().isVoterOrLeader()
                : server.get().isVoterOrLeader();
        if (!statusOk) {
            return new Waiting("not-stable", "autopilot status is " + status + " (not yet promoted)");
        }
        Duration stabilization = view.settings().serverStabilizationTime();
        Optional<Instant> stableSince = server.get().stableSince();
        if (stableSince.isEmpty() || stableSince.get().plus(stabilization).isAfter(now)) {
            return new Waiting("not-stable", "stable since " + stableSince.map(Instant::toString).orElse("never")
                    + ", needs " + stabilization.toSeconds() + " s");
        }
        return new Ready("ready");
    }

    /** "1.14.10" matches "1.14.10", "v1.14.10" and "1.14.10+ent". */
    static boolean versionMatches(String expected, String actual) {
        String e = expected.startsWith("v") ? expected.substring(1) : expected;
        String a = actual.startsWith("v") ? actual.substring(1) : actual;
        return a.equals(e) || a.startsWith(e + "+") || a.startsWith(e + "-");
    }
}
