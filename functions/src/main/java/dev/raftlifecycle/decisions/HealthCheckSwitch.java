package dev.raftlifecycle.decisions;

import dev.raftlifecycle.contract.ClusterTags;
import dev.raftlifecycle.contract.TargetHealth;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * When the groups may act on the load balancer's verdict. They are deployed with EC2 health checks only: on a first
 * deploy the nodes are uninitialized, fail the load balancer's check, and ELB checks would have the groups replace
 * them in a loop. A group is switched to ELB checks only when
 * <ul>
 *   <li>the cluster has been seen initialized ({@link ClusterInitialization}), and</li>
 *   <li>every in-service instance of every group answers {@code sys/health} as the load balancer's check passes it
 *   (active or standby: joined and unsealed), and has done so since a run at least {@link #SETTLE} ago, so the load
 *   balancer (two passing checks ten seconds apart) has seen it healthy too. One run that finds a node failing
 *   starts the wait again.</li>
 * </ul>
 * Back to EC2 only on positive evidence that nothing is initialized: every running instance answered 501 (a cluster
 * rebuilt from empty nodes under the same stack, whose lock table still says "initialized"). A group tagged
 * {@link ClusterTags#ELB_HEALTH_CHECKS}={@link ClusterTags#ELB_HEALTH_CHECKS_OFF} is left alone either way. The
 * other health-check types a group has (EBS, VPC_LATTICE) are kept.
 */
public final class HealthCheckSwitch {
    public static final String ELB = "ELB";
    public static final String EC2 = "EC2";
    /** How long every node must have passed before the switch: the load balancer's time to healthy, and a margin. */
    public static final Duration SETTLE = Duration.ofSeconds(TargetHealth.SECONDS_TO_HEALTHY + 10);

    private HealthCheckSwitch() {
    }

    /** One group's new health-check type. */
    public record Switch(String group, String from, String to) {
        @Override
        public String toString() {
            return group + ":" + to;
        }
    }

    /**
     * @param readySince since when every in-service node has been seen passing (to record for the next run; empty:
     *                   not all passing now)
     * @param why        in words, for the log
     */
    public record Plan(List<Switch> switches, Optional<Instant> readySince, String why) {
    }

    public static Plan plan(ClusterSnapshot s, Optional<Instant> readySince, Instant now) {
        List<ClusterInstance> running = s.runningInstances();
        boolean nothingInitialized = !running.isEmpty() && running.stream().allMatch(i ->
                Optional.ofNullable(s.health().get(i.instanceId())).map(h -> h.state() == NodeHealth.State.UNINITIALIZED)
                        .orElse(false));
        if (nothingInitialized) {
            return new Plan(switches(s, false), Optional.empty(), "every running instance answered 501: EC2 checks");
        }
        if (ClusterInitialization.judge(s, Optional.empty()) != ClusterInitialization.INITIALIZED) {
            return new Plan(List.of(), Optional.empty(), "not seen initialized yet");
        }
        List<ClusterInstance> inService = s.instances().stream().filter(ClusterInstance::inService).toList();
        List<String> failing = inService.stream().filter(i -> !Optional.ofNullable(s.health().get(i.instanceId()))
                .map(h -> h.answered() && TargetHealth.passes(h.state().code())).orElse(false))
                .map(ClusterInstance::instanceId).toList();
        if (inService.isEmpty() || !failing.isEmpty()) {
            return new Plan(List.of(), Optional.empty(), inService.isEmpty() ? "no instance in service"
                    : "not passing the load balancer's check: " + String.join(",", failing));
        }
        Instant since = readySince.filter(at -> !at.isAfter(now)).orElse(now);
        if (Duration.between(since, now).compareTo(SETTLE) < 0) {
            return new Plan(List.of(), Optional.of(since), "every node passing since " + since + ", waiting "
                    + SETTLE.toSeconds() + " s for the load balancer to see it");
        }
        return new Plan(switches(s, true), Optional.of(since), "every node passing since " + since);
    }

    private static List<Switch> switches(ClusterSnapshot s, boolean toElb) {
        List<Switch> out = new ArrayList<>();
        for (GroupState g : s.groups()) {
            if (ClusterTags.ELB_HEALTH_CHECKS_OFF.equals(g.tags().get(ClusterTags.ELB_HEALTH_CHECKS))) {
                continue;
            }
            Set<String> types = new LinkedHashSet<>();
            for (String t : g.healthCheckType().split(",")) {
                if (!t.isBlank()) {
                    types.add(t.trim());
                }
            }
            if (toElb == types.contains(ELB)) {
                continue;
            }
            types.remove(EC2); // always on, implied
            if (toElb) {
                types.add(ELB);
            } else {
                types.remove(ELB);
            }
            out.add(new Switch(g.name(), g.healthCheckType(), types.isEmpty() ? EC2 : String.join(",", types)));
        }
        return out;
    }
}
