package dev.raftlifecycle.ports;

import dev.raftlifecycle.contract.MetricName;
import dev.raftlifecycle.decisions.MetricValue;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** CloudWatch PutMetricData for the publisher, in the Query protocol through {@link AwsQuery}. */
public final class CloudWatchPort {
    /** The CloudWatch API version the requests name. */
    public static final String API_VERSION = "2010-08-01";
    static final int MAX_DATA_PER_CALL = 1000;
    private final AwsQuery cloudWatch;

    public CloudWatchPort(AwsQuery cloudWatch) {
        this.cloudWatch = cloudWatch;
    }

    /** Publishes; returns the number of PutMetricData calls made. */
    public int put(String namespace, String clusterName, Instant timestamp, List<MetricValue> values) {
        int calls = 0;
        for (int from = 0; from < values.size(); from += MAX_DATA_PER_CALL) {
            List<MetricValue> chunk = values.subList(from, Math.min(values.size(), from + MAX_DATA_PER_CALL));
            Map<String, String> parameters = new LinkedHashMap<>();
            parameters.put("Namespace", namespace);
            for (int i = 0; i < chunk.size(); i++) {
                String datum = "MetricData.member." + (i + 1) + ".";
                MetricValue value = chunk.get(i);
                parameters.put(datum + "MetricName", value.name().metricName());
                parameters.put(datum + "Dimensions.member.1.Name", MetricName.CLUSTER_DIMENSION);
                parameters.put(datum + "Dimensions.member.1.Value", clusterName);
                parameters.put(datum + "Timestamp", DateTimeFormatter.ISO_INSTANT.format(timestamp));
                parameters.put(datum + "Value", Double.toString(value.value()));
                parameters.put(datum + "Unit", value.name().unit().cloudWatchName());
            }
            cloudWatch.call("PutMetricData", parameters);
            calls++;
        }
        return calls;
    }
}
