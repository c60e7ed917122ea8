package dev.raftlifecycle.ports;

import dev.raftlifecycle.contract.ClusterTags;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;

/** EC2 DescribeInstances by id (unknown ids are simply absent, not an error). */
public final class Ec2Port {
    private static final int IDS_PER_CALL = 200;
    private final Lazy<Ec2Client> client;

    public Ec2Port(Ec2Client client) {
        this(Lazy.ready(client));
    }

    /** With the client built at its first call. */
    public Ec2Port(Lazy<Ec2Client> client) {
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

    public record Instance(String instanceId, String state, Optional<String> privateIp, String availabilityZone) {
    }

    /**
     * The instances Auto Scaling has tagged as members of these groups ({@code aws:autoscaling:groupName}), in any
     * state: the same answer as describing the groups' members by id, without waiting for the groups' describe first.
     */
    public Map<String, Instance> describeGroupMembers(List<String> groupNames) {
        Map<String, Instance> out = new HashMap<>();
        client.get().describeInstancesPaginator(r -> r.filters(Filter.builder().name("tag:" + GROUP_TAG).values(groupNames).build()))
                .reservations().forEach(reservation -> reservation.instances().forEach(i -> out.put(i.instanceId(), of(i))));
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
        for (var reservation : client.get().describeInstancesPaginator(r -> r.filters(Filter.builder().name("instance-id")
                .values(instanceId).build())).reservations()) {
            for (var i : reservation.instances()) {
                if (i.instanceId().equals(instanceId)) {
                    return Optional.of(new Membership(of(i), tag(i, GROUP_TAG), tag(i, ClusterTags.CLUSTER)));
                }
            }
        }
        return Optional.empty();
    }

    private static Optional<String> tag(software.amazon.awssdk.services.ec2.model.Instance i, String key) {
        return i.tags().stream().filter(t -> key.equals(t.key()))
                .map(software.amazon.awssdk.services.ec2.model.Tag::value).findFirst();
    }

    /** The tag Auto Scaling puts on every instance it launches, naming its group. */
    static final String GROUP_TAG = "aws:autoscaling:groupName";

    private static Instance of(software.amazon.awssdk.services.ec2.model.Instance i) {
        return new Instance(i.instanceId(), i.state() == null ? "unknown" : i.state().nameAsString(),
                Optional.ofNullable(i.privateIpAddress()), i.placement() == null ? "" : i.placement().availabilityZone());
    }

    public Map<String, Instance> describe(List<String> instanceIds) {
        Map<String, Instance> out = new HashMap<>();
        List<String> ids = new ArrayList<>(instanceIds);
        for (int from = 0; from < ids.size(); from += IDS_PER_CALL) {
            List<String> chunk = ids.subList(from, Math.min(ids.size(), from + IDS_PER_CALL));
            // A filter instead of InstanceIds: ids EC2 no longer knows do not fail the whole call.
            client.get().describeInstancesPaginator(r -> r.filters(Filter.builder().name("instance-id").values(chunk).build()))
                    .reservations().forEach(reservation -> reservation.instances().forEach(i -> out.put(i.instanceId(), of(i))));
        }
        return out;
    }
}
