package dev.raftlifecycle.roll;

/** Ends the roll with an exit code ({@link dev.raftlifecycle.decisions.RollStep}'s EXIT_*) and a message. */
public final class RollException extends RuntimeException {
    private final int exitCode;

    public RollException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
