package dev.raftlifecycle.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raftlifecycle.contract.MetricName;
import dev.raftlifecycle.infra.TestStacks.Scenario;
import dev.raftlifecycle.infra.TestStacks.Synthesized;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every metric an alarm or the dashboard reads is one somebody emits: raft-lifecycle's own metrics exactly as the
 * publisher (PutMetricData, [ClusterName]) or the handlers (EMF, [ClusterName] and [ClusterName, Reason]) emit them,
 * and AWS metrics only of this stack's own functions, queue and groups.
 */
class MetricContractTest {

    /** One metric reference: namespace, name, dimensions (name to flattened value), unit if any. */
    record MetricRef(String where, String namespace, String name, Map<String, String> dimensions, String unit) {
    }

    @Test
    void everyAlarmMetricIsEmittedWithThatNamespaceNameAndDimensionSet() {
        for (Scenario scenario : List.of(Scenario.DEFAULT, Scenario.EXISTING_VPC_ENTERPRISE)) {
            Synthesized synth = TestStacks.get(scenario);
            List<MetricRef> refs = alarmMetrics(synth.json());
            assertThat(refs).hasSizeGreaterThan(10);
            refs.forEach(ref -> assertEmitted(synth, ref));
        }
    }

    @Test
    void everyDashboardMetricIsEmittedToo() throws Exception {
        Synthesized synth = TestStacks.get(Scenario.DEFAULT);
        JsonNode dashboard = Cfn.resources(synth.json(), "AWS::CloudWatch::Dashboard").values().iterator().next();
        JsonNode body = new ObjectMapper().readTree(Cfn.flatten(dashboard.path("Properties").path("DashboardBody")));
        List<MetricRef> refs = new ArrayList<>();
        for (JsonNode widget : body.path("widgets")) {
            for (JsonNode metric : widget.path("properties").path("metrics")) {
                // [namespace, name, dim1, value1, ..., {options}]
                List<JsonNode> parts = new ArrayList<>();
                metric.forEach(parts::add);
                if (parts.size() == 1 && parts.get(0).has("expression")) {
                    continue; // a math expression: its inputs are listed beside it, and checked as metrics
                }
                Map<String, String> dims = new LinkedHashMap<>();
                int end = parts.get(parts.size() - 1).isObject() ? parts.size() - 1 : parts.size();
                for (int i = 2; i + 1 < end; i += 2) {
                    dims.put(parts.get(i).asText(), parts.get(i + 1).asText());
                }
                refs.add(new MetricRef("dashboard", parts.get(0).asText(), parts.get(1).asText(), dims, null));
            }
        }
        assertThat(refs).hasSizeGreaterThan(20);
        refs.forEach(ref -> assertEmitted(synth, ref));
        // Every metric raft-lifecycle emits is on the dashboard somewhere.
        Set<String> shown = new HashSet<>();
        refs.forEach(r -> shown.add(r.name()));
        Arrays.stream(MetricName.values()).forEach(m -> assertThat(shown).contains(m.metricName()));
    }

    private static void assertEmitted(Synthesized synth, MetricRef ref) {
        String namespace = synth.config().metricsNamespace();
        if (ref.namespace().equals(namespace)) {
            Optional<MetricName> metric = Arrays.stream(MetricName.values())
                    .filter(m -> m.metricName().equals(ref.name())).findFirst();
            assertThat(metric).as(ref + ": not a MetricName").isPresent();
            Set<String> dimensionSet = ref.dimensions().keySet();
            Set<Set<String>> emitted = metric.get().source() == MetricName.Source.PUBLISHER
                    ? Set.of(Set.of(MetricName.CLUSTER_DIMENSION))
                    : Set.of(Set.of(MetricName.CLUSTER_DIMENSION),
                            Set.of(MetricName.CLUSTER_DIMENSION, MetricName.REASON_DIMENSION));
            assertThat(emitted).as(ref + ": dimension set not emitted").contains(dimensionSet);
            assertThat(ref.dimensions().get(MetricName.CLUSTER_DIMENSION)).as(ref.toString())
                    .isEqualTo(synth.config().clusterName());
            if (ref.unit() != null) {
                assertThat(ref.unit()).as(ref + ": an alarm unit differing from the emitted one sees no data")
                        .isEqualTo(metric.get().unit().cloudWatchName());
            }
            return;
        }
        Set<String> functions = new HashSet<>();
        synth.stack().automation().handlers()
                .forEach(h -> functions.add("${Ref:" + Cfn.logicalId(synth.stack(), h.function()) + "}"));
        functions.add("${Ref:" + Cfn.logicalId(synth.stack(), synth.stack().snapshots().function().function()) + "}");
        switch (ref.namespace()) {
            case "AWS/Lambda" -> {
                assertThat(ref.dimensions().keySet()).as(ref.toString()).containsExactly("FunctionName");
                assertThat(functions).as(ref.toString()).contains(ref.dimensions().get("FunctionName"));
                assertThat(ref.name()).isIn("Invocations", "Errors", "Throttles");
            }
            case "AWS/SQS" -> {
                assertThat(ref.dimensions().keySet()).as(ref.toString()).containsExactly("QueueName");
                assertThat(ref.dimensions().get("QueueName")).isEqualTo("${GetAtt:" + Cfn.logicalId(synth.stack(),
                        synth.stack().automation().lifecycleDeadLetters()) + ".QueueName}");
            }
            case "AWS/AutoScaling" -> {
                assertThat(ref.dimensions().keySet()).containsExactly("AutoScalingGroupName");
                assertThat(synth.config().groupNames()).contains(ref.dimensions().get("AutoScalingGroupName"));
                // Group metrics are published only because the groups enable their collection.
                assertThat(ref.name()).isEqualTo("GroupInServiceInstances");
            }
            default -> throw new AssertionError(ref + ": a namespace nobody here emits");
        }
    }

    /** Every metric referenced by an alarm, directly or inside a metric-math expression. */
    static List<MetricRef> alarmMetrics(JsonNode template) {
        List<MetricRef> refs = new ArrayList<>();
        Cfn.resources(template, "AWS::CloudWatch::Alarm").forEach((id, alarm) -> {
            JsonNode p = alarm.path("Properties");
            if (p.has("MetricName")) {
                refs.add(new MetricRef(id, p.path("Namespace").asText(), p.path("MetricName").asText(),
                        dimensions(p.path("Dimensions")), p.has("Unit") ? p.path("Unit").asText() : null));
            }
            for (JsonNode query : p.path("Metrics")) {
                JsonNode stat = query.path("MetricStat");
                if (!stat.isMissingNode()) {
                    JsonNode metric = stat.path("Metric");
                    refs.add(new MetricRef(id, metric.path("Namespace").asText(), metric.path("MetricName").asText(),
                            dimensions(metric.path("Dimensions")), stat.has("Unit") ? stat.path("Unit").asText() : null));
                }
            }
            assertThat(p.has("MetricName") || p.has("Metrics")).as(id).isTrue();
        });
        return refs;
    }

    private static Map<String, String> dimensions(JsonNode dimensions) {
        Map<String, String> map = new LinkedHashMap<>();
        dimensions.forEach(d -> map.put(d.path("Name").asText(), Cfn.flatten(d.path("Value"))));
        return map;
    }
}
