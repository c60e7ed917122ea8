package dev.raftlifecycle.ports;

import dev.raftlifecycle.contract.ClusterTags;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * EC2 DescribeInstances by id or by group tag (unknown ids are simply absent, not an error), in the Query protocol
 * through {@link AwsQuery}: the handlers' only EC2 operation.
 */
public final class Ec2Port {
    /** The EC2 API version the requests name. */
    public static final String API_VERSION = "2016-11-15";
    private static final int IDS_PER_CALL = 200;
    private final AwsQuery ec2;

    public Ec2Port(AwsQuery ec2) {
        this.ec2 = ec2;
    }

    public record Instance(String instanceId, String state, Optional<String> privateIp, String availabilityZone) {
    }

    /**
     * The instances Auto Scaling has tagged as members of these groups ({@code aws:autoscaling:groupName}), in any
     * state: the same answer as describing the groups' members by id, without waiting for the groups' describe first.
     */
    public Map<String, Instance> describeGroupMembers(List<String> groupNames) {
        Map<String, Instance> out = new HashMap<>();
        describeInstances("tag:" + GROUP_TAG, groupNames).forEach(i -> out.put(i.instance().instanceId(), i.instance()));
        return out;
    }

    /**
     * One instance as EC2 describes it, with the group Auto Scaling tagged it with and the cluster tag it was launched
     * with (if any). Auto Scaling removes its group tag when an instance leaves the group (detached); the cluster tag,
     * propagated at launch, stays.
     */
    public record Membership(Instance instance, Optional<String> groupName, Optional<String> clusterName) {
    }

    /** The instance and its tags; empty when EC2 does not know the id. */
    public Optional<Membership> membership(String instanceId) {
        return describeInstances("instance-id", List.of(instanceId)).stream()
                .filter(m -> m.instance().instanceId().equals(instanceId)).findFirst();
    }

    /** The tag Auto Scaling puts on every instance it launches, naming its group. */
    static final String GROUP_TAG = "aws:autoscaling:groupName";

    public Map<String, Instance> describe(List<String> instanceIds) {
        Map<String, Instance> out = new HashMap<>();
        List<String> ids = new ArrayList<>(instanceIds);
        for (int from = 0; from < ids.size(); from += IDS_PER_CALL) {
            List<String> chunk = ids.subList(from, Math.min(ids.size(), from + IDS_PER_CALL));
            // A filter instead of InstanceIds: ids EC2 no longer knows do not fail the whole call.
            describeInstances("instance-id", chunk).forEach(i -> out.put(i.instance().instanceId(), i.instance()));
        }
        return out;
    }

    /** Every page of DescribeInstances with one filter. */
    private List<Membership> describeInstances(String filter, List<String> values) {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("Filter.1.Name", filter);
        for (int i = 0; i < values.size(); i++) {
            parameters.put("Filter.1.Value." + (i + 1), values.get(i));
        }
        List<Membership> out = new ArrayList<>();
        ec2.pages("DescribeInstances", parameters, "nextToken").forEach(page -> out.addAll(instances(page)));
        return out;
    }

    /** The instances of one DescribeInstances answer, with their tags. */
    static List<Membership> instances(XmlElement page) {
        List<Membership> out = new ArrayList<>();
        for (XmlElement reservation : page.items("reservationSet", "item")) {
            for (XmlElement i : reservation.items("instancesSet", "item")) {
                Map<String, String> tags = new HashMap<>();
                i.items("tagSet", "item")
                        .forEach(t -> t.text("key").ifPresent(k -> tags.put(k, t.text("value").orElse(""))));
                Instance instance = new Instance(i.text("instanceId").orElseThrow(
                        () -> new IllegalArgumentException("EC2 described an instance without an instanceId")),
                        i.text("instanceState", "name").orElse("unknown"), i.text("privateIpAddress"),
                        i.text("placement", "availabilityZone").orElse(""));
                out.add(new Membership(instance, Optional.ofNullable(tags.get(GROUP_TAG)),
                        Optional.ofNullable(tags.get(ClusterTags.CLUSTER))));
            }
        }
        return out;
    }
}
