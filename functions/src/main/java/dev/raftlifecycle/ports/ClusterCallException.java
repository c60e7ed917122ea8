package dev.raftlifecycle.ports;

import dev.raftlifecycle.decisions.ReadFailure;

/** A failed call to the cluster (Vault or Consul). The message names the node and path, never a token. */
public final class ClusterCallException extends Exception {
    private final ReadFailure failure;
    private final int status;

    public ClusterCallException(ReadFailure failure, int status, String message, Throwable cause) {
        super(message, cause);
        this.failure = failure;
        this.status = status;
    }

    public ReadFailure failure() {
        return failure;
    }

    /** The HTTP status, or a negative value when there was no answer. */
    public int status() {
        return status;
    }
}
