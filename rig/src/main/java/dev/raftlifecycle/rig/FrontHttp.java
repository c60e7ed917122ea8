package dev.raftlifecycle.rig;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.raftlifecycle.rig.LifecycleRecorder.AwsCall;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The HTTP side of the AWS front (see {@link LifecycleRecorder}): the server the SDK talks to, the requests relayed to
 * moto unchanged and its answers relayed back (through the {@link AwsViewOverlays}), the two lifecycle calls handed to
 * the {@link LifecycleActionBook} once moto allowed them, the {@link AwsRefusals} moto does not make, and moto's auth
 * errors rewritten into each service's own format. Every call is recorded in the {@link CallRecord}.
 */
final class FrontHttp implements AutoCloseable {
    private static final Set<String> HOP_HEADERS = Set.of("host", "connection", "content-length", "expect",
            "upgrade", "transfer-encoding", "keep-alive", "date");
    private static final Pattern CREDENTIAL_SCOPE = Pattern.compile("Credential=([^/]+)/\\d{8}/[^/]+/([^/]+)/aws4_request");
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    private static final Pattern RPC_V2_PATH = Pattern.compile("/service/[^/]+/operation/([A-Za-z]+)");
    private static final Pattern MOTO_AUTH_ERROR = Pattern.compile(
            "<Errors>\\s*<Error>\\s*<Code>([^<]*)</Code>\\s*<Message>([^<]*)</Message>", Pattern.DOTALL);

    private final HttpServer server;
    private final ExecutorService executor;
    private final HttpClient upstream;
    private final URI moto;
    private final CallRecord calls;
    private final LifecycleActionBook actions;
    private final AwsViewOverlays views;
    private final AwsRefusals refusals;
    private final java.util.List<Interception> interceptions = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** A registered interceptor: the service and actions it answers, and how the front checks the call first. */
    private record Interception(String service, java.util.function.Predicate<String> actions, AwsInterceptor.Check check,
                                AwsInterceptor handler) {
    }

