package dev.raftlifecycle.ports;

/**
 * A call to an AWS service that did not succeed: the service's error code and message (or {@code IOException} when
 * no answer came), the HTTP status (0 without an answer) and the request id when the service gave one.
 */
public final class AwsCallException extends RuntimeException {
    private final int status;
    private final String code;
    private final String errorMessage;

    public AwsCallException(String service, String action, int status, String code, String message, String requestId) {
        super(service + " " + action + " failed: " + code + (message == null || message.isEmpty() ? "" : ": " + message)
                + (status > 0 ? " (HTTP " + status + (requestId == null ? "" : ", request " + requestId) + ")" : ""));
        this.status = status;
        this.code = code;
        this.errorMessage = message == null ? "" : message;
    }

    /** The HTTP status, 0 when no answer came. */
    public int status() {
        return status;
    }

    /** The service's error code ({@code ValidationError}, {@code InvalidInstanceID.Malformed}, ...). */
    public String code() {
        return code;
    }

    /** The service's error message, empty when it gave none. */
    public String errorMessage() {
        return errorMessage;
    }
}
