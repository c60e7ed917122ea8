package dev.raftlifecycle.ports;

import dev.raftlifecycle.decisions.AutopilotSettings;
import dev.raftlifecycle.decisions.AutopilotState;
import dev.raftlifecycle.decisions.NodeHealth;
import dev.raftlifecycle.decisions.RaftPeer;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The calls the handlers make to the Raft cluster they look after, one node at a time (addressed by private IP),
 * whatever the system: {@link VaultClient} for Vault, {@link ConsulClient} for Consul. Each implementation turns
 * its system's answers into the same records, so the observer and the decisions do not know which system it is;
 * where the systems differ in meaning, the implementation's Javadoc says how it maps them.
 */
public interface ClusterPort {
    /** The request header the login's server id travels in (signed, so the login cannot be replayed elsewhere). */
    String serverIdHeader();

    /** The node's own answer about itself, without authentication. Never throws: failures become states. */
    NodeHealth health(String instanceId, String ip);

    /**
     * Logs in with a signed {@code sts:GetCallerIdentity} request.
     *
     * @param mount the auth mount (Vault) or auth method name (Consul)
     * @param role  the role to log in as (Vault); Consul's binding rules choose the role from the caller's identity
     */
    Session login(String ip, String mount, String role, IamLoginRequest.Payload payload, Instant now)
            throws ClusterCallException;

    /** The Raft configuration; node ids are the node names this project gives servers (EC2 instance ids). */
    List<RaftPeer> raftConfiguration(String ip, Session session) throws ClusterCallException;

    AutopilotState autopilotState(String ip, Session session) throws ClusterCallException;

    AutopilotSettings autopilotSettings(String ip, Session session) throws ClusterCallException;

    /**
     * The node's mean time to commit a Raft entry over its telemetry's last finished interval (go-metrics' in-memory sink:
     * Vault's {@code sys/metrics}, Consul's {@code agent/metrics}); empty when it committed nothing in it.
     */
    Optional<Double> raftCommitTimeMs(String ip, Session session) throws ClusterCallException;

    /** How long {@link #removePeer} may itself follow a removal it started, beyond one request (none by default). */
    default java.time.Duration removalFollowUp() {
        return java.time.Duration.ZERO;
    }

    /** Asks for the peer's removal. Its outcome is known only from a configuration read afterwards. */
    void removePeer(String ip, Session session, String nodeId) throws ClusterCallException;

    /** Asks the leader to hand leadership to another voter. Its outcome is known only from a read afterwards. */
    void stepDown(String ip, Session session) throws ClusterCallException;

    /**
     * Takes a snapshot of the cluster's Raft state from the node at {@code ip} (the leader: Vault's
     * {@code sys/storage/raft/snapshot}, Consul's {@code /v1/snapshot}) and hands the response body, as it arrives, to
     * {@code consumer}: never buffered whole, never written to disk. The request's timeout bounds the wait for the
     * answer; a body that stalls for {@code idle} or runs past {@code limit} is cut (the consumer's reads fail). A
     * refusal (any status but 200) is a {@link ClusterCallException} and the consumer is not called.
     */
    <T, E extends Exception> T snapshot(String ip, Session session, java.time.Duration idle, java.time.Duration limit,
                                        SnapshotConsumer<T, E> consumer) throws ClusterCallException, E;

    /** What reads a snapshot stream. */
    @FunctionalInterface
    interface SnapshotConsumer<T, E extends Exception> {
        T consume(java.io.InputStream body) throws E;
    }

    /** A token with its expiry. toString never shows the token. */
    record Session(String token, Instant expiresAt) {
        @Override
        public String toString() {
            return "Session[expiresAt=" + expiresAt + "]";
        }
    }
}
