package dev.raftlifecycle.ports;

import dev.raftlifecycle.contract.ClusterTags;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.SpotInstanceRequest;

/**
 * EC2 through the SDK's generated client: DescribeInstances by id or by group tag (unknown ids are simply absent, not
 * an error), and the status of a Spot instance's request.
 */
public final class Ec2Port {
    private static final int IDS_PER_CALL = 200;
    /** The tag Auto Scaling puts on every instance it launches, naming its group. */
    static final String GROUP_TAG = "aws:autoscaling:groupName";

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

    /**
     * An instance as EC2 describes it.
     *
     * @param lifecycle     EC2's {@code InstanceLifecycle}: {@code spot}, {@code scheduled}, or "" for on-demand (EC2
     *                      leaves the field out then)
     * @param spotRequestId the Spot request the instance fulfils, if it is a Spot instance launched through one
     * @param privateDnsName the instance's private DNS name (PrivateDnsName), when EC2 reports one (it reports "" for
     *                       a terminated instance, taken as none)
     * @param launchTime    when the instance was launched (LaunchTime), when EC2 reports it
     */
    public record Instance(String instanceId, String state, Optional<String> privateIp, String availabilityZone,
                           String lifecycle, Optional<String> spotRequestId, Optional<String> privateDnsName,
                           Optional<java.time.Instant> launchTime) {
        /** An instance whose private DNS name and launch time are not known. */
        public Instance(String instanceId, String state, Optional<String> privateIp, String availabilityZone,
                        String lifecycle, Optional<String> spotRequestId) {
            this(instanceId, state, privateIp, availabilityZone, lifecycle, spotRequestId, Optional.empty(),
                    Optional.empty());
        }

        /** An on-demand instance (tests, and callers that know nothing of Spot). */
        public Instance(String instanceId, String state, Optional<String> privateIp, String availabilityZone) {
            this(instanceId, state, privateIp, availabilityZone, "", Optional.empty());
        }
    }

    /**
     * The instances Auto Scaling has tagged as members of these groups ({@code aws:autoscaling:groupName}), in any
     * state: the same answer as describing the groups' members by id, without waiting for the groups' describe first.
     */
    public Map<String, Instance> describeGroupMembers(List<String> groupNames) {
        Map<String, Instance> out = new HashMap<>();
        describeInstances("tag:" + GROUP_TAG, groupNames).forEach(m -> out.put(m.instance().instanceId(), m.instance()));
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

    public Map<String, Instance> describe(List<String> instanceIds) {
        Map<String, Instance> out = new HashMap<>();
        List<String> ids = new ArrayList<>(instanceIds);
        for (int from = 0; from < ids.size(); from += IDS_PER_CALL) {
            List<String> chunk = ids.subList(from, Math.min(ids.size(), from + IDS_PER_CALL));
            // A filter instead of InstanceIds: ids EC2 no longer knows do not fail the whole call.
            describeInstances("instance-id", chunk).forEach(m -> out.put(m.instance().instanceId(), m.instance()));
        }
        return out;
    }

    /** Every page of DescribeInstances with one filter. */
    private List<Membership> describeInstances(String filter, List<String> values) {
        List<Membership> out = new ArrayList<>();
        client.get().describeInstancesPaginator(r -> r.filters(Filter.builder().name(filter).values(values).build()))
                .reservations().forEach(reservation -> reservation.instances().forEach(i -> out.add(
                        new Membership(of(i), tag(i, GROUP_TAG), tag(i, ClusterTags.CLUSTER)))));
        return out;
    }

    private static Optional<String> tag(software.amazon.awssdk.services.ec2.model.Instance i, String key) {
        return i.tags().stream().filter(t -> key.equals(t.key()))
                .map(software.amazon.awssdk.services.ec2.model.Tag::value).findFirst();
    }

    private static Instance of(software.amazon.awssdk.services.ec2.model.Instance i) {
        return new Instance(i.instanceId(), i.state() == null || i.state().nameAsString() == null ? "unknown"
                : i.state().nameAsString(), Optional.ofNullable(i.privateIpAddress()),
                i.placement() == null || i.placement().availabilityZone() == null ? "" : i.placement().availabilityZone(),
                i.instanceLifecycleAsString() == null ? "" : i.instanceLifecycleAsString(),
                Optional.ofNullable(i.spotInstanceRequestId()),
                Optional.ofNullable(i.privateDnsName()).filter(n -> !n.isEmpty()), Optional.ofNullable(i.launchTime()));
    }

    /**
     * A Spot request as EC2 reports it.
     *
     * @param state      open, active, closed, cancelled, failed, disabled
     * @param statusCode e.g. fulfilled, marked-for-termination, marked-for-stop, instance-terminated-by-price
     */
    public record SpotRequest(String requestId, String state, String statusCode, Optional<String> instanceId) {
    }

    /**
     * The Spot request the instance fulfils, as EC2 reports it; empty when EC2 reports none (an on-demand instance, or a
     * Spot instance whose request EC2 no longer lists).
     */
    public Optional<SpotRequest> spotRequestOf(String instanceId) {
        List<SpotInstanceRequest> requests = client.get().describeSpotInstanceRequests(r -> r.filters(
                Filter.builder().name("instance-id").values(instanceId).build())).spotInstanceRequests();
        return requests.stream().filter(s -> instanceId.equals(s.instanceId())).findFirst()
                .map(s -> new SpotRequest(s.spotInstanceRequestId(), s.stateAsString() == null ? "" : s.stateAsString(),
                        s.status() == null || s.status().code() == null ? "" : s.status().code(),
                        Optional.ofNullable(s.instanceId())));
    }
}
