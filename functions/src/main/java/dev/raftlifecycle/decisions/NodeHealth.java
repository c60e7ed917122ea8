package dev.raftlifecycle.decisions;

import java.util.Optional;

/**
 * What one instance's own health endpoint said (or that it did not answer).
 *
 * @param leaderAddress the Raft address of the leader this node follows, when its answer names one (Consul's
 *                      {@code status/leader}); empty when the answer names none (Vault's {@code sys/health})
 * @param raftPeers     the Raft addresses of the servers in this node's own configuration, when its answer lists them
 *                      (Consul's token-free {@code status/peers}); empty otherwise
 */
public record NodeHealth(String instanceId, String address, State state, Optional<String> version, String detail,
                         Optional<String> leaderAddress, java.util.List<String> raftPeers) {

    public NodeHealth {
        raftPeers = java.util.List.copyOf(raftPeers);
    }

    public NodeHealth(String instanceId, String address, State state, Optional<String> version, String detail) {
        this(instanceId, address, state, version, detail, Optional.empty(), java.util.List.of());
    }

    /** sys/health outcomes, by HTTP status. */
    public enum State {
        ACTIVE(200), STANDBY(429), DR_SECONDARY(472), PERFORMANCE_STANDBY(473),
        /** 474 (1.19+): a standby that cannot reach the active node. */
        STANDBY_NO_ACTIVE(474),
        UNINITIALIZED(501), SEALED(503),
        /** 530 (1.19+): the node was removed from the cluster. */
        REMOVED(530),
        /** Any other status. */
        ERROR(-2),
        /** No answer (connection refused, timeout). */
        UNREACHABLE(-1),
        /**
         * Something answers at the address, but a client connecting now cannot get a verified TLS session with it: the
         * handshake or the certificate was refused, or new connections fail while an older one still gets answers.
         */
        TLS_FAILURE(-3);

        private final int code;

        State(int code) {
            this.code = code;
        }

        public int code() {
            return code;
        }

        public static State ofStatus(int status) {
            for (State s : values()) {
                if (s.code == status && status > 0) {
                    return s;
                }
            }
            return ERROR;
        }
    }

    public static NodeHealth unreachable(String instanceId, String address, String detail) {
        return new NodeHealth(instanceId, address, State.UNREACHABLE, Optional.empty(), detail);
    }

    public boolean answered() {
        return state != State.UNREACHABLE && state != State.TLS_FAILURE;
    }

    /**
     * Whether anything at the address took part in an exchange (an answer, or a TLS handshake that was refused): a
     * server may be alive there. Not the same as {@link #answered()}, which is what a client can use.
     */
    public boolean somethingAnswers() {
        return state != State.UNREACHABLE;
    }

    public boolean initialized() {
        return switch (state) {
            case ACTIVE, STANDBY, DR_SECONDARY, PERFORMANCE_STANDBY, STANDBY_NO_ACTIVE, SEALED, REMOVED -> true;
            default -> false;
        };
    }

    /** Initialized and unsealed: can serve (200, 429, 473) or at least is unsealed (472, 474). */
    public boolean unsealed() {
        return switch (state) {
            case ACTIVE, STANDBY, DR_SECONDARY, PERFORMANCE_STANDBY, STANDBY_NO_ACTIVE -> true;
            default -> false;
        };
    }

    public boolean sealed() {
        return state == State.SEALED;
    }
}
