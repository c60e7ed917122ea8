package dev.raftlifecycle.it;

import dev.raftlifecycle.contract.MetricName;
import dev.raftlifecycle.rig.Rig;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.cloudwatch.model.Dimension;
import software.amazon.awssdk.services.cloudwatch.model.GetMetricDataResponse;
import software.amazon.awssdk.services.cloudwatch.model.MetricDataQuery;

/**
 * The publisher's metrics as the emulator's CloudWatch stored them, for one namespace and ClusterName. moto 5.2.5's
 * GetMetricData ignores the namespace when dimensions are given: a ClusterName of its own per test keeps the read-back
 * honest.
 */
record PublishedMetrics(Rig rig, String namespace, String clusterName) {

    /** One statistic of one metric over the last ten minutes, if published. */
    Optional<Double> readBack(MetricName name, String statistic) {
        GetMetricDataResponse response = rig.cloudWatch().getMetricData(r -> r.metricDataQueries(
                        query("q", name, statistic, 600))
                .startTime(Instant.now().minus(Duration.ofMinutes(10))).endTime(Instant.now().plus(Duration.ofMinutes(1))));
        List<Double> values = response.metricDataResults().get(0).values();
        return values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    /** Every publisher metric (Maximum over the last ten minutes), by metric name. */
    Map<String, Double> readAll() {
        List<MetricName> names = Arrays.stream(MetricName.values())
                .filter(m -> m.source() == MetricName.Source.PUBLISHER).toList();
        List<MetricDataQuery> queries = names.stream().map(m -> query("m" + m.ordinal(), m, "Maximum", 60)).toList();
        GetMetricDataResponse response = rig.cloudWatch().getMetricData(r -> r.metricDataQueries(queries)
                .startTime(Instant.now().minus(Duration.ofMinutes(10))).endTime(Instant.now().plus(Duration.ofMinutes(1))));
        Map<String, Double> values = new HashMap<>();
        response.metricDataResults().forEach(result -> {
            if (!result.values().isEmpty()) {
                MetricName name = names.stream().filter(m -> ("m" + m.ordinal()).equals(result.id())).findFirst().orElseThrow();
                values.put(name.metricName(), result.values().get(0));
            }
        });
        return values;
    }

    private MetricDataQuery query(String id, MetricName name, String statistic, int period) {
        return MetricDataQuery.builder().id(id).metricStat(st -> st.stat(statistic).period(period).metric(metric -> metric
                .namespace(namespace).metricName(name.metricName()).dimensions(Dimension.builder()
                        .name(MetricName.CLUSTER_DIMENSION).value(clusterName).build()))).build();
    }
}
