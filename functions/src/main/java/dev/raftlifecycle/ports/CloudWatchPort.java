package dev.raftlifecycle.ports;

import dev.raftlifecycle.contract.MetricName;
import dev.raftlifecycle.decisions.MetricValue;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.model.AlarmType;
import software.amazon.awssdk.services.cloudwatch.model.DescribeAlarmsRequest;
import software.amazon.awssdk.services.cloudwatch.model.Dimension;
import software.amazon.awssdk.services.cloudwatch.model.MetricDatum;
import software.amazon.awssdk.services.cloudwatch.model.StandardUnit;
import software.amazon.awssdk.services.cloudwatch.model.StateValue;

/** PutMetricData: all of a run's values in as few calls as the API allows (1000 data per call). */
public final class CloudWatchPort {
    static final int MAX_DATA_PER_CALL = 1000;
    private final Lazy<CloudWatchClient> client;

    public CloudWatchPort(CloudWatchClient client) {
        this(Lazy.ready(client));
    }

    /** With the client built at its first call. */
    public CloudWatchPort(Lazy<CloudWatchClient> client) {
        this.client = client;
    }

    /** Builds the client now (SnapStart priming: into the snapshot, not after the restore). */
    public void warm() {
        client.get();
    }

    /** Whether the client has been built. */
    public boolean built() {
        return client.built();
    }

    /** Publishes; returns the number of PutMetricData calls made. */
    public int put(String namespace, String clusterName, Instant timestamp, List<MetricValue> values) {
        Dimension cluster = Dimension.builder().name(MetricName.CLUSTER_DIMENSION).value(clusterName).build();
        List<MetricDatum> data = new ArrayList<>();
        for (MetricValue value : values) {
            data.add(MetricDatum.builder()
                    .metricName(value.name().metricName())
                    .unit(StandardUnit.fromValue(value.name().unit().cloudWatchName()))
                    .value(value.value())
                    .timestamp(timestamp)
                    .dimensions(cluster)
                    .build());
        }
        int calls = 0;
        for (int from = 0; from < data.size(); from += MAX_DATA_PER_CALL) {
            List<MetricDatum> chunk = data.subList(from, Math.min(data.size(), from + MAX_DATA_PER_CALL));
            client.get().putMetricData(r -> r.namespace(namespace).metricData(chunk));
            calls++;
        }
        return calls;
    }

    /**
     * The names of the metric and composite alarms in ALARM among {@code names} (DescribeAlarms takes up to 100 names
     * a call), or, with no names, among those whose name starts with {@code prefix}.
     */
    public List<String> firingAlarms(List<String> names, String prefix) {
        List<String> firing = new ArrayList<>();
        if (names.isEmpty()) {
            collect(DescribeAlarmsRequest.builder().alarmNamePrefix(prefix), firing);
        } else {
            for (int from = 0; from < names.size(); from += 100) {
                collect(DescribeAlarmsRequest.builder().alarmNames(names.subList(from, Math.min(names.size(), from + 100))),
                        firing);
            }
        }
        return firing;
    }

    private void collect(DescribeAlarmsRequest.Builder request, List<String> firing) {
        client.get().describeAlarmsPaginator(request.stateValue(StateValue.ALARM)
                .alarmTypes(AlarmType.METRIC_ALARM, AlarmType.COMPOSITE_ALARM).build()).forEach(page -> {
                    page.metricAlarms().forEach(a -> firing.add(a.alarmName()));
                    page.compositeAlarms().forEach(a -> firing.add(a.alarmName()));
                });
    }
}
