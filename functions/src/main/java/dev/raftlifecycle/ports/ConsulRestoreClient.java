package dev.raftlifecycle.ports;

import com.fasterxml.jackson.databind.JsonNode;
import dev.raftlifecycle.decisions.RestoreTarget;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * Consul's side of a restore, with a management token: {@code status/leader} (no token), autopilot's health for the
 * leader's last index, the KV store's keys and the catalog's services to tell a fresh cluster from one that holds
 * data, and {@code PUT /v1/snapshot} (any server: Consul forwards it to the leader over RPC). Consul has one restore
 * endpoint: a snapshot of another cluster goes in as one of its own (there is no keyring to check, and the ACL tokens
 * it holds replace the cluster's).
 */
public final class ConsulRestoreClient implements RestorePort {
    static final String TOKEN_HEADER = "X-Consul-Token";
    /** The service every Consul server registers itself as. */
    static final String BUILT_IN_SERVICE = "consul";

    private final RestoreHttp http;
    private final int port;

    public ConsulRestoreClient(SSLContext tls, Duration connectTimeout, Duration requestTimeout, Duration restoreTimeout,
                               int port) {
        this.http = new RestoreHttp(HttpFailures.client(tls, connectTimeout), TOKEN_HEADER, requestTimeout, restoreTimeout);
        this.port = port;
    }

    @Override
    public RestoreTarget describe(String host, String token) throws ClusterCallException {
        RestoreTarget status = status(host, token);
        if (!status.leader()) {
            return status;
        }
        URI base = HttpFailures.base(host, port);
        List<String> userData = new ArrayList<>();
        JsonNode keys = http.get(base.resolve("/v1/kv/?keys"), token, 200, 404);
        if (keys.isArray() && !keys.isEmpty()) {
            userData.add(keys.size() + " KV key(s)");
        }
        http.get(base.resolve("/v1/catalog/services"), token, 200).fieldNames().forEachRemaining(service -> {
            if (!service.equals(BUILT_IN_SERVICE)) {
                userData.add("service " + service);
            }
        });
        return new RestoreTarget(true, true, status.appliedIndex(), userData, status.leaderAddress());
    }

    /**
     * status/leader (no token) and the leader's LastIndex from autopilot's health (operator:read). After a restore the
     * ACL tokens are the snapshot's; the servers' configured initial management token is created again as the restore
     * re-establishes leadership (seen on 1.16.3), but a token the snapshot does not hold and no server re-creates is
     * refused: that leaves the index unknown rather than failing the confirmation.
     */
    @Override
    public RestoreTarget status(String host, String token) throws ClusterCallException {
        URI base = HttpFailures.base(host, port);
        String leader = http.get(base.resolve("/v1/status/leader"), null, 200).asText("");
        if (leader.isEmpty()) {
            return new RestoreTarget(false, true, RestoreTarget.UNKNOWN_INDEX, List.of(), Optional.empty());
        }
        long lastIndex = RestoreTarget.UNKNOWN_INDEX;
        try {
            // 429 is autopilot's "unhealthy" answer, with the same body.
            JsonNode health = http.get(base.resolve("/v1/operator/autopilot/health"), token, 200, 429);
            for (JsonNode server : health.path("Servers")) {
                if (server.path("Leader").asBoolean(false)) {
                    lastIndex = server.path("LastIndex").asLong(RestoreTarget.UNKNOWN_INDEX);
                }
            }
        } catch (ClusterCallException e) {
            if (e.failure() != dev.raftlifecycle.decisions.ReadFailure.DENIED) {
                throw e;
            }
        }
        return new RestoreTarget(true, true, lastIndex, List.of(), Optional.of(leader));
    }

    @Override
    public void restore(String host, String token, Mode mode, InputStream body, long length) throws ClusterCallException {
        http.upload("PUT", HttpFailures.base(host, port).resolve("/v1/snapshot"), token, body, length);
    }
}
