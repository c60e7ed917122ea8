package dev.raftlifecycle.decisions;

import dev.raftlifecycle.contract.MetricName;

/** One metric value to publish. */
public record MetricValue(MetricName name, double value) {
}
