package dev.raftlifecycle.decisions;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * What a new client makes of one node's certificate: a TLS handshake of its own (a new TLS context, so no pooled
 * connection and no resumed session stands in for it), verified against the cluster's CA and server name exactly as
 * every other call is.
 *
 * @param nodeId   the instance id (or peer node id) the node was probed for
 * @param address  the address connected to
 * @param notAfter the earliest expiry in the verified chain the node presented (empty unless VERIFIED)
 * @param detail   what happened, for the decision line (never secret material)
 */
public record CertificateCheck(String nodeId, String address, Outcome outcome, Optional<Instant> notAfter, String detail) {

    /** The handshake's outcome. */
    public enum Outcome {
        /** The chain leads to the cluster's CA and the certificate names the expected name, and is in its validity. */
        VERIFIED,
        /** The node answered the handshake with a certificate a client cannot verify (self-signed, wrong CA, expired, wrong name). */
        REFUSED,
        /** No handshake: the connection failed or timed out. Not a certificate finding (the health probe says it). */
        NO_ANSWER
    }

    /** @param notAfter the earliest expiry in the chain the node presented (a CA can expire before the leaf) */
    public static CertificateCheck verified(String nodeId, String address, Instant notAfter) {
        return new CertificateCheck(nodeId, address, Outcome.VERIFIED, Optional.of(notAfter), "verified, valid until " + notAfter);
    }

    public static CertificateCheck refused(String nodeId, String address, String why) {
        return new CertificateCheck(nodeId, address, Outcome.REFUSED, Optional.empty(), why);
    }

    public static CertificateCheck noAnswer(String nodeId, String address, String why) {
        return new CertificateCheck(nodeId, address, Outcome.NO_ANSWER, Optional.empty(), why);
    }

    public boolean refused() {
        return outcome == Outcome.REFUSED;
    }

    /** Whole days from {@code now} to the expiry (rounded down; 0 on the last day), for a verified certificate. */
    public Optional<Long> daysLeft(Instant now) {
        return notAfter.map(end -> Math.floorDiv(Duration.between(now, end).toSeconds(), Duration.ofDays(1).toSeconds()));
    }

    /**
     * The node's health as every safety rule must see it: a node whose certificate a new client cannot verify is not
     * serving anyone who connects now, whatever an older pooled connection got from it; nor is one that answered over
     * an older connection while a new one failed (a listener gone, a rule that now drops new connections). Either is
     * TLS_FAILURE: something is alive at the address (never a peer to remove as dead), nothing a client can use.
     */
    public NodeHealth applyTo(NodeHealth health) {
        if (health.state() == NodeHealth.State.TLS_FAILURE || outcome == Outcome.VERIFIED
                || outcome == Outcome.NO_ANSWER && !health.answered()) {
            return health;
        }
        String why = refused() ? "certificate not verifiable by a new client: " + detail
                : "answers over an older connection, but a new connection fails: " + detail;
        return new NodeHealth(health.instanceId(), health.address(), NodeHealth.State.TLS_FAILURE, health.version(),
                why, health.leaderAddress(), health.raftPeers());
    }
}
