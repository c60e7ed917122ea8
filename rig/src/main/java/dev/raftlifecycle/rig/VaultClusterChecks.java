package dev.raftlifecycle.rig;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/**
 * What the rig reads and writes in a running cluster, and what it waits for: KV data and root-token calls through any
 * running node, the leader, health, the Raft configuration and autopilot's view, the audit log, and the waits built
 * on them (with the cluster's diagnostics on timeout). Holds the root token.
 */
final class VaultClusterChecks {
    private final ClusterSpec spec;
    private final VaultHttp http;
    private final ClusterNodes<VaultNode> nodes;
    private String rootToken;

    VaultClusterChecks(ClusterSpec spec, VaultHttp http, ClusterNodes<VaultNode> nodes) {
        this.spec = spec;
        this.http = http;
        this.nodes = nodes;
    }

    String rootToken() {
        return rootToken;
    }

    void rootToken(String token) {
        rootToken = token;
    }

    // ---- KV and admin -------------------------------------------------------------------------------

    /** Writes secret/<key> through the first running node that accepts it. Returns false if none did. */
    boolean kvPut(String key, String value) {
        for (VaultNode node : nodes.running()) {
            try {
                if (http.put(node.apiAddress(), "secret/" + key, rootToken, Map.of("value", value)).ok()) {
                    return true;
                }
            } catch (IOException e) {
                // next node
            }
        }
        return false;
    }

    /** Reads secret/<key>; empty if absent or no node answered. */
    Optional<String> kvGet(String key) {
        for (VaultNode node : nodes.running()) {
            try {
                VaultHttp.Reply reply = http.get(node.apiAddress(), "secret/" + key, rootToken);
                if (reply.ok()) {
                    return Optional.of(reply.data().path("value").asText());
                }
                if (reply.status() == 404) {
                    return Optional.empty();
                }
            } catch (IOException e) {
                // next node
            }
        }
        return Optional.empty();
    }

    /** A root-token read through any running node that answers 200. */
    JsonNode adminRead(String path) {
        RuntimeException last = null;
        for (VaultNode node : nodes.running()) {
            try {
                VaultHttp.Reply reply = http.get(node.apiAddress(), path, rootToken);
                if (reply.ok()) {
                    return reply.data();
                }
                last = new RigException(path + " on " + node + ": " + reply.status() + " " + reply.body());
            } catch (IOException e) {
                last = new RigException(path + " on " + node + ": " + e.getMessage(), e);
            }
        }
        throw last != null ? last : new RigException("no running node to read " + path);
    }

    /** A root-token write through any running node that accepts it. */
    VaultHttp.Reply admin(String method, String path, Object body) {
        RuntimeException last = null;
        for (VaultNode node : nodes.running()) {
            try {
                VaultHttp.Reply reply = http.send(node.apiAddress(), method, path, rootToken, body);
                if (reply.ok()) {
                    return reply;
                }
                last = new RigException(method + " " + path + " on " + node + ": " + reply.status() + " " + reply.body());
            } catch (IOException e) {
                last = new RigException(method + " " + path + " on " + node + ": " + e.getMessage(), e);
            }
        }
        throw last != null ? last : new RigException("no running node for " + method + " " + path);
    }

    /**
     * Authenticated requests (including logins) received by all nodes so far, from the audit device the rig
     * enables. Unauthenticated calls such as sys/health are not audited.
     */
    long auditedRequests() {
        long count = 0;
        for (VaultNode node : nodes.all()) {
            try (java.util.stream.Stream<String> lines = java.nio.file.Files.lines(node.dir().resolve("vault.log"))) {
                count += lines.filter(l -> l.startsWith("{") && l.contains("\"type\":\"request\"")).count();
            } catch (IOException | java.io.UncheckedIOException e) {
                // a node without a log has received nothing
            }
        }
        return count;
    }

    // ---- leader, health, Raft -----------------------------------------------------------------------

    /** The active node, asked of the running nodes (sys/leader needs no token). */
    Optional<VaultNode> leader() {
        for (VaultNode node : nodes.running()) {
            try {
                VaultHttp.Reply reply = http.get(node.apiAddress(), "sys/leader", null);
                String address = reply.body().path("leader_address").asText("");
                if (reply.ok() && !address.isEmpty()) {
                    URI leader = URI.create(address);
                    return nodes.all().stream().filter(n -> (n.ip().equals(leader.getHost())
                            || n.advertisedHost().equals(leader.getHost())) && n.running()).findFirst();
                }
            } catch (IOException e) {
                // try the next node
            }
        }
        return Optional.empty();
    }

