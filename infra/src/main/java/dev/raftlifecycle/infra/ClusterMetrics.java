package dev.raftlifecycle.infra;

import dev.raftlifecycle.contract.MetricName;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.cloudwatch.MathExpression;
import software.amazon.awscdk.services.cloudwatch.Metric;

/**
 * The only way the CDK app refers to raft-lifecycle's own metrics: through {@link MetricName}, in the configured
 * namespace, with the dimension set the emitter uses ([ClusterName]; the handlers also emit [ClusterName, Reason],
 * which alarms do not need). No unit is set: an alarm whose unit differs from the published one sees no data. No
 * label either: a labelled metric turns an alarm into a metric-math query, which is harder to read in the console.
 */
public final class ClusterMetrics {
    /** The publisher runs every minute. */
    public static final Duration PERIOD = Duration.minutes(1);

    private final String namespace;
    private final String clusterName;

    public ClusterMetrics(String namespace, String clusterName) {
        this.namespace = namespace;
        this.clusterName = clusterName;
    }

    public Metric metric(MetricName name, String statistic) {
        return metric(name, statistic, PERIOD);
    }

    public Metric metric(MetricName name, String statistic, Duration period) {
        return Metric.Builder.create()
                .namespace(namespace)
                .metricName(name.metricName())
                .dimensionsMap(Map.of(MetricName.CLUSTER_DIMENSION, clusterName))
                .statistic(statistic)
                .period(period)
                .build();
    }

    /**
     * The handler metrics by their [ClusterName, Reason] dimension set: a CloudWatch SEARCH over this cluster's
     * streams of these metrics, one line per metric and reason (reasons are open-ended, so they are searched, not
     * listed). For dashboards; an alarm cannot use a search.
     */
    public MathExpression byReason(List<MetricName> names, String statistic, Duration period) {
        String metricNames = names.stream().map(n -> "MetricName=\"" + n.metricName() + "\"")
                .collect(java.util.stream.Collectors.joining(" OR "));
        String search = "{\"" + namespace + "\"," + MetricName.CLUSTER_DIMENSION + "," + MetricName.REASON_DIMENSION
                + "} " + MetricName.CLUSTER_DIMENSION + "=\"" + clusterName + "\" (" + metricNames + ")";
        return MathExpression.Builder.create()
                .expression("SEARCH('" + search + "', '" + statistic + "', " + period.toSeconds().intValue() + ")")
                .usingMetrics(Map.of())
                .period(period)
                // CloudWatch's dynamic label: each line says which metric and which reason it counts.
                .label("${PROP('MetricName')} ${PROP('Dim." + MetricName.REASON_DIMENSION + "')}")
                .build();
    }

    public String namespace() {
        return namespace;
    }

    public String clusterName() {
        return clusterName;
    }
}
