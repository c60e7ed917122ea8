package dev.raftlifecycle.decisions;

import dev.raftlifecycle.contract.TargetHealth;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * When the groups may act on the load balancer's verdict. A new cluster is deployed with EC2 health checks only: on a
 * first deploy the nodes are uninitialized, fail the load balancer's check, and ELB checks would have the groups
 * replace them in a loop. The switch is the operator's deploy (CDK context {@code elbHealthChecks=true}); the
 * publisher only reports when it is safe. A group is ready for ELB checks only when, in this one observation,
 * <ul>
 *   <li>the cluster has been seen initialized ({@link ClusterInitialization});</li>
 *   <li>every in-service instance of every group answers {@code sys/health} as the load balancer's check passes it
 *   (active or standby), <em>and</em> is a Raft server autopilot calls healthy without a break for at least
 *   {@link #SETTLE} (its {@code stable_since}): longer than the load balancer takes to count a target healthy (two
 *   passing checks ten seconds apart), so a node that restarted or joined just now is not yet counted, and a node
 *   initialized on its own, outside the cluster, never is;</li>
 *   <li>the canary, if there is one, just went through the load balancer to Vault and back (read and write): the
 *   load balancer reaches the servers at all (a security group or listener mistake would otherwise turn every node
 *   "unhealthy" at the moment of the switch).</li>
 * </ul>
 * The load balancer's own per-target verdict (DescribeTargetHealth) is not consulted; the conditions above stand in
 * for it. Back to EC2 only on positive evidence that nothing is initialized: every running instance answered 501 (a
 * cluster rebuilt from empty nodes under the same stack, whose lock table still says "initialized"). The other
 * health-check types a group has (EBS, VPC_LATTICE) are kept. Nothing is remembered between runs.
 */
public final class HealthCheckSwitch {
    public static final String ELB = "ELB";
    public static final String EC2 = "EC2";
    /** How long every node must have been healthy: the load balancer's time to healthy, and a margin. */
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

    /** Whether the groups' health-check types are what the cluster's state calls for. */
    public enum Status {
        /** Every group is on what the state calls for (or the state says nothing yet). */
        IN_PLACE,
        /** The state calls for a change: {@link Plan#switches()}. */
        READY,
        /** Not safe to switch to ELB checks yet. */
        NOT_READY
    }

    /** @param why in words, for the log */
    public record Plan(Status status, List<Switch> switches, String why) {
        Plan(List<Switch> switches, String why, boolean ready) {
            this(!switches.isEmpty() ? Status.READY : ready ? Status.IN_PLACE : Status.NOT_READY, switches, why);
        }
    }

    /**
     * @param canaryWentThrough whether this run's canary read and wrote through the load balancer; empty without a
     *                          canary
     */
    public static Plan plan(ClusterSnapshot s, Optional<Boolean> canaryWentThrough, Instant now) {
        List<ClusterInstance> running = s.runningInstances();
        boolean nothingInitialized = !running.isEmpty() && running.stream().allMatch(i ->
                Optional.ofNullable(s.health().get(i.instanceId())).map(h -> h.state() == NodeHealth.State.UNINITIALIZED)
                        .orElse(false));
        if (nothingInitialized) {
            return new Plan(switches(s, false), "every running instance answered 501: EC2 checks", true);
        }
        if (ClusterInitialization.judge(s, Optional.empty()) != ClusterInitialization.INITIALIZED) {
            return new Plan(List.of(), "not seen initialized yet", false);
        }
        if (s.view().isEmpty()) {
            return new Plan(List.of(), "no view of the cluster", false);
        }
        AutopilotState autopilot = s.view().get().autopilot();
        List<ClusterInstance> inService = s.instances().stream().filter(ClusterInstance::inService).toList();
        if (inService.isEmpty()) {
            return new Plan(List.of(), "no instance in service", false);
        }
        List<String> failing = new ArrayList<>();
        for (ClusterInstance i : inService) {
            boolean passes = Optional.ofNullable(s.health().get(i.instanceId()))
                    .map(h -> h.answered() && TargetHealth.passes(h.state().code())).orElse(false);
            // Its server under its peer's node id (matched as the handlers match: a UUID in a cluster named otherwise).
            String nodeId = s.peerMatch(i.instanceId()).matched().map(RaftPeer::nodeId).orElse(i.instanceId());
            boolean settled = autopilot.server(nodeId).filter(AutopilotServer::healthy)
                    .flatMap(AutopilotServer::stableSince).map(since -> !since.plus(SETTLE).isAfter(now)).orElse(false);
            if (!passes || !settled) {
                failing.add(i.instanceId() + (passes ? " (healthy for less than " + SETTLE.toSeconds() + " s)" : ""));
            }
        }
        if (!failing.isEmpty()) {
            return new Plan(List.of(), "not passing the load balancer's check for long enough: " + String.join(", ", failing),
                    false);
        }
        if (canaryWentThrough.isPresent() && !canaryWentThrough.get()) {
            return new Plan(List.of(), "the canary did not get through the load balancer", false);
        }
        return new Plan(switches(s, true), "every in-service node healthy for " + SETTLE.toSeconds() + " s or more"
                + (canaryWentThrough.isPresent() ? ", the canary through the load balancer" : ""), true);
    }

    private static List<Switch> switches(ClusterSnapshot s, boolean toElb) {
        List<Switch> out = new ArrayList<>();
        for (GroupState g : s.groups()) {
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
