package dev.raftlifecycle.ports;

import com.fasterxml.jackson.databind.JsonNode;
import dev.raftlifecycle.decisions.RestoreTarget;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLContext;

/**
 * Vault's side of a restore: {@code sys/health} and {@code sys/leader} (no token), {@code sys/mounts} and
 * {@code sys/auth} (the operator's token) to tell a freshly initialized cluster from one that holds data, and
 * {@code POST sys/storage/raft/snapshot-force} or {@code sys/storage/raft/snapshot} to the active node.
 */
public final class VaultRestoreClient implements RestorePort {
    static final String TOKEN_HEADER = "X-Vault-Token";
    /** What {@code vault operator init} leaves mounted: anything else was put there by someone. */
    static final Set<String> BUILT_IN_MOUNTS = Set.of("cubbyhole/", "identity/", "sys/");
    static final Set<String> BUILT_IN_AUTH = Set.of("token/");

    private final RestoreHttp http;
    private final int port;

    public VaultRestoreClient(SSLContext tls, Duration connectTimeout, Duration requestTimeout, Duration restoreTimeout,
                              int port) {
        this.http = new RestoreHttp(HttpFailures.client(tls, connectTimeout), TOKEN_HEADER, requestTimeout, restoreTimeout);
        this.port = port;
    }

    @Override
    public RestoreTarget describe(String host, String token) throws ClusterCallException {
        RestoreTarget status = status(host, token);
        if (!status.unsealed()) {
            return status;
        }
        URI base = HttpFailures.base(host, port);
        List<String> userData = new ArrayList<>();
        userData.addAll(extra(http.get(base.resolve("/v1/sys/mounts"), token, 200), BUILT_IN_MOUNTS, "secret engine"));
        userData.addAll(extra(http.get(base.resolve("/v1/sys/auth"), token, 200), BUILT_IN_AUTH, "auth method"));
        return new RestoreTarget(status.leader(), true, status.appliedIndex(), userData, status.leaderAddress());
    }

    /** sys/health and sys/leader, which need no token. */
    @Override
    public RestoreTarget status(String host, String token) throws ClusterCallException {
        URI base = HttpFailures.base(host, port);
        // sys/health answers with a status per state; 200 active, 429 standby (unsealed), 473 performance standby.
        JsonNode health = http.get(base.resolve("/v1/sys/health"), null, 200, 429, 472, 473, 474, 501, 503, 530);
        boolean unsealed = health.path("initialized").asBoolean(false) && !health.path("sealed").asBoolean(true);
        if (!unsealed) {
            return new RestoreTarget(false, false, RestoreTarget.UNKNOWN_INDEX, List.of(), Optional.empty());
        }
        JsonNode leader = http.get(base.resolve("/v1/sys/leader"), null, 200);
        String leaderAddress = leader.path("leader_address").asText("");
        boolean active = !leaderAddress.isEmpty();
        if (active && !leader.path("is_self").asBoolean(false)) {
            // A standby may still name an active node that has lost leadership (as one did seconds after a
            // restore into another cluster on the rig): ask it.
            try {
                JsonNode named = http.get(URI.create(leaderAddress).resolve("/v1/sys/health"), null, 200, 429, 473,
                        474, 501, 503, 530);
                active = !named.path("standby").asBoolean(true) && !named.path("sealed").asBoolean(true);
            } catch (ClusterCallException e) {
                active = false;
            }
        }
        return new RestoreTarget(active, true,
                leader.path("raft_applied_index").asLong(RestoreTarget.UNKNOWN_INDEX), List.of(),
                leaderAddress.isEmpty() ? Optional.empty() : Optional.of(leaderAddress));
    }

    /** The mount paths beyond the built-in ones ({@code data} holds them; older answers list them at the top). */
    private static List<String> extra(JsonNode answer, Set<String> builtIn, String kind) {
        JsonNode mounts = answer.path("data").isObject() ? answer.path("data") : answer;
        List<String> found = new ArrayList<>();
        mounts.fieldNames().forEachRemaining(path -> {
            if (path.endsWith("/") && !builtIn.contains(path)) {
                found.add(kind + " " + path);
            }
        });
        return found;
    }

    @Override
    public void restore(String host, String token, Mode mode, InputStream body, long length) throws ClusterCallException {
        URI base = HttpFailures.base(host, port);
        JsonNode leader = http.get(base.resolve("/v1/sys/leader"), null, 200);
        String leaderAddress = leader.path("leader_address").asText("");
        if (!leader.path("is_self").asBoolean(false) && !leaderAddress.isEmpty()) {
            base = URI.create(leaderAddress); // the active node's api_addr: a standby would have to forward the stream
        }
        String path = mode == Mode.OTHER_CLUSTER ? "/v1/sys/storage/raft/snapshot-force" : "/v1/sys/storage/raft/snapshot";
        http.upload("POST", base.resolve(path), token, body, length);
    }
}
