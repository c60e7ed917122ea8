package dev.raftlifecycle.ports;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raftlifecycle.contract.ConsulAccess;
import dev.raftlifecycle.decisions.AutopilotServer;
import dev.raftlifecycle.decisions.AutopilotSettings;
import dev.raftlifecycle.decisions.AutopilotState;
import dev.raftlifecycle.decisions.NodeHealth;
import dev.raftlifecycle.decisions.RaftPeer;
import dev.raftlifecycle.decisions.ReadFailure;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * The Consul port: the {@link ClusterPort} calls against one Consul server's HTTPS API, over one java.net.http client
 * with the project's TLS. How Consul's answers map onto the shared records:
 * <ul>
 *   <li><b>health</b> (no token: {@code /v1/status/*} need none): {@code status/leader} names this node's address →
 *   {@link NodeHealth.State#ACTIVE}; another address → {@link NodeHealth.State#STANDBY}; no leader and an empty
 *   {@code status/peers} (never bootstrapped: fewer servers than {@code bootstrap_expect} so far) →
 *   {@link NodeHealth.State#UNINITIALIZED}; no leader but peers → {@link NodeHealth.State#STANDBY_NO_ACTIVE}. Consul
 *   has no seal. The version is not in these answers (it comes from autopilot's per-server view).</li>
 *   <li><b>Raft configuration</b>: {@code operator/raft/configuration}; the peer's id is its <em>node name</em>
 *   ({@code Node}, the EC2 instance id), not its Raft id (a UUID), so matching stays by instance id; a server Consul
 *   does not know by name ({@code (unknown)}) keeps its Raft id.</li>
 *   <li><b>autopilot</b>: {@code operator/autopilot/health}, which answers HTTP 429 when the cluster is unhealthy (a
 *   valid answer, read like 200); servers keyed by name; {@code SerfStatus} stands for Vault's {@code node_status}.</li>
 *   <li><b>remove-peer</b>: a server that answers at its own address is asked to leave ({@code PUT agent/leave} on
 *   it: graceful, out of Serf and Raft, then it shuts down), because the leader adds an alive server back to Raft.
 *   Otherwise (dead, or the leave refused) by Raft id, which Consul needs (it answers 500 for an unknown one), so the
 *   node name is looked up in the configuration first; a name no longer there is nothing to remove (the re-read after
 *   it says so); then {@code agent/force-leave/<node>?prune}, without which a dead member stays "failed" in Serf. See
 *   the README's Consul section.</li>
 *   <li><b>step-down</b>: {@code operator/raft/transfer-leader} (Consul ≥ 1.15).</li>
 *   <li><b>login</b>: {@code acl/login} with the {@code aws-iam} method; the bearer token is the same signed
 *   {@code sts:GetCallerIdentity} request Vault takes, as JSON; the token is {@code SecretID}, its expiry the
 *   {@code ExpirationTime} if the method sets a max token TTL.</li>
 * </ul>
 * Tokens are never logged or put into exception messages.
 */
public final class ConsulClient implements ClusterPort {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN_HEADER = "X-Consul-Token";
    /** How long a session without ExpirationTime is reused before logging in again. */
    static final Duration SESSION_REUSE = Duration.ofMinutes(10);
    /** How long a leave request is given to be refused before it counts as under way. */
    static final Duration LEAVE_ANSWER = Duration.ofMillis(1500);
    /** agent/self asked this many times, this far apart, while the server does not know the new token yet. */
    static final int IDENTITY_ATTEMPTS = 8;
    static final Duration IDENTITY_RETRY = Duration.ofMillis(250);
    /** How long a graceful leave is followed, and how often (see followLeave). */
    static final Duration LEAVE_FOLLOW = Duration.ofSeconds(10);
    static final Duration LEAVE_POLL = Duration.ofMillis(250);
    /** How long the leader is given to take a leaving server out of Raft itself. */
    static final Duration LEAVE_GRACE = Duration.ofSeconds(2);
    /** Serf's member statuses for a member that left, and one that failed, as agent/members reports them. */
    static final int SERF_LEFT = 3;
    static final int SERF_FAILED = 4;
    /** How long a force-leave's answer is waited for once the peer is out of Raft (see removePeer). */
    static final Duration FORCE_LEAVE_ANSWER = Duration.ofMillis(1500);

    private final HttpClient http;
    private final int port;
    private final Duration requestTimeout;

    public ConsulClient(SSLContext tls, Duration connectTimeout, Duration requestTimeout, int port) {
        this.http = HttpFailures.client(tls, connectTimeout);
        this.port = port;
        this.requestTimeout = requestTimeout;
    }

    @Override
    public String serverIdHeader() {
        return ConsulAccess.SERVER_ID_HEADER;
    }

    URI base(String ip) {
        return HttpFailures.base(ip, port);
    }

    @Override
    public NodeHealth health(String instanceId, String ip) {
        try {
            HttpResponse<byte[]> leader = send(ip, "GET", "status/leader", null, null);
            if (leader.statusCode() != 200) {
                return new NodeHealth(instanceId, ip, NodeHealth.State.ERROR, Optional.empty(), "status/leader HTTP " + leader.statusCode());
            }
            String address = JSON.readTree(leader.body()).asText("");
            HttpResponse<byte[]> peers = send(ip, "GET", "status/peers", null, null);
            List<String> voters = new java.util.ArrayList<>();
            if (peers.statusCode() == 200) {
                JSON.readTree(peers.body()).forEach(p -> voters.add(p.asText("")));
            }
            if (!address.isEmpty()) {
                boolean self = RaftPeer.hostOf(address).equals(ip);
                return new NodeHealth(instanceId, ip, self ? NodeHealth.State.ACTIVE : NodeHealth.State.STANDBY,
                        Optional.empty(), "leader " + address, Optional.of(address), voters);
            }
            boolean none = peers.statusCode() == 200 && voters.isEmpty();
            return new NodeHealth(instanceId, ip, none ? NodeHealth.State.UNINITIALIZED : NodeHealth.State.STANDBY_NO_ACTIVE,
                    Optional.empty(), none ? "no Raft peers yet (not bootstrapped)" : "no leader");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return NodeHealth.unreachable(instanceId, ip, "interrupted");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return new NodeHealth(instanceId, ip, NodeHealth.State.ERROR, Optional.empty(), "status/leader: invalid JSON");
        } catch (IOException e) {
            if (HttpFailures.isTls(e)) {
                return new NodeHealth(instanceId, ip, NodeHealth.State.TLS_FAILURE, Optional.empty(), HttpFailures.describe(e));
            }
            return NodeHealth.unreachable(instanceId, ip, HttpFailures.describe(e));
        }
    }

    @Override
    public Session login(String ip, String mount, String role, IamLoginRequest.Payload payload, Instant now)
            throws ClusterCallException {
        Map<String, String> bearer = new LinkedHashMap<>();
        bearer.put("iam_http_request_method", payload.method());
        bearer.put("iam_request_url", payload.urlBase64());
        bearer.put("iam_request_body", payload.bodyBase64());
        bearer.put("iam_request_headers", payload.headersBase64());
        JsonNode body;
        try {
            body = call(ip, "POST", "acl/login", null, Map.of("AuthMethod", mount,
                    "BearerToken", JSON.writeValueAsString(bearer)), false);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot encode the login token", e);
        }
        String token = body.path("SecretID").asText("");
        if (token.isEmpty()) {
            throw new ClusterCallException(ReadFailure.BAD_RESPONSE, 200, "acl/login on " + ip + " returned no token", null);
        }
        Instant expires = HttpFailures.timestamp(body.path("ExpirationTime").asText("")).orElse(now.plus(SESSION_REUSE));
        return new Session(token, expires);
    }

    @Override
    public List<RaftPeer> raftConfiguration(String ip, Session session) throws ClusterCallException {
        JsonNode body = call(ip, "GET", "operator/raft/configuration", session, null, false);
        if (!body.path("Servers").isArray()) {
            throw new ClusterCallException(ReadFailure.BAD_RESPONSE, 200, "raft configuration from " + ip + " has no servers", null);
        }
        Map<String, String> names = namesById(ip, session);
        List<RaftPeer> peers = new ArrayList<>();
        for (JsonNode s : body.path("Servers")) {
            peers.add(new RaftPeer(name(s, names), s.path("Address").asText(""),
                    s.path("Leader").asBoolean(false), s.path("Voter").asBoolean(false)));
        }
        return peers;
    }

    /**
     * Node names by Raft id, from autopilot. The configuration endpoint labels each server with the Serf member at its
     * <em>address</em>, which after an IP is reused (a left member stays in Serf for a day) may be another node's name;
     * autopilot keys its servers by Raft id. Empty if autopilot cannot be read (then the configuration's labels).
     */
    private Map<String, String> namesById(String ip, Session session) {
        Map<String, String> names = new java.util.HashMap<>();
        try {
            for (JsonNode s : call(ip, "GET", "operator/autopilot/health", session, null, true).path("Servers")) {
                names.put(s.path("ID").asText(""), s.path("Name").asText(""));
            }
        } catch (ClusterCallException e) {
            return Map.of();
        }
        return names;
    }

    /**
     * A configuration entry's name: autopilot's for its Raft id; else the entry's own label (autopilot unread, or it
     * has no name for that server yet: a server it has not caught up with must keep a name, never turn into its bare
     * Raft id, or a peer still present would read as removed).
     */
    static String name(JsonNode server, Map<String, String> namesById) {
        String id = server.path("ID").asText("");
        String byId = namesById.getOrDefault(id, "");
        return byId.isEmpty() ? name(server.path("Node").asText(""), id) : byId;
    }

    /** A server's name as the shared records carry it: its node name, else (unknown to Serf) its Raft id. */
    private static String name(String node, String raftId) {
        return node.isEmpty() || node.equals("(unknown)") ? raftId : node;
    }

    @Override
    public AutopilotState autopilotState(String ip, Session session) throws ClusterCallException {
        JsonNode body = call(ip, "GET", "operator/autopilot/health", session, null, true);
        try {
            return parseAutopilot(body);
        } catch (IllegalArgumentException e) {
            throw new ClusterCallException(ReadFailure.BAD_RESPONSE, 200, "autopilot health from " + ip + ": " + e.getMessage(), e);
        }
    }

    static AutopilotState parseAutopilot(JsonNode body) {
        if (!body.path("Servers").isArray()) {
            throw new IllegalArgumentException("no servers");
        }
        Map<String, AutopilotServer> servers = new LinkedHashMap<>();
        List<String> voters = new ArrayList<>();
        String leader = "";
        for (JsonNode s : body.path("Servers")) {
            String id = name(s.path("Name").asText(""), s.path("ID").asText(""));
            boolean isLeader = s.path("Leader").asBoolean(false);
            boolean voter = s.path("Voter").asBoolean(false);
            if (isLeader) {
                leader = id;
            }
            if (voter) {
                voters.add(id);
            }
            servers.put(id, new AutopilotServer(id, s.path("Address").asText(""), s.path("SerfStatus").asText(""),
                    GoDuration.parse(s.path("LastContact").asText("0s")), s.path("LastTerm").asLong(0),
                    s.path("LastIndex").asLong(0), s.path("Healthy").asBoolean(false),
                    HttpFailures.timestamp(s.path("StableSince").asText("")),
                    isLeader ? "leader" : voter ? "voter" : "non-voter", s.path("Version").asText("")));
        }
        return new AutopilotState(body.path("Healthy").asBoolean(false), body.path("FailureTolerance").asInt(0), leader,
                voters, servers);
    }

    @Override
    public AutopilotSettings autopilotSettings(String ip, Session session) throws ClusterCallException {
        JsonNode body = call(ip, "GET", "operator/autopilot/configuration", session, null, false);
        try {
            return new AutopilotSettings(GoDuration.parse(body.path("ServerStabilizationTime").asText("10s")),
                    GoDuration.parse(body.path("LastContactThreshold").asText("200ms")));
        } catch (IllegalArgumentException e) {
            throw new ClusterCallException(ReadFailure.BAD_RESPONSE, 200, "autopilot configuration from " + ip + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void removePeer(String ip, Session session, String nodeId) throws ClusterCallException {
        JsonNode config = call(ip, "GET", "operator/raft/configuration", session, null, false);
        Map<String, String> names = namesById(ip, session);
        Optional<RaftPeer> peer = Optional.empty();
        Optional<String> raftId = Optional.empty();
        for (JsonNode s : config.path("Servers")) {
            if (name(s, names).equals(nodeId)) {
                raftId = Optional.of(s.path("ID").asText(""));
                peer = Optional.of(new RaftPeer(nodeId, s.path("Address").asText(""), false, false));
            }
        }
        // The peer's host is an IP: Consul's Raft address is the server's advertise_addr, which is always an IP address
        // (a hostname is refused at start), so calling it is calling the instance's private IP, whatever the cluster
        // names its nodes.
        // A server that still runs (a terminating instance before EC2 stops it) is asked to leave itself: a graceful
        // leave takes it out of Serf as "left" and out of Raft, and it shuts down. Removing it from Raft behind its
        // back does not last: the leader adds an alive server it finds in Serf back to Raft at its next reconcile
        // (seen on the rig: back as a peer within a minute, then a dead one once the instance went), and a
        // force-leave does not hold against a member that is alive. Whether it runs is its own answer now; Serf's and
        // autopilot's view of it lag by seconds.
        if (peer.isPresent() && raftId.isPresent() && health(nodeId, peer.get().host()).answered()
                && isTheServer(peer.get().host(), session, nodeId, raftId.get())) {
            try {
                // A server's leave answers only after it has drained (Consul waits for the leader to drop it and then
                // LeaveDrainTime, 5 s): no answer within LEAVE_ANSWER means it is leaving; the re-read after this call
                // says whether it left. A refusal answers at once.
                call(peer.get().host(), "PUT", "agent/leave", session, null, false, LEAVE_ANSWER);
                followLeave(ip, session, nodeId, raftId.get(), names, config, peer.get().host());
                return;
            } catch (ClusterCallException e) {
                if (e.getCause() instanceof java.net.http.HttpTimeoutException
                        && !(e.getCause() instanceof java.net.http.HttpConnectTimeoutException)) {
                    // connected and asked; no answer yet: leaving
                    followLeave(ip, session, nodeId, raftId.get(), names, config, peer.get().host());
                    return;
                }
                // refused, or gone meanwhile: removed from Raft below (a leave that did happen shows in the re-read)
            }
        }
        if (raftId.isPresent()) {
            call(ip, "DELETE", "operator/raft/peer?id=" + encode(raftId.get()), session, null, false);
        }
        // A dead member would otherwise stay "failed" in Serf (and in autopilot's health) until reaped, and while Serf
        // still calls it alive (killed a moment ago) the leader could add it back at its next reconcile. A name Serf
        // does not know (already pruned) is answered with an error that changes nothing: not a failure of the removal,
        // which only the configuration read afterwards judges. A refusal still is.
        // For a member Serf still calls alive, Consul answers a force-leave only after about 8 s of broadcast, and on
        // the leader's agent every configuration read waits for it meanwhile (seen on the rig: 8.0 s reads, a lost
        // server's removal took 8.3 s, and with no other server left the re-read found nothing for 15 s). So it goes to
        // another follower (the same request: Serf gossips it), never to the leader: with none left, Serf is left to
        // mark the member failed by itself (Consul reaps it later; it is out of Raft either way). No answer within
        // FORCE_LEAVE_ANSWER means it is under way: the Raft removal is done by then, and the re-read judges.
        // The follower must answer as one (it knows a leader) right now: a hung or cut-off one would take the request
        // and gossip it nowhere. One that refuses the token (not applied there yet) or is gone: the next one.
        forceLeaveThroughAFollower(config, names, session, nodeId, peer.map(RaftPeer::host));
    }

    private void forceLeaveThroughAFollower(JsonNode config, Map<String, String> names, Session session, String nodeId,
                                            Optional<String> peerHost) throws ClusterCallException {
        for (JsonNode s : config.path("Servers")) {
            String host = RaftPeer.hostOf(s.path("Address").asText(""));
            String name = name(s, names);
            if (s.path("Leader").asBoolean(false) || name.equals(nodeId) || host.isEmpty()
                    || peerHost.map(host::equals).orElse(false)
                    || health(name, host).state() != NodeHealth.State.STANDBY) {
                continue;
            }
            try {
                forceLeave(host, session, nodeId);
                return;
            } catch (ClusterCallException e) {
                if (e.failure() != ReadFailure.UNREACHABLE && e.failure() != ReadFailure.DENIED) {
                    throw e;
                }
            }
        }
    }

    @Override
    public Duration removalFollowUp() {
        return LEAVE_FOLLOW;
    }

    /**
     * A graceful leave is not always a removal: the leader takes a server out of Raft when its Serf event says it
     * left, and a leader that misses the event keeps it as a voter about to be dead. Seen on the rig right after a
     * leadership transfer: the new leader heard "failed", or heard "left" before it was leader (the event then waits
     * for the next periodic reconcile, a minute); the server gave up leaving Raft after 14 s and shut down. So the
     * leave is followed for up to LEAVE_FOLLOW: the peer gone from the configuration ends it; still a peer LEAVE_GRACE
     * after the leave while the Serf of the server read from calls it left or failed, it is removed by Raft id as a
     * dead server is (neither is added back: only alive members are). Past that, or on a failed read, the
     * configuration re-read judges.
     */
    private void followLeave(String ip, Session session, String nodeId, String raftId, Map<String, String> names,
                             JsonNode before, String peerHost) throws ClusterCallException {
        // Read through the leader, else another server: never through the one leaving (it stops answering).
        String through = ip.equals(peerHost) ? null : ip;
        for (JsonNode s : before.path("Servers")) {
            String host = RaftPeer.hostOf(s.path("Address").asText(""));
            if (!host.isEmpty() && !host.equals(peerHost) && (through == null || s.path("Leader").asBoolean(false))) {
                through = host;
            }
        }
        if (through == null) {
            return;
        }
        String reader = through;
        long started = System.nanoTime();
        long until = started + LEAVE_FOLLOW.toNanos();
        while (System.nanoTime() < until) {
            try {
                boolean listed = false;
                for (JsonNode s : call(reader, "GET", "operator/raft/configuration", session, null, false).path("Servers")) {
                    listed |= s.path("ID").asText("").equals(raftId);
                }
                if (!listed) {
                    return;
                }
                int serf = -1;
                for (JsonNode m : call(reader, "GET", "agent/members", session, null, false)) {
                    if (m.path("Name").asText("").equals(nodeId)) {
                        serf = m.path("Status").asInt(-1);
                    }
                }
                if ((serf == SERF_LEFT || serf == SERF_FAILED) && System.nanoTime() - started >= LEAVE_GRACE.toNanos()) {
                    call(reader, "DELETE", "operator/raft/peer?id=" + encode(raftId), session, null, false);
                    forceLeaveThroughAFollower(before, names, session, nodeId, Optional.of(peerHost));
                    return;
                }
                Thread.sleep(LEAVE_POLL.toMillis());
            } catch (ClusterCallException e) {
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void forceLeave(String host, Session session, String nodeId) throws ClusterCallException {
        try {
            call(host, "PUT", "agent/force-leave/" + encode(nodeId) + "?prune=1", session, null, false, FORCE_LEAVE_ANSWER);
        } catch (ClusterCallException e) {
            boolean answerLate = e.getCause() instanceof java.net.http.HttpTimeoutException
                    && !(e.getCause() instanceof java.net.http.HttpConnectTimeoutException);
            if (e.failure() != ReadFailure.BAD_RESPONSE && !answerLate) {
                throw e;
            }
        }
    }

    /**
     * Whether the agent answering at {@code host} is the server being removed: its node name and node id (Consul's Raft
     * id) are the peer's. An address can have been reused by another agent (a client, a server not yet joined), which
     * a leave would shut down instead.
     */
    private boolean isTheServer(String host, Session session, String nodeId, String raftId) {
        // A token made by a login a moment ago through another server may not be applied on this one yet: it answers
        // "ACL not found" (seen on the rig 10 ms after the login, under load). Asked again a little later, not taken
        // for "not the server", which would remove a live server behind its back.
        for (int attempt = 1; ; attempt++) {
            try {
                JsonNode config = call(host, "GET", "agent/self", session, null, false).path("Config");
                return config.path("NodeName").asText("").equals(nodeId) && config.path("NodeID").asText("").equals(raftId)
                        && config.path("Server").asBoolean(false);
            } catch (ClusterCallException e) {
                if (e.failure() != ReadFailure.DENIED || attempt >= IDENTITY_ATTEMPTS) {
                    return false;
                }
            }
            try {
                Thread.sleep(IDENTITY_RETRY.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    @Override
    public Optional<Double> raftCommitTimeMs(String ip, Session session) throws ClusterCallException {
        return RaftTelemetry.commitTimeMs(call(ip, "GET", "agent/metrics", session, null, false));
    }

    @Override
    public void stepDown(String ip, Session session) throws ClusterCallException {
        call(ip, "POST", "operator/raft/transfer-leader", session, null, false);
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /** One authenticated (or, for login, unauthenticated) call; its JSON body (empty object if none). */
    private JsonNode call(String ip, String method, String path, Session session, Object body, boolean tooManyIsAnswer)
            throws ClusterCallException {
        return call(ip, method, path, session, body, tooManyIsAnswer, requestTimeout);
    }

    private JsonNode call(String ip, String method, String path, Session session, Object body, boolean tooManyIsAnswer,
                          Duration timeout) throws ClusterCallException {
        String where = path.replaceAll("\\?.*", "") + " on " + ip;
        HttpResponse<byte[]> response;
        try {
            response = send(ip, method, path, session, body, timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClusterCallException(ReadFailure.UNREACHABLE, 0, where + ": interrupted", e);
        } catch (IOException e) {
            if (HttpFailures.isTls(e)) {
                throw new ClusterCallException(ReadFailure.TLS, 0, where + ": TLS verification failed: " + HttpFailures.describe(e), e);
            }
            throw new ClusterCallException(ReadFailure.UNREACHABLE, 0, where + ": " + HttpFailures.describe(e), e);
        }
        int status = response.statusCode();
        String text = new String(response.body(), StandardCharsets.UTF_8);
        if (!(status >= 200 && status < 300 || status == 429 && tooManyIsAnswer)) {
            throw translate(status, text, where, path.startsWith("acl/login"));
        }
        if (text.isBlank()) {
            return JSON.createObjectNode();
        }
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            if (path.startsWith("agent/force-leave") || path.startsWith("operator/raft/peer")) {
                return JSON.createObjectNode(); // these answer a bare "true" or nothing on some versions
            }
            throw new ClusterCallException(ReadFailure.BAD_RESPONSE, status, where + " returned invalid JSON", e);
        }
    }

    /**
     * GET /v1/snapshot, streamed, from the leader ({@code stale} left false: a follower would forward it). Its ACL
     * needs {@code acl = "write"} (a snapshot holds every token).
     */
    @Override
    public <T, E extends Exception> T snapshot(String ip, Session session, Duration idle, Duration limit,
                                               SnapshotConsumer<T, E> consumer) throws ClusterCallException, E {
        HttpRequest request = HttpRequest.newBuilder(base(ip).resolve("/v1/snapshot")).timeout(requestTimeout)
                .header(TOKEN_HEADER, session.token()).GET().build();
        String where = "snapshot on " + ip;
        return SnapshotStreams.take(http, request, where, idle, limit,
                (status, body) -> translate(status, body, where, false), consumer);
    }

    static ClusterCallException translate(int status, String text, String where, boolean login) {
        String lower = text.toLowerCase(java.util.Locale.ROOT);
        // Consul answers a refused login with HTTP 500 naming why ("IAM principal … is not trusted", "expected
        // \"<server id>\" but got …", "missing header …"): a refusal, which retrying does not change. Any other 500
        // (STS throttled or unreachable, leadership lost while committing the token) may pass on a retry.
        boolean loginRefused = login && (status == 400 || status == 500 && (lower.contains("is not trusted")
                || lower.contains("expected \"") || lower.contains("missing header") || lower.contains("invalid token")
                || lower.contains("unique id mismatch") || lower.contains("invalid sts hostname")));
        // A login naming an auth method Consul does not have (before and after the ACL bootstrap, until the operator
        // creates it): the access is not set up yet, which the launch gate of a first deploy tells apart.
        if (login && status == 403 && lower.contains("auth method") && lower.contains("not found")) {
            return new ClusterCallException(ReadFailure.ACCESS_NOT_SET_UP, status, where
                    + ": the auth method does not exist (HTTP 403): the cluster's ACL access is not set up yet", null);
        }
        if (status == 403 || status == 401 || loginRefused || login && lower.contains("permission denied")) {
            return new ClusterCallException(ReadFailure.DENIED, status, where + ": permission denied (HTTP " + status + ")", null);
        }
        if (status >= 500 && (lower.contains("no cluster leader") || lower.contains("no leader")
                || lower.contains("leadership lost") || lower.contains("not leader"))) {
            return new ClusterCallException(ReadFailure.NO_LEADER, status, where + ": no cluster leader (HTTP " + status + ")", null);
        }
        String first = text.strip();
        return new ClusterCallException(ReadFailure.BAD_RESPONSE, status, where + ": HTTP " + status
                + (first.isEmpty() ? "" : " " + (first.length() > 200 ? first.substring(0, 200) : first)), null);
    }

    private HttpResponse<byte[]> send(String ip, String method, String path, Session session, Object body)
            throws IOException, InterruptedException {
        return send(ip, method, path, session, body, requestTimeout);
    }

    private HttpResponse<byte[]> send(String ip, String method, String path, Session session, Object body, Duration timeout)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(base(ip).resolve("/v1/" + path)).timeout(timeout);
        if (session != null) {
            request.header(TOKEN_HEADER, session.token());
        }
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }
}
