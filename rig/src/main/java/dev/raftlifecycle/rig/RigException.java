package dev.raftlifecycle.rig;

/** A rig failure: a tool is missing, a process died, or a wait timed out. The message says which. */
public class RigException extends RuntimeException {
    public RigException(String message) {
        super(message);
    }

    public RigException(String message, Throwable cause) {
        super(message, cause);
    }
}
