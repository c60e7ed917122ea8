package dev.raftlifecycle.rig;

/** A Vault process the rig was waiting on has exited; waiting longer cannot help. */
public final class NodeExitedException extends RigException {
    public NodeExitedException(String message) {
        super(message);
    }
}
