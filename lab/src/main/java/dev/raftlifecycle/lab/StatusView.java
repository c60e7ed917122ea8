package dev.raftlifecycle.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.raftlifecycle.rig.VaultCluster;
import dev.raftlifecycle.rig.VaultNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/** The lab's status: one row per node and one block for the cluster, as text or JSON. */
final class StatusView {
    private static final ObjectMapper JSON = new ObjectMapper();

    private StatusView() {
    }

    static ObjectNode collect(LabEnvironment lab) {
        VaultCluster cluster = lab.cluster;
        ObjectNode root = JSON.createObjectNode();
        JsonNode autopilot;
        try {
            autopilot = cluster.autopilot();
        } catch (RuntimeException e) {
            autopilot = JSON.createObjectNode();
        }
        ArrayNode nodes = root.putArray("nodes");
        List<VaultNode> sorted = new ArrayList<>(cluster.nodes());
        sorted.sort(Comparator.comparing(VaultNode::availabilityZone).thenComparing(VaultNode::instanceId));
        for (VaultNode node : sorted) {
            JsonNode server = autopilot.path("servers").path(node.nodeId()); // autopilot keys servers by node_id
            int health = node.running() ? cluster.healthCode(node) : -1;
            ObjectNode row = nodes.addObject();
            row.put("instance", node.instanceId());
            row.put("group", node.groupName());
            row.put("market", dev.raftlifecycle.rig.RigGroups.spot(node.groupName()) ? "spot" : "on-demand");
            row.put("az", node.availabilityZone());
            row.put("address", node.advertisedHost() + ":" + node.apiPort()); // its api_addr's host: IP, or DNS name
            row.put("lifecycle", lab.driver.state(node.instanceId()));
            row.put("role", server.isMissingNode() ? "-" : server.path("status").asText("-"));
            row.put("vault", switch (health) {
                case 200 -> "active";
                case 429, 473 -> "standby";
                case 501 -> "uninitialized";
                case 503 -> "sealed";
                case -1 -> "down";
                default -> "http " + health;
            });
            row.put("sealed", health == 503 || health == 501);
            row.put("healthy", server.path("healthy").asBoolean(false));
            row.put("lastContact", server.path("last_contact").asText("-"));
        }
        java.util.Set<String> known = sorted.stream().map(VaultNode::instanceId)
                .collect(java.util.stream.Collectors.toCollection(java.util.HashSet::new));
        // Instances of the groups with no Vault process at all (launched, first boot not done or never done).
        for (String group : cluster.groupNames()) {
            for (String id : cluster.groupInstanceIds(group)) {
                if (known.add(id)) {
                    ObjectNode row = nodes.addObject();
                    row.put("instance", id);
                    row.put("group", group);
                    row.put("az", "-");
                    row.put("address", "-");
                    row.put("lifecycle", lab.driver.state(id));
                    row.put("role", "-");
                    row.put("vault", "not started");
                    row.put("sealed", false);
                    row.put("healthy", false);
                    row.put("lastContact", "-");
                }
            }
        }
        // Raft peers whose instance is gone (a stale peer until the reconciler removes it).
        var servers = autopilot.path("servers").fieldNames();
        while (servers.hasNext()) {
            String id = servers.next();
            if (!known.contains(cluster.instanceIdOfNode(id))) {
                JsonNode server = autopilot.path("servers").path(id);
                ObjectNode row = nodes.addObject();
                row.put("instance", id);
                row.put("group", "-");
                row.put("az", "-");
                row.put("address", server.path("address").asText("-"));
                row.put("lifecycle", lab.driver.state(id));
                row.put("role", server.path("status").asText("-"));
                row.put("vault", "gone");
                row.put("sealed", false);
                row.put("healthy", server.path("healthy").asBoolean(false));
                row.put("lastContact", server.path("last_contact").asText("-"));
            }
        }
        ObjectNode c = root.putObject("cluster");
        c.put("name", cluster.name());
        c.put("leader", autopilot.path("leader").asText("").isEmpty() ? ""
                : cluster.instanceIdOfNode(autopilot.path("leader").asText("")));
        c.put("failureTolerance", autopilot.path("failure_tolerance").asInt(0));
        c.put("autopilotHealthy", autopilot.path("healthy").asBoolean(false));
        c.put("peers", autopilot.path("servers").size());
        c.put("voters", autopilot.path("voters").size());
        JsonNode published = lab.lastPublish();
        if (published != null) {
            c.put("stalePeers", published.path("metrics").path("StalePeers").asInt(0));
            c.put("missingPeers", published.path("metrics").path("MissingPeers").asInt(0));
            c.put("publishedAt", published.path("observedAt").asText(""));
        }
        c.put("lifecycleActionsPending", lab.rig.recorder().openActions().stream()
                .filter(a -> cluster.groupNames().contains(a.groupName())).count());
        return root;
    }

    static String render(ObjectNode status) {
        StringBuilder out = new StringBuilder();
        // The address column as wide as its widest entry (a DNS-name address is longer than an IP's), 20 at least.
        int width = 20;
        for (JsonNode row : status.path("nodes")) {
            width = Math.max(width, row.path("address").asText().length());
        }
        String line = "%-21s %-12s %-9s %-11s %-" + width + "s %-22s %-9s %-13s %-8s %s%n";
        out.append(String.format(Locale.ROOT, line, "INSTANCE",
                "GROUP", "MARKET", "AZ", "ADDRESS", "LIFECYCLE", "ROLE", "VAULT", "HEALTHY", "LAST CONTACT"));
        for (JsonNode row : status.path("nodes")) {
            out.append(String.format(Locale.ROOT, line,
                    row.path("instance").asText(), shorten(row.path("group").asText(), 12),
                    row.path("market").asText("-"), row.path("az").asText(),
                    row.path("address").asText(), row.path("lifecycle").asText(), row.path("role").asText(),
                    row.path("vault").asText(), row.path("healthy").asBoolean() ? "yes" : "no",
                    row.path("lastContact").asText()));
        }
        JsonNode c = status.path("cluster");
        out.append(String.format(Locale.ROOT,
                "cluster %s: leader %s, failure tolerance %d, autopilot %s, %d peers (%d voters), stale peers %s,"
                        + " missing peers %s, lifecycle actions pending %d%n",
                c.path("name").asText(), c.path("leader").asText().isEmpty() ? "NONE" : c.path("leader").asText(),
                c.path("failureTolerance").asInt(), c.path("autopilotHealthy").asBoolean() ? "healthy" : "UNHEALTHY",
                c.path("peers").asInt(), c.path("voters").asInt(),
                c.has("stalePeers") ? c.path("stalePeers").asText() : "?",
                c.has("missingPeers") ? c.path("missingPeers").asText() : "?",
                c.path("lifecycleActionsPending").asInt()));
        return out.toString();
    }

    private static String shorten(String s, int max) {
        return s.length() <= max ? s : "…" + s.substring(s.length() - max + 1);
    }
}
