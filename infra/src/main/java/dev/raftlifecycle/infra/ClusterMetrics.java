package dev.raftlifecycle.infra;

import dev.raftlifecycle.contract.MetricName;
import java.util.Map;
import software.amazon.awscdk.Duration;
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

    public String namespace() {
        return namespace;
    }

    public String clusterName() {
        return clusterName;
    }
}
