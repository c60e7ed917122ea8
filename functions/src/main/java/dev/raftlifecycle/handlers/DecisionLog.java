package dev.raftlifecycle.handlers;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.raftlifecycle.contract.MetricName;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One structured JSON line per decision, which is also an Embedded Metric Format document: CloudWatch
 * Logs turns its counters into metrics (dimension sets [ClusterName] and [ClusterName, Reason]) without
 * an API call, and the same line is what an operator searches in Logs Insights. Never holds a token.
 */
public final class DecisionLog {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Consumer<String> sink;
    private final String namespace;
    private final String clusterName;

    public DecisionLog(Consumer<String> sink, String namespace, String clusterName) {
        this.sink = sink;
        this.namespace = namespace;
        this.clusterName = clusterName;
    }

    /** A line under construction. */
    public final class Line {
        private final Map<String, Object> fields = new LinkedHashMap<>();
        private final Map<MetricName, Double> metrics = new LinkedHashMap<>();

        private Line(String handler, String event) {
            fields.put("handler", handler);
            fields.put("event", event);
            fields.put(MetricName.CLUSTER_DIMENSION, clusterName);
        }

        public Line field(String name, Object value) {
            if (value != null) {
                fields.put(name, value);
            }
            return this;
        }

        public Line metric(MetricName name, double value) {
            metrics.merge(name, value, Double::sum);
            return this;
        }

        public String render(Instant at) {
            ObjectNode root = JSON.createObjectNode();
            root.put("timestamp", at.toString());
            fields.forEach((k, v) -> root.set(k, JSON.valueToTree(v)));
            if (!metrics.isEmpty()) {
                if (!fields.containsKey(MetricName.REASON_DIMENSION)) {
                    root.put(MetricName.REASON_DIMENSION, "none");
                }
                ObjectNode aws = root.putObject("_aws");
                aws.put("Timestamp", at.toEpochMilli());
                ObjectNode directive = aws.putArray("CloudWatchMetrics").addObject();
                directive.put("Namespace", namespace);
                ArrayNode sets = directive.putArray("Dimensions");
                sets.addArray().add(MetricName.CLUSTER_DIMENSION);
                sets.addArray().add(MetricName.CLUSTER_DIMENSION).add(MetricName.REASON_DIMENSION);
                ArrayNode defs = directive.putArray("Metrics");
                metrics.forEach((name, value) -> {
                    defs.addObject().put("Name", name.metricName()).put("Unit", name.unit().cloudWatchName());
                    root.put(name.metricName(), value);
                });
            }
            try {
                return JSON.writeValueAsString(root);
            } catch (JsonProcessingException e) {
                return "{\"event\":\"log-failure\",\"error\":\"" + e.getClass().getSimpleName() + "\"}";
            }
        }

        public void emit(Instant at) {
            sink.accept(render(at));
        }
    }

    public Line line(String handler, String event) {
        return new Line(handler, event);
    }
}
