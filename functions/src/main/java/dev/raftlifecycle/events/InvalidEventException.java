package dev.raftlifecycle.events;

/**
 * The event is not a well-formed lifecycle action for this handler. The message names the field. The
 * handler lets it fail the invocation (visible as a Lambda error, retried a bounded number of times, then
 * sent to the dead-letter queue) and makes no Vault or AWS call.
 */
public final class InvalidEventException extends RuntimeException {
    private final String field;

    public InvalidEventException(String field, String message) {
        super(field + ": " + message);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
