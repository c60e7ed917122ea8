package dev.raftlifecycle.lab;

import dev.raftlifecycle.contract.Defaults;
import dev.raftlifecycle.contract.MetricName;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import software.amazon.awssdk.services.cloudwatch.model.Dimension;
import software.amazon.awssdk.services.cloudwatch.model.MetricDataResult;

/**
 * What the lab's publisher published about clients and leadership during a run, read back from the emulator's
 * CloudWatch (not from the publisher's own output): the canary through the load-balancer stand-in, and the leader
 * changes counted from the Raft term.
 *
 * @param leaderChanges      Sum of LeaderChanges over the run
 * @param leaderTerminations the rounds that terminated the leader
 * @param canaryOps          canary operations published (SampleCount of CanarySuccess)
 * @param canarySucceeded    of which succeeded (Sum of CanarySuccess)
 * @param slowestReadMs      the slowest successful read (Maximum of CanaryReadMs), -1 without one
 * @param slowestWriteMs     the slowest successful write (Maximum of CanaryWriteMs), -1 without one
 */
record ClientView(long leaderChanges, long leaderTerminations, long canaryOps, long canarySucceeded,
                  long slowestReadMs, long slowestWriteMs) {

    String line() {
        return String.format(Locale.ROOT, "read back from CloudWatch: leader_changes=%d leader_terminations=%d "
                        + "canary_ops=%d canary_succeeded=%d canary_slowest_read_ms=%d canary_slowest_write_ms=%d "
                        + "(objective %d ms)", leaderChanges, leaderTerminations, canaryOps, canarySucceeded,
                slowestReadMs, slowestWriteMs, Defaults.CANARY_LATENCY_OBJECTIVE_MS);
    }

    static ClientView readBack(LabEnvironment lab, Instant since, long leaderTerminations) {
        return new ClientView(
                Math.round(statistic(lab, MetricName.LEADER_CHANGES, "Sum", since, 0)),
                leaderTerminations,
                Math.round(statistic(lab, MetricName.CANARY_SUCCESS, "SampleCount", since, 0)),
                Math.round(statistic(lab, MetricName.CANARY_SUCCESS, "Sum", since, 0)),
                Math.round(statistic(lab, MetricName.CANARY_READ_MS, "Maximum", since, -1)),
                Math.round(statistic(lab, MetricName.CANARY_WRITE_MS, "Maximum", since, -1)));
    }

    /** The statistic over the whole run (one-hour buckets, combined), or {@code none} without data. */
    private static double statistic(LabEnvironment lab, MetricName name, String statistic, Instant since, double none) {
        Instant from = since.minus(Duration.ofMinutes(1));
        Instant to = Instant.now().plus(Duration.ofMinutes(1));
        MetricDataResult result = lab.rig.cloudWatch().getMetricData(r -> r
                .startTime(from).endTime(to)
                .metricDataQueries(q -> q.id("m").metricStat(st -> st.stat(statistic).period(3600)
                        .metric(m -> m.namespace(lab.runtime().settings().metricsNamespace()).metricName(name.metricName())
                                .dimensions(Dimension.builder().name(MetricName.CLUSTER_DIMENSION)
                                        .value(lab.runtime().settings().clusterName()).build())))))
                .metricDataResults().get(0);
        List<Double> values = result.values();
        if (values.isEmpty()) {
            return none;
        }
        return statistic.equals("Maximum") ? values.stream().mapToDouble(Double::doubleValue).max().orElse(none)
                : values.stream().mapToDouble(Double::doubleValue).sum();
    }
}