    VaultNode awaitLeader(Duration timeout) {
        await("a leader", timeout, () -> leader().isPresent());
        return leader().orElseThrow();
    }

    /** The HTTP status of the node's sys/health, or -1 if it does not answer. */
    int healthCode(VaultNode node) {
        try {
            return http.get(node.apiAddress(), "sys/health", null).status();
        } catch (IOException e) {
            return -1;
        }
    }

    /** node_ids in the Raft configuration, read with the root token through any running node. */
    Set<String> raftNodeIds() {
        return raftServers().stream().map(s -> s.path("node_id").asText()).collect(Collectors.toSet());
    }

    List<JsonNode> raftServers() {
        JsonNode servers = adminRead("sys/storage/raft/configuration").path("config").path("servers");
        List<JsonNode> out = new ArrayList<>();
        servers.forEach(out::add);
        return out;
    }

    JsonNode autopilot() {
        return adminRead("sys/storage/raft/autopilot/state");
    }

    /**
     * The Raft node_id of an instance's node (the instance id on a cluster built our way, a UUID on a foreign one); a
     * value that is no instance of a known node is taken as a node_id already (a stale peer's).
     */
    String nodeIdOf(String instanceIdOrNodeId) {
        VaultNode node = nodes.find(instanceIdOrNodeId);
        return node == null ? instanceIdOrNodeId : node.nodeId();
    }

    /** The server in autopilot's state (servers.<id>: healthy, status, stable_since). */
    Optional<AutopilotServer> autopilotServer(String instanceId) {
        JsonNode server = autopilot().path("servers").path(nodeIdOf(instanceId));
        if (server.isMissingNode()) {
            return Optional.empty();
        }
        String status = server.path("status").asText("");
        String since = server.path("stable_since").asText("");
        return Optional.of(new AutopilotServer(server.path("healthy").asBoolean(false),
                status.equals("voter") || status.equals("leader"),
                since.isEmpty() || since.startsWith("0001-") ? Optional.empty() : Optional.of(java.time.OffsetDateTime.parse(since).toInstant())));
    }

    boolean autopilotHealthy() {
        return autopilot().path("healthy").asBoolean(false);
    }

    /** remove-peer with the root token (an instance id, or the node_id of a peer that has no node any more). */
    void removePeer(String instanceId) {
        admin("PUT", "sys/storage/raft/remove-peer", Map.of("server_id", nodeIdOf(instanceId)));
    }

    /** Waits until autopilot reports the server a healthy voter (or leader). */
    void awaitVoter(String instanceId, Duration timeout) {
        await(instanceId + " a healthy voter", timeout, () -> {
            JsonNode server = autopilot().path("servers").path(nodeIdOf(instanceId));
            String status = server.path("status").asText("");
            return server.path("healthy").asBoolean(false) && (status.equals("voter") || status.equals("leader"));
        });
    }

    /** Waits until the node answers sys/health at all; fails at once if its process exited. */
    void awaitListening(VaultNode node) {
        await(node.instanceId() + " listening", Duration.ofSeconds(30), () -> {
            if (!node.running()) {
                throw new NodeExitedException(node.instanceId() + " exited at start:\n" + node.logTail(15));
            }
            return healthCode(node) > 0;
        });
    }

    // ---- waiting and diagnostics --------------------------------------------------------------------

    /** Polls until the condition holds; on timeout fails with the cluster's state and crashed nodes' logs. */
    void await(String description, Duration timeout, BooleanSupplier condition) {
        RigWait.until(description, timeout, condition, this::diagnostics);
    }

    /** Node by node: address, process state, health; the last log lines of nodes that died unexpectedly. */
    String diagnostics() {
        StringBuilder out = new StringBuilder("cluster ").append(spec.name()).append(":\n");
        for (VaultNode node : nodes.all()) {
            ManagedProcess process = node.process();
            out.append("  ").append(node.instanceId()).append(' ').append(node.apiAddress()).append(' ')
                    .append(process == null ? "not started" : process.toString())
                    .append(" health=").append(node.running() ? healthCode(node) : -1).append('\n');
            if (process != null && !process.alive() && process.exitCode() != null && process.exitCode() != 137
                    && process.exitCode() != 143 && process.exitCode() != 0) {
                out.append("    last log lines of ").append(node.instanceId()).append(":\n    ")
                        .append(node.logTail(20).replace("\n", "\n    ")).append('\n');
            }
        }
        return out.toString();
    }
}
