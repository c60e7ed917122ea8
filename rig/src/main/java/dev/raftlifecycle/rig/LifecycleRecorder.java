package dev.raftlifecycle.rig;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The AWS endpoint the code under test talks to: a small HTTP front that forwards every request to moto,
 * except the two Auto Scaling lifecycle calls moto lacks (CompleteLifecycleAction and
 * RecordLifecycleActionHeartbeat), which it answers itself against the lifecycle actions the test or the
 * lab opened. It records every AWS call (caller, service and action) and every lifecycle call (token,
 * result, order), so tests can assert exactly what the handlers did.
 *
 * <p>One more gap of the emulator is closed here: moto's KMS encrypts and decrypts with a disabled key.
 * AWS refuses (DisabledException), and Vault's auto-unseal depends on that, so key-use calls whose key is
 * disabled are answered with AWS's error (the state is read from moto, never kept here).
 *
 * <p>IAM: moto checks every request's signature and the caller's permission for the action (its access control is
 * on, see {@link RigIam}). The two lifecycle calls this front answers itself are first sent to moto unchanged, which
 * checks them the same way (and, allowed, answers that it does not implement them): a refusal is passed back as
 * moto gave it, and only an allowed call is answered here. And for a handler's credentials, a DynamoDB item request
 * must be allowed by the {@code dynamodb:LeadingKeys} condition of its synthesized statements, which moto ignores
 * ({@link RigIam#allowsItem}): otherwise AWS's AccessDeniedException.
 */
public final class LifecycleRecorder implements AutoCloseable {
    private static final Set<String> HOP_HEADERS = Set.of("host", "connection", "content-length", "expect",
            "upgrade", "transfer-encoding", "keep-alive", "date");
    private static final Pattern CREDENTIAL_SCOPE = Pattern.compile("Credential=([^/]+)/\\d{8}/[^/]+/([^/]+)/aws4_request");
    private static final Set<String> KMS_KEY_USE = Set.of("Encrypt", "Decrypt", "GenerateDataKey",
            "GenerateDataKeyWithoutPlaintext", "ReEncrypt");
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    private static final Pattern RPC_V2_PATH = Pattern.compile("/service/[^/]+/operation/([A-Za-z]+)");

    /** One lifecycle action the emulator keeps open until it is completed or expires. */
    public record LifecycleAction(String token, String groupName, String hookName, String instanceId,
                                  String transition, Instant openedAt) {
    }

    /** A lifecycle call the code under test made, accepted or refused. */
    public record LifecycleCall(String action, String groupName, String hookName, String token, String instanceId,
                                String result, boolean accepted, Instant at) {
    }

    /** Any AWS call that passed through, by caller (access key id), service (from the SigV4 scope) and action. */
    public record AwsCall(String accessKeyId, String service, String action, Instant at) {
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final HttpClient upstream;
    private final URI moto;
    private final software.amazon.awssdk.services.kms.KmsClient kms;
    private final RigIam iam;
    private final Map<String, LifecycleAction> open = new ConcurrentHashMap<>();
    private final Map<String, String> outcomes = new ConcurrentHashMap<>();
    private final List<LifecycleCall> lifecycleCalls = new CopyOnWriteArrayList<>();
    private final List<AwsCall> awsCalls = new CopyOnWriteArrayList<>();
    private final Object completion = new Object();
    /** Auto Scaling lifecycle states moto does not model (Terminating:Wait, Pending:Wait, Terminating:Retained...). */
    private final Map<String, String> lifecycleStates = new ConcurrentHashMap<>();
    /**
     * Per group, what to add to moto's desired capacity to show Auto Scaling's: a retained instance does not count
     * toward desired capacity and AWS launches a replacement for it; moto counts it, so the lab raises moto's desired
     * capacity by one for the replacement and shows one less here.
     */
    private final Map<String, Integer> desiredCapacityOffsets = new ConcurrentHashMap<>();
    /** Instances DescribeInstances does not list (EC2's eventual consistency: a new instance not visible yet). */
    private final Set<String> hiddenFromEc2 = ConcurrentHashMap.newKeySet();
    /**
     * Spot request status codes EC2 would show (marked-for-termination when it schedules an interruption); moto keeps
     * every request "fulfilled" and has no way to change it.
     */
    private final Map<String, String> spotStatuses = new ConcurrentHashMap<>();
    private final Map<String, HeartbeatHook> heartbeatHooks = new ConcurrentHashMap<>();
    /** Per token: how many more heartbeats to refuse, and with which error code. */
    private final Map<String, java.util.Deque<String>> refusedHeartbeats = new ConcurrentHashMap<>();
    private final Map<String, Integer> heartbeatCounts = new ConcurrentHashMap<>();

    /**
     * Runs when a heartbeat for an action arrives, before it is answered: the test's hand on the clock, to make
     * something happen at an exact point of a handler's path (a node dies after the step-down, the action times out
     * right before remove-peer). Returning true ends the action first (as a timeout would), so the heartbeat is refused.
     */
    @FunctionalInterface
    public interface HeartbeatHook {
        boolean onHeartbeat(int ordinal);
    }

    private LifecycleRecorder(URI moto, software.amazon.awssdk.services.kms.KmsClient kms, RigIam iam) throws IOException {
        this.moto = moto;
        this.kms = kms;
        this.iam = iam;
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

    /**
     * @param kms the rig's own KMS client (the key state it reads)
     * @param iam the handlers' roles (the LeadingKeys check)
     */
    public static LifecycleRecorder start(URI moto, software.amazon.awssdk.services.kms.KmsClient kms, RigIam iam) {
        try {
            return new LifecycleRecorder(moto, kms, iam);
        } catch (IOException e) {
            throw new RigException("cannot start the AWS front: " + e.getMessage(), e);
        }
    }

    /** The endpoint to give the AWS SDK (AWS_ENDPOINT_URL). */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    // ---- lifecycle actions -------------------------------------------------------------------------

    /**
     * Opens a lifecycle action as Auto Scaling would when an instance enters a Wait state; the instance shows in that
     * state (Terminating:Wait, Pending:Wait) to the code under test until the action ends.
     */
    public LifecycleAction open(String groupName, String hookName, String instanceId, String transition) {
        return open(groupName, hookName, instanceId, transition, UUID.randomUUID().toString());
    }

    /** Opens an action with a given token (a replayed event's). */
    public LifecycleAction open(String groupName, String hookName, String instanceId, String transition, String token) {
        LifecycleAction action = new LifecycleAction(token, groupName, hookName, instanceId, transition, Instant.now());
        open.put(action.token(), action);
        lifecycleStates.put(instanceId, terminating(transition) ? "Terminating:Wait" : "Pending:Wait");
        return action;
    }

    private static boolean terminating(String transition) {
        return transition.endsWith("TERMINATING");
    }

    /** Ends an action without a result, as the heartbeat timeout would (the default result, ABANDON, applies). */
    public void expire(String token) {
        LifecycleAction action = open.remove(token);
        outcomes.putIfAbsent(token, "EXPIRED");
        if (action != null) {
            ended(action, "ABANDON");
        }
        synchronized (completion) {
            completion.notifyAll();
        }
    }

    /** What Auto Scaling shows once an action ends with a result (the groups retain on a terminate ABANDON). */
    private void ended(LifecycleAction action, String result) {
        if (terminating(action.transition())) {
            lifecycleStates.put(action.instanceId(), "ABANDON".equals(result) ? "Terminating:Retained" : "Terminating:Proceed");
        } else if ("CONTINUE".equals(result)) {
            lifecycleStates.remove(action.instanceId());
        } else {
            lifecycleStates.put(action.instanceId(), "Terminating");
        }
    }

    /** Shows the instance in this lifecycle state to the code under test (null: moto's own state again). */
    public void lifecycleState(String instanceId, String state) {
        if (state == null) {
            lifecycleStates.remove(instanceId);
        } else {
            lifecycleStates.put(instanceId, state);
        }
    }

    /** Shows the group's desired capacity as moto has it again. */
    public void clearDesiredCapacity(String groupName) {
        desiredCapacityOffsets.remove(groupName);
    }

    /** Adds {@code delta} to the desired capacity shown for a group (see {@link #desiredCapacityOffsets}). */
    public void adjustDesiredCapacity(String groupName, int delta) {
        desiredCapacityOffsets.merge(groupName, delta, (a, b) -> a + b == 0 ? null : a + b);
    }

    /**
     * Makes DescribeInstances leave the instance out (true) or list it again (false), as EC2 does for a while after an
     * instance is launched, or long after it is terminated.
     */
    public void hideFromEc2(String instanceId, boolean hidden) {
        if (hidden) {
            hiddenFromEc2.add(instanceId);
        } else {
            hiddenFromEc2.remove(instanceId);
        }
    }

    /**
     * Shows the Spot request of an instance with this status code (null: moto's own again), as EC2 does once it has
     * scheduled the instance's interruption ({@code marked-for-termination}).
     */
    public void spotRequestStatus(String instanceId, String statusCode) {
        if (statusCode == null) {
            spotStatuses.remove(instanceId);
        } else {
            spotStatuses.put(instanceId, statusCode);
        }
    }

    /** The lifecycle state shown for an instance, if it differs from moto's. */
    public Optional<String> lifecycleState(String instanceId) {
        return Optional.ofNullable(lifecycleStates.get(instanceId));
    }

    /** Installs a hook for the heartbeats of one action (see {@link HeartbeatHook}). */
    public void onHeartbeat(String token, HeartbeatHook hook) {
        heartbeatHooks.put(token, hook);
    }

    /**
     * Refuses the next {@code count} heartbeats of an action with an error that says nothing about the action
     * ({@code AccessDenied}, HTTP 403, which the SDK does not retry; {@code Throttling}, HTTP 400, which it does), as
     * a policy change or a throttled account would. The action stays open.
     */
    public void refuseHeartbeats(String token, int count, String code) {
        java.util.Deque<String> queue = refusedHeartbeats.computeIfAbsent(token, t -> new java.util.concurrent.ConcurrentLinkedDeque<>());
        for (int i = 0; i < count; i++) {
            queue.add(code);
        }
    }

    /** Whether an action with this token was ever opened here (open or ended): tokens are unique in AWS. */
    public boolean tokenUsed(String token) {
        return open.containsKey(token) || outcomes.containsKey(token);
    }

    public boolean isOpen(String token) {
        return open.containsKey(token);
    }

    public List<LifecycleAction> openActions() {
        return List.copyOf(open.values());
    }

    /** The result an action ended with (CONTINUE, ABANDON, EXPIRED), if it has ended. */
    public Optional<String> outcome(String token) {
        return Optional.ofNullable(outcomes.get(token));
    }

    /** Waits until the action is completed (or expires); returns its result. */
    public Optional<String> awaitOutcome(String token, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        synchronized (completion) {
            while (!outcomes.containsKey(token)) {
                long left = Duration.between(Instant.now(), deadline).toMillis();
                if (left <= 0) {
                    return Optional.empty();
                }
                try {
                    completion.wait(Math.min(left, 200));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return Optional.empty();
                }
            }
        }
        return Optional.of(outcomes.get(token));
    }

    public List<LifecycleCall> lifecycleCalls() {
        return List.copyOf(lifecycleCalls);
    }

    /** Lifecycle calls carrying the given token, in order. */
    public List<LifecycleCall> lifecycleCalls(String token) {
        return lifecycleCalls.stream().filter(c -> token.equals(c.token())).toList();
    }

    public List<AwsCall> awsCalls() {
        return List.copyOf(awsCalls);
    }

    /** Calls made with the given access key (one caller), in order. */
    public List<AwsCall> awsCallsBy(String accessKeyId) {
        return awsCalls.stream().filter(c -> c.accessKeyId().equals(accessKeyId)).toList();
    }

    /** Forgets recorded calls (open actions stay open). */
    public void clearCalls() {
        lifecycleCalls.clear();
        awsCalls.clear();
    }

    // ---- HTTP ---------------------------------------------------------------------------------------

    private void handle(HttpExchange exchange) throws IOException {
        try {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            Matcher scope = CREDENTIAL_SCOPE.matcher(auth == null ? "" : auth);
            boolean signed = scope.find();
            String service = signed ? scope.group(2) : "unknown";
            String action = action(exchange, body);
            awsCalls.add(new AwsCall(signed ? scope.group(1) : "", service, action, Instant.now()));
            if ("autoscaling".equals(service) && ("CompleteLifecycleAction".equals(action)
                    || "RecordLifecycleActionHeartbeat".equals(action))) {
                HttpResponse<byte[]> checked = send(exchange, body);
                if (checked.statusCode() == 401 || checked.statusCode() == 403) {
                    refusal(exchange, service, checked); // moto refused the signature or the permission
                } else {
                    answerLifecycle(exchange, action, formParams(body));
                }
            } else if ("dynamodb".equals(service) && signed && itemRefused(exchange, scope.group(1), action, body)) {
                return;
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
     * A handler's DynamoDB item request that its synthesized statements' {@code dynamodb:LeadingKeys} do not allow:
     * answered here with AWS's AccessDeniedException (true), or left to moto (false).
     */
    private boolean itemRefused(HttpExchange exchange, String accessKeyId, String action, byte[] body)
            throws IOException {
        Optional<RigIam.Caller> caller = iam.caller(accessKeyId);
        if (caller.isEmpty() || !Set.of("GetItem", "PutItem", "DeleteItem", "UpdateItem").contains(action)) {
            return false;
        }
        com.fasterxml.jackson.databind.JsonNode request = JSON.readTree(body);
        com.fasterxml.jackson.databind.JsonNode key = (action.equals("PutItem") ? request.path("Item") : request.path("Key"))
                .path(dev.raftlifecycle.contract.LockTable.PARTITION_KEY).path("S");
        String iamAction = "dynamodb:" + action;
        if (key.isMissingNode() || iam.allowsItem(caller.get(), iamAction, key.asText())) {
            return false;
        }
        byte[] error = JSON.writeValueAsBytes(Map.of("__type", "com.amazon.coral.service#AccessDeniedException",
                "message", "User: " + caller.get().handler() + " is not authorized to perform: " + iamAction
                        + " on the item " + key.asText() + " because no identity-based policy allows it"
                        + " (dynamodb:LeadingKeys)"));
        exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.0");
        exchange.getResponseHeaders().set("x-amzn-ErrorType", "AccessDeniedException");
        exchange.sendResponseHeaders(400, error.length);
        try (OutputStream stream = exchange.getResponseBody()) {
            stream.write(error);
        }
        return true;
    }

    private static final Pattern MOTO_AUTH_ERROR = Pattern.compile(
            "<Errors>\\s*<Error>\\s*<Code>([^<]*)</Code>\\s*<Message>([^<]*)</Message>", Pattern.DOTALL);

    /**
     * moto's refusal of a signature or a permission, in the answer the service itself gives: moto writes every auth
     * error as {@code <ErrorResponse><Errors><Error>} XML, which neither the Query services' (Auto Scaling, CloudWatch,
     * STS) nor the JSON services' (DynamoDB, KMS) clients can read, so the SDK would report a bare 403 without the
     * denied action. The code and message are moto's, unchanged.
     */
    private static void refusal(HttpExchange exchange, String service, HttpResponse<byte[]> response) throws IOException {
        Matcher error = MOTO_AUTH_ERROR.matcher(new String(response.body(), StandardCharsets.UTF_8));
        if (!error.find()) {
            relay(exchange, response, response.body());
            return;
        }
        String code = error.group(1);
        String message = error.group(2);
        String requestId = UUID.randomUUID().toString();
        byte[] body;
        String contentType;
        if (Set.of("dynamodb", "kms", "secretsmanager").contains(service)) {
            body = JSON.writeValueAsBytes(Map.of("__type", code, "message", unescapeXml(message)));
            contentType = "application/x-amz-json-1.0";
            exchange.getResponseHeaders().set("x-amzn-ErrorType", code);
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
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.getResponseHeaders().set("x-amzn-RequestId", requestId);
        exchange.sendResponseHeaders(response.statusCode(), body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private static String unescapeXml(String text) {
        return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'")
                .replace("&amp;", "&");
    }

    private void forward(HttpExchange exchange, String service, byte[] body) throws IOException, InterruptedException {
        HttpResponse<byte[]> response = send(exchange, body);
        if (response.statusCode() == 401 || response.statusCode() == 403) {
            refusal(exchange, service, response);
            return;
        }
        String amzTarget = exchange.getRequestHeaders().getFirst("X-Amz-Target");
        if (response.statusCode() == 200 && amzTarget != null && amzTarget.startsWith("TrentService.")
                && KMS_KEY_USE.contains(amzTarget.substring(amzTarget.indexOf('.') + 1))) {
            String action = amzTarget.substring(amzTarget.indexOf('.') + 1);
            String keyId = jsonField(action.equals("Decrypt") ? response.body() : body, "KeyId");
            if (keyId != null && !kmsKeyEnabled(keyId)) {
                byte[] error = JSON.writeValueAsBytes(Map.of("__type", "DisabledException",
                        "message", keyId + " is disabled."));
                exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
                exchange.sendResponseHeaders(400, error.length);
                try (OutputStream stream = exchange.getResponseBody()) {
                    stream.write(error);
                }
                return;
            }
        }
        response.headers().map().forEach((name, values) -> {
            if (!HOP_HEADERS.contains(name.toLowerCase(Locale.ROOT)) && !name.startsWith(":")) {
                exchange.getResponseHeaders().put(name, new ArrayList<>(values));
            }
        });
        byte[] out = withLifecycleStates(response.body());
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
    }

    /**
     * DescribeAutoScalingGroups (and DescribeAutoScalingInstances) as Auto Scaling would answer: instances in the
     * states moto does not model, and desired capacities without the instances AWS would not count.
     */
    private byte[] withLifecycleStates(byte[] body) {
        if ((lifecycleStates.isEmpty() && desiredCapacityOffsets.isEmpty() && hiddenFromEc2.isEmpty()
                && spotStatuses.isEmpty()) || body.length == 0) {
            return body;
        }
        String xml = new String(body, StandardCharsets.UTF_8);
        if (!spotStatuses.isEmpty() && xml.contains("<DescribeSpotInstanceRequestsResponse")) {
            return withSpotStatuses(xml).getBytes(StandardCharsets.UTF_8);
        }
        if (!hiddenFromEc2.isEmpty() && xml.contains("<DescribeInstancesResponse")) {
            return withoutHiddenInstances(xml).getBytes(StandardCharsets.UTF_8);
        }
        if (!xml.contains("<LifecycleState>") && !xml.contains("<DesiredCapacity>")) {
            return body;
        }
        if (!desiredCapacityOffsets.isEmpty() && xml.contains("<DescribeAutoScalingGroupsResponse")) {
            xml = withDesiredCapacities(xml);
        }
        for (Map.Entry<String, String> state : lifecycleStates.entrySet()) {
            Pattern member = Pattern.compile("(<InstanceId>" + Pattern.quote(state.getKey())
                    + "</InstanceId>(?:(?!</member>).)*?<LifecycleState>)[^<]*(</LifecycleState>)", Pattern.DOTALL);
            xml = member.matcher(xml).replaceAll("$1" + Matcher.quoteReplacement(state.getValue()) + "$2");
        }
        return xml.getBytes(StandardCharsets.UTF_8);
    }

    /** Each described group's DesiredCapacity plus its offset (parsed, not pattern-matched: groups nest members). */
    private String withDesiredCapacities(String xml) {
        try {
            org.w3c.dom.Document doc = parse(xml);
            org.w3c.dom.NodeList desired = doc.getElementsByTagNameNS("*", "DesiredCapacity");
            boolean changed = false;
            for (int i = 0; i < desired.getLength(); i++) {
                org.w3c.dom.Element capacity = (org.w3c.dom.Element) desired.item(i);
                String group = childText((org.w3c.dom.Element) capacity.getParentNode(), "AutoScalingGroupName");
                Integer offset = group == null ? null : desiredCapacityOffsets.get(group);
                if (offset != null) {
                    int value = Integer.parseInt(capacity.getTextContent().trim());
                    capacity.setTextContent(Integer.toString(Math.max(0, value + offset)));
                    changed = true;
                }
            }
            return changed ? serialize(doc) : xml;
        } catch (Exception e) {
            throw new RigException("could not adjust DesiredCapacity in a DescribeAutoScalingGroups answer: " + e.getMessage(), e);
        }
    }

    /** DescribeSpotInstanceRequests with the status codes set for the requests' instances. */
    private String withSpotStatuses(String xml) {
        try {
            org.w3c.dom.Document doc = parse(xml);
            org.w3c.dom.NodeList items = doc.getElementsByTagNameNS("*", "item");
            boolean changed = false;
            for (int i = 0; i < items.getLength(); i++) {
                org.w3c.dom.Element item = (org.w3c.dom.Element) items.item(i);
                String id = childText(item, "instanceId");
                String code = id == null ? null : spotStatuses.get(id);
                if (code == null || childText(item, "spotInstanceRequestId") == null) {
                    continue;
                }
                for (org.w3c.dom.Node child = item.getFirstChild(); child != null; child = child.getNextSibling()) {
                    if (child instanceof org.w3c.dom.Element status && "status".equals(status.getLocalName())) {
                        for (org.w3c.dom.Node c = status.getFirstChild(); c != null; c = c.getNextSibling()) {
                            if (c instanceof org.w3c.dom.Element e && "code".equals(e.getLocalName())) {
                                e.setTextContent(code);
                                changed = true;
                            }
                        }
                    }
                }
            }
            return changed ? serialize(doc) : xml;
        } catch (Exception e) {
            throw new RigException("could not set Spot request statuses in a DescribeSpotInstanceRequests answer: "
                    + e.getMessage(), e);
        }
    }

    /** DescribeInstances without the hidden instances (their items in each reservation's instancesSet). */
    private String withoutHiddenInstances(String xml) {
        try {
            org.w3c.dom.Document doc = parse(xml);
            org.w3c.dom.NodeList sets = doc.getElementsByTagNameNS("*", "instancesSet");
            boolean changed = false;
            for (int i = 0; i < sets.getLength(); i++) {
                org.w3c.dom.Node set = sets.item(i);
                for (org.w3c.dom.Node item = set.getFirstChild(); item != null; ) {
                    org.w3c.dom.Node next = item.getNextSibling();
                    String id = item instanceof org.w3c.dom.Element e ? childText(e, "instanceId") : null;
                    if (id != null && hiddenFromEc2.contains(id)) {
                        set.removeChild(item);
                        changed = true;
                    }
                    item = next;
                }
            }
            return changed ? serialize(doc) : xml;
        } catch (Exception e) {
            throw new RigException("could not hide instances in a DescribeInstances answer: " + e.getMessage(), e);
        }
    }

    private static org.w3c.dom.Document parse(String xml) throws Exception {
        javax.xml.parsers.DocumentBuilderFactory factory = javax.xml.parsers.DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return factory.newDocumentBuilder().parse(new java.io.ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    }

    private static String serialize(org.w3c.dom.Document doc) throws Exception {
        java.io.StringWriter out = new java.io.StringWriter();
        javax.xml.transform.TransformerFactory.newInstance().newTransformer()
                .transform(new javax.xml.transform.dom.DOMSource(doc), new javax.xml.transform.stream.StreamResult(out));
        return out.toString();
    }

    private static String childText(org.w3c.dom.Element parent, String localName) {
        for (org.w3c.dom.Node child = parent.getFirstChild(); child != null; child = child.getNextSibling()) {
            if (child instanceof org.w3c.dom.Element e && localName.equals(e.getLocalName())) {
                return e.getTextContent().trim();
            }
        }
        return null;
    }

    private static String jsonField(byte[] json, String field) {
        try {
            com.fasterxml.jackson.databind.JsonNode node = JSON.readTree(json);
            return node == null || !node.path(field).isTextual() ? null : node.path(field).asText();
        } catch (IOException e) {
            return null;
        }
    }

    /** Asks moto for the key's state, as the rig. */
    private boolean kmsKeyEnabled(String keyId) {
        try {
            return kms.describeKey(r -> r.keyId(keyId)).keyMetadata().keyState()
                    == software.amazon.awssdk.services.kms.model.KeyState.ENABLED;
        } catch (RuntimeException e) {
            return true; // cannot tell: do not invent a failure
        }
    }

    private void answerLifecycle(HttpExchange exchange, String action, Map<String, String> params) throws IOException {
        String token = params.get("LifecycleActionToken");
        String group = params.get("AutoScalingGroupName");
        String hook = params.get("LifecycleHookName");
        String instance = params.get("InstanceId");
        String result = params.get("LifecycleActionResult");
        java.util.Deque<String> refusals = token == null ? null : refusedHeartbeats.get(token);
        String refusal = "RecordLifecycleActionHeartbeat".equals(action) && refusals != null ? refusals.poll() : null;
        if (refusal != null) {
            lifecycleCalls.add(new LifecycleCall(action, group, hook, token, instance, null, false, Instant.now()));
            boolean denied = "AccessDenied".equals(refusal);
            reply(exchange, denied ? 403 : 400, "<ErrorResponse xmlns=\"http://autoscaling.amazonaws.com/doc/2011-01-01/\">"
                    + "<Error><Type>Sender</Type><Code>" + refusal + "</Code><Message>" + (denied
                    ? "User is not authorized to perform: autoscaling:RecordLifecycleActionHeartbeat" : "Rate exceeded")
                    + "</Message></Error><RequestId>" + UUID.randomUUID() + "</RequestId></ErrorResponse>");
            return;
        }
        if ("RecordLifecycleActionHeartbeat".equals(action) && token != null && open.containsKey(token)) {
            HeartbeatHook beforeAnswer = heartbeatHooks.get(token);
            int ordinal = heartbeatCounts.merge(token, 1, Integer::sum);
            if (beforeAnswer != null && beforeAnswer.onHeartbeat(ordinal)) {
                expire(token);
            }
        }
        LifecycleAction match = token != null ? open.get(token) : open.values().stream()
                .filter(a -> a.instanceId().equals(instance) && a.groupName().equals(group) && a.hookName().equals(hook))
                .findFirst().orElse(null);
        String error = null;
        if (match == null || !match.groupName().equals(group) || !match.hookName().equals(hook)) {
            error = "No active Lifecycle Action found with token " + token;
        } else if ("CompleteLifecycleAction".equals(action) && !"CONTINUE".equals(result) && !"ABANDON".equals(result)) {
            error = "Invalid LifecycleActionResult: " + result;
        }
        lifecycleCalls.add(new LifecycleCall(action, group, hook, token, instance, result, error == null, Instant.now()));
        if (error != null) {
            reply(exchange, 400, "<ErrorResponse xmlns=\"http://autoscaling.amazonaws.com/doc/2011-01-01/\"><Error>"
                    + "<Type>Sender</Type><Code>ValidationError</Code><Message>" + xml(error) + "</Message></Error>"
                    + "<RequestId>" + UUID.randomUUID() + "</RequestId></ErrorResponse>");
            return;
        }
        if ("CompleteLifecycleAction".equals(action)) {
            open.remove(match.token());
            outcomes.put(match.token(), result);
            ended(match, result);
            synchronized (completion) {
                completion.notifyAll();
            }
        }
        reply(exchange, 200, "<" + action + "Response xmlns=\"http://autoscaling.amazonaws.com/doc/2011-01-01/\"><"
                + action + "Result/><ResponseMetadata><RequestId>" + UUID.randomUUID()
                + "</RequestId></ResponseMetadata></" + action + "Response>");
    }

    private static void reply(HttpExchange exchange, int status, String xml) throws IOException {
        byte[] bytes = xml.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/xml");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static String xml(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
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

    /** Counts of recorded AWS calls per "service:Action", for assertions and diagnostics. */
    public Map<String, Integer> awsCallCounts() {
        Map<String, Integer> counts = new HashMap<>();
        for (AwsCall call : awsCalls) {
            counts.merge(call.service() + ":" + call.action(), 1, Integer::sum);
        }
        return counts;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
