package dev.raftlifecycle.restore;

/** The restore did not happen or did not take; {@link #exitCode()} says which way (see {@link RestoreCommand}). */
public final class RestoreException extends Exception {
    /** Exit codes of scripts/restore-snapshot. */
    public enum Kind {
        USAGE(2), NO_SNAPSHOT(3), REFUSED(4), FAILED(5), NOT_CONFIRMED(6);

        final int exitCode;

        Kind(int exitCode) {
            this.exitCode = exitCode;
        }
    }

    private final Kind kind;

    public RestoreException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public RestoreException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    public int exitCode() {
        return kind.exitCode;
    }
}
