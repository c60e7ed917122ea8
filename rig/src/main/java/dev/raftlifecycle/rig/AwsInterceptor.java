package dev.raftlifecycle.rig;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * An answer the AWS front gives itself for some calls moto does not play as AWS would (registered with
 * {@link LifecycleRecorder#intercept}): the lab's Auto Scaling stand-in, its Lambda invoke. It sees the call as the
 * front parsed it and returns the service's answer, in the service's own format (the Query protocol's XML for Auto
 * Scaling, JSON for Lambda): the SDK must be able to parse it.
 */
@FunctionalInterface
public interface AwsInterceptor {
    /** What an interceptor may do before (or instead of) answering: send the call, unchanged, to moto. */
    @FunctionalInterface
    interface Moto {
        /**
         * moto's answer to the call as the client signed it (moto checks the signature and the caller's permission,
         * and, if it knows the action, performs it): a refusal (401/403) already in the service's own error format,
         * any other answer through the front's overlays.
         */
        Reply send() throws IOException, InterruptedException;
    }

    /**
     * One call: the service (from the SigV4 scope), its action (the Query/JSON action, or "METHOD /path" for REST
     * services such as Lambda), the HTTP method and path, the form (or query) parameters, the raw body, and the access
     * key id it was signed with ("" if unsigned).
     */
    record Request(String service, String action, String method, String path, Map<String, String> params, byte[] body,
                   String accessKeyId, Moto moto) {
        public String param(String name) {
            return params.get(name);
        }
    }

    /** An HTTP answer: status, content type, body and extra headers. */
    record Reply(int status, String contentType, byte[] body, Map<String, String> headers) {
        public static Reply xml(int status, String xml) {
            return new Reply(status, "text/xml", xml.getBytes(StandardCharsets.UTF_8), Map.of());
        }

        public static Reply json(int status, byte[] json, Map<String, String> headers) {
            return new Reply(status, "application/json", json, headers);
        }

        public boolean refused() {
            return status == 401 || status == 403;
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /**
     * How the front checks a call before the interceptor sees it. moto checks every request's signature and the
     * caller's permission for the action; an intercepted call can keep that check only if moto may see it without
     * acting on it.
     */
    enum Check {
        /**
         * The call goes to moto first (as the two lifecycle calls do): refused (401/403), the refusal is the answer
         * and the interceptor is not called. For actions moto does not implement, or read-only ones.
         */
        MOTO_FIRST,
        /**
         * The front checks nothing (moto would perform the action at once); the interceptor may call
         * {@link Request#moto()} itself when moto's effect is what it wants, and must pass a refusal back.
         */
        BY_INTERCEPTOR
    }

    /** The answer to the call; an exception is answered 502 with its message, as any front failure is. */
    Reply handle(Request request) throws Exception;
}