    FrontHttp(URI moto, CallRecord calls, LifecycleActionBook actions, AwsViewOverlays views, AwsRefusals refusals)
            throws IOException {
        this.moto = moto;
        this.calls = calls;
        this.actions = actions;
        this.views = views;
        this.refusals = refusals;
        this.upstream = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        this.executor = Executors.newFixedThreadPool(16, r -> {
            Thread t = new Thread(r, "aws-front");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Answers {@code service}'s calls whose action matches with {@code handler} (the first registration that matches). */
    void intercept(String service, java.util.function.Predicate<String> actions, AwsInterceptor.Check check,
                   AwsInterceptor handler) {
        interceptions.add(new Interception(service, actions, check, handler));
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private void handle(HttpExchange exchange) throws IOException {
        try {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            Matcher scope = CREDENTIAL_SCOPE.matcher(auth == null ? "" : auth);
            boolean signed = scope.find();
            String service = signed ? scope.group(2) : "unknown";
            String action = action(exchange, body);
            calls.add(new AwsCall(signed ? scope.group(1) : "", service, action, Instant.now()));
            if (signed && refusals.policyRefused(exchange, scope.group(1), service, action, params(exchange, body))) {
                return; // refused as IAM would, where moto does not (a resource-scoped policy, an unchecked terminate)
            }
            Interception interception = interceptions.stream()
                    .filter(i -> i.service().equals(service) && i.actions().test(action)).findFirst().orElse(null);
            if (interception != null) {
                intercepted(exchange, interception, service, action, body, signed ? scope.group(1) : "");
            } else if ("autoscaling".equals(service) && ("CompleteLifecycleAction".equals(action)
                    || "RecordLifecycleActionHeartbeat".equals(action))) {
                HttpResponse<byte[]> checked = send(exchange, body);
                if (checked.statusCode() == 401 || checked.statusCode() == 403) {
                    refusal(exchange, service, checked); // moto refused the signature or the permission
                } else {
                    LifecycleActionBook.Answer answer = actions.answer(action, formParams(body));
                    reply(exchange, answer.status(), answer.xml());
                }
            } else if ("dynamodb".equals(service) && signed && refusals.itemRefused(exchange, scope.group(1), action, body)) {
                return;
            } else if ("autoscaling".equals(service) && "UpdateAutoScalingGroup".equals(action)) {
                // moto keeps no instance lifecycle policy: the overlay does, once moto accepted the call.
                Map<String, String> params = params(exchange, body);
                int status = forward(exchange, service, body);
                String value = params.get(AwsViewOverlays.TERMINATE_HOOK_ABANDON_PARAM);
                if (status == 200 && value != null && params.get("AutoScalingGroupName") != null) {
                    views.terminateHookAbandon(params.get("AutoScalingGroupName"), value);
                }
            } else {
                forward(exchange, service, body);
            }
        } catch (Exception e) {
            byte[] message = ("aws front failure: " + e).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(502, message.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(message);
            }
        } finally {
            exchange.close();
        }
    }

    private void intercepted(HttpExchange exchange, Interception interception, String service, String action, byte[] body,
                             String accessKeyId) throws Exception {
        AwsInterceptor.Moto moto = () -> {
            HttpResponse<byte[]> response = send(exchange, body);
            if (response.statusCode() == 401 || response.statusCode() == 403) {
                return refusalReply(service, response);
            }
            return new AwsInterceptor.Reply(response.statusCode(),
                    response.headers().firstValue("Content-Type").orElse("text/xml"),
                    views.asAwsWouldAnswer(response.body()), Map.of());
        };
        if (interception.check() == AwsInterceptor.Check.MOTO_FIRST) {
            HttpResponse<byte[]> checked = send(exchange, body);
            if (checked.statusCode() == 401 || checked.statusCode() == 403) {
                refusal(exchange, service, checked); // moto refused the signature or the permission
                return;
            }
        }
        Map<String, String> params = params(exchange, body);
        AwsInterceptor.Reply reply = interception.handler().handle(new AwsInterceptor.Request(service, action,
                exchange.getRequestMethod(), exchange.getRequestURI().getPath(), Map.copyOf(params), body, accessKeyId, moto));
        write(exchange, reply);
    }

    /** The call's query parameters and, for a form body, its form parameters. */
    private static Map<String, String> params(HttpExchange exchange, byte[] body) {
        String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
        Map<String, String> params = new LinkedHashMap<>();
        String query = exchange.getRequestURI().getRawQuery();
        if (query != null) {
            params.putAll(parseForm(query));
        }
        if (contentType != null && contentType.startsWith("application/x-www-form-urlencoded")) {
            params.putAll(formParams(body));
        }
        return params;
    }

    private static void write(HttpExchange exchange, AwsInterceptor.Reply reply) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", reply.contentType());
        reply.headers().forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
        if (!exchange.getResponseHeaders().containsKey("x-amzn-RequestId")) {
            exchange.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
        }
        exchange.sendResponseHeaders(reply.status(), reply.body().length == 0 ? -1 : reply.body().length);
        if (reply.body().length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(reply.body());
            }
        }
    }

    /**
     * The request, unchanged, to moto; its answer. Unchanged includes its Host header (the front's address): moto
     * recomputes the signature over the headers the client signed, Host among them.
     */
    private HttpResponse<byte[]> send(HttpExchange exchange, byte[] body) throws IOException, InterruptedException {
        URI target = moto.resolve(exchange.getRequestURI().toString());
        HttpRequest.Builder request = HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(60))
                .method(exchange.getRequestMethod(), body.length == 0
                        ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        String host = exchange.getRequestHeaders().getFirst("Host");
        if (host != null) {
            request.header("Host", host);
        }
        exchange.getRequestHeaders().forEach((name, values) -> {
            if (!HOP_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                values.forEach(v -> request.header(name, v));
            }
        });
        return upstream.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** Moto's answer as it gave it. */
    private static void relay(HttpExchange exchange, HttpResponse<byte[]> response, byte[] out) throws IOException {
        response.headers().map().forEach((name, values) -> {
            if (!HOP_HEADERS.contains(name.toLowerCase(Locale.ROOT)) && !name.startsWith(":")) {
                exchange.getResponseHeaders().put(name, new ArrayList<>(values));
            }
        });
        exchange.sendResponseHeaders(response.statusCode(), out.length == 0 ? -1 : out.length);
        if (out.length > 0) {
            try (OutputStream stream = exchange.getResponseBody()) {
                stream.write(out);
            }
        }
    }

    /**
     * moto's refusal of a signature or a permission, in the answer the service itself gives: moto writes every auth
     * error as {@code <ErrorResponse><Errors><Error>} XML, which neither the Query services' (Auto Scaling, CloudWatch,
     * STS) nor the JSON services' (DynamoDB, KMS) clients can read, so the SDK would report a bare 403 without the
     * denied action. The code and message are moto's, unchanged.
     */
    private static void refusal(HttpExchange exchange, String service, HttpResponse<byte[]> response) throws IOException {
        AwsInterceptor.Reply reply = refusalReply(service, response);
        if (reply == null) {
            relay(exchange, response, response.body());
        } else {
            write(exchange, reply);
        }
    }

    /** {@link #refusal}'s answer; null if moto's body is not its auth error XML (then relayed as it is). */
    private static AwsInterceptor.Reply refusalReply(String service, HttpResponse<byte[]> response) {
        Matcher error = MOTO_AUTH_ERROR.matcher(new String(response.body(), StandardCharsets.UTF_8));
        if (!error.find()) {
            return null;
        }
        String code = error.group(1);
        String message = error.group(2);
        String requestId = UUID.randomUUID().toString();
        byte[] body;
        String contentType;
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("x-amzn-RequestId", requestId);
        if (Set.of("dynamodb", "kms", "secretsmanager").contains(service)) {
            try {
                body = JSON.writeValueAsBytes(Map.of("__type", code, "message", unescapeXml(message)));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
            contentType = "application/x-amz-json-1.0";
            headers.put("x-amzn-ErrorType", code);
        } else if ("lambda".equals(service)) {
            try {
                body = JSON.writeValueAsBytes(Map.of("Type", "User", "message", unescapeXml(message)));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
            contentType = "application/json";
            headers.put("x-amzn-ErrorType", code);
        } else if ("ec2".equals(service)) {
            body = ("<Response><Errors><Error><Code>" + code + "</Code><Message>" + message + "</Message></Error></Errors>"
                    + "<RequestID>" + requestId + "</RequestID></Response>").getBytes(StandardCharsets.UTF_8);
            contentType = "text/xml";
        } else {
            body = ("<ErrorResponse><Error><Type>Sender</Type><Code>" + code + "</Code><Message>" + message
                    + "</Message></Error><RequestId>" + requestId + "</RequestId></ErrorResponse>")
                    .getBytes(StandardCharsets.UTF_8);
            contentType = "text/xml";
        }
        return new AwsInterceptor.Reply(response.statusCode(), contentType, body, headers);
    }

    private static String unescapeXml(String text) {
        return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'")
                .replace("&amp;", "&");
    }

    /** Relays the call to moto and its answer back (through the overlays); returns moto's status (0: refused here). */
    private int forward(HttpExchange exchange, String service, byte[] body) throws IOException, InterruptedException {
        HttpResponse<byte[]> response = send(exchange, body);
        if (response.statusCode() == 401 || response.statusCode() == 403) {
            refusal(exchange, service, response);
            return response.statusCode();
        }
        if (refusals.keyDisabled(exchange, body, response)) {
            return 0;
        }
        response.headers().map().forEach((name, values) -> {
            if (!HOP_HEADERS.contains(name.toLowerCase(Locale.ROOT)) && !name.startsWith(":")) {
                exchange.getResponseHeaders().put(name, new ArrayList<>(values));
            }
        });
        byte[] out = views.asAwsWouldAnswer(response.body());
        if (out != response.body() && exchange.getResponseHeaders().containsKey("x-amz-crc32")) {
            // The body changed: its checksum must too (the SDK checks it).
            java.util.zip.CRC32 crc = new java.util.zip.CRC32();
            crc.update(out);
            exchange.getResponseHeaders().set("x-amz-crc32", Long.toString(crc.getValue()));
        }
        exchange.sendResponseHeaders(response.statusCode(), out.length == 0 ? -1 : out.length);
        if (out.length > 0) {
            try (OutputStream stream = exchange.getResponseBody()) {
                stream.write(out);
            }
        }
        return response.statusCode();
    }

    private static void reply(HttpExchange exchange, int status, String xml) throws IOException {
        byte[] bytes = xml.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/xml");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static String action(HttpExchange exchange, byte[] body) {
        String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
        if (target != null && target.contains(".")) {
            return target.substring(target.lastIndexOf('.') + 1);
        }
        Matcher rpc = RPC_V2_PATH.matcher(exchange.getRequestURI().getPath());
        if (rpc.find()) {
            return rpc.group(1);
        }
        String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
        if (contentType != null && contentType.startsWith("application/x-www-form-urlencoded")) {
            String action = formParams(body).get("Action");
            if (action != null) {
                return action;
            }
        }
        String query = exchange.getRequestURI().getRawQuery();
        if (query != null) {
            String action = parseForm(query).get("Action");
            if (action != null) {
                return action;
            }
        }
        return exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath();
    }

    private static Map<String, String> formParams(byte[] body) {
        return parseForm(new String(body, StandardCharsets.UTF_8));
    }

    private static Map<String, String> parseForm(String form) {
        Map<String, String> params = new LinkedHashMap<>();
        for (String pair : form.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            params.put(key, value);
        }
        return params;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
