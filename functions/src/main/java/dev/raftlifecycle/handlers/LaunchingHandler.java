package dev.raftlifecycle.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raftlifecycle.contract.MetricName;
import dev.raftlifecycle.decisions.ClusterInstance;
import dev.raftlifecycle.decisions.LaunchReadiness;
import dev.raftlifecycle.decisions.NodeHealth;
import dev.raftlifecycle.decisions.Reachability;
import dev.raftlifecycle.events.LifecycleEvent;
import dev.raftlifecycle.ports.AutoScalingPort;
import dev.raftlifecycle.ports.Ec2Port;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * EC2_INSTANCE_LAUNCHING → wait, heartbeating, until the new node is initialized, unsealed, in the Raft
 * configuration under its instance id, healthy and stable in autopilot, with a leader present (and, if
 * configured, the expected Vault version) → CONTINUE. On timeout → ABANDON with the last reason, and the
 * group replaces the instance.
 *
 * <p>Input handling as in {@link TerminatingHandler}: malformed → the invocation fails naming the field,
 * no call made; foreign group → ignored; an action that already ended (duplicate, timeout) → nothing done;
 * a duplicate for an instance already in service completes without error ("No active Lifecycle Action
 * found" = already done). A failed AWS call during a poll is retried at the next poll. Launching into a warm pool → CONTINUE at once, no Vault call. While no node of
 * the cluster is initialized (first deploy, before `vault operator init`) → CONTINUE with reason
 * cluster-uninitialized, so the group does not replace instances in a loop. Verifications of different
 * instances are independent invocations and hold no lock: they run in parallel.
 */
public final class LaunchingHandler implements RequestStreamHandler {
    static final String NAME = "launching";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration GROUP_REFRESH = Duration.ofSeconds(15);

    private final HandlerRuntime runtime;
    private final ClusterAccess access;

    public LaunchingHandler() {
        this(HandlerRuntime.fromEnvironment());
    }

    public LaunchingHandler(HandlerRuntime runtime) {
        this.runtime = runtime;
        this.access = new ClusterAccess(runtime);
    }

    /** What the invocation did; also its JSON output. */
    public record Outcome(String instanceId, String action, String reason, String completion, long latencyMs,
                          int polls, String detail, String readyObservedAt) {
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        Duration remaining = context == null ? Duration.ofMinutes(15) : Duration.ofMillis(context.getRemainingTimeInMillis());
        JSON.writeValue(output, handle(input.readAllBytes(), remaining));
    }

    public Outcome handle(byte[] input, Duration remaining) {
        Instant started = runtime.clock().instant();
        LifecycleEvent event = EventIntake.parse(runtime, NAME, input, LifecycleEvent.Kind.LAUNCH);
        if (EventIntake.foreign(runtime, NAME, event)) {
            return new Outcome(event.instanceId(), "IGNORED", "foreign-group", "none", 0, 0,
                    EventIntake.foreignDetail(event), null);
        }
        LifecycleActions actions = new LifecycleActions(runtime.autoScaling(), event, runtime.clock(),
                runtime.settings().heartbeatInterval());
        if (event.intoWarmPool()) {
            return finish(event, actions, started, "CONTINUE", "warm-pool", 0,
                    "launching into the warm pool: the node must not join while warm", null);
        }
        if (!actions.stillOpen()) {
            return finish(event, actions, started, LifecycleActions.NONE, "already-ended", 0,
                    "the lifecycle action had already ended (completed by an earlier delivery, or timed out)", null);
        }
        Deadline deadline = Deadline.after(runtime.clock(), remaining, runtime.settings().safetyMargin())
                .within(runtime.settings().launchMaxWait());
        LaunchReadiness.Expectations expected = new LaunchReadiness.Expectations(runtime.settings().nonVoters(),
                runtime.settings().expectedVaultVersion());

        String reason = "unreachable";
        String detail = "not observed yet";
        int polls = 0;
        ClusterAccess.Groups groups = null;
        Instant groupsAt = Instant.MIN;
        while (true) {
            polls++;
            LaunchReadiness.Verdict verdict;
            try {
                Instant now = runtime.clock().instant();
                if (groups == null || Duration.between(groupsAt, now).compareTo(GROUP_REFRESH) >= 0) {
                    groups = access.groups();
                    groupsAt = now;
                }
                verdict = poll(event, groups, expected, deadline, actions);
            } catch (RuntimeException e) {
                // An AWS API failure (throttling, a network error): one failed poll proves nothing about the
                // node, so keep polling; if it is still failing at the deadline, that is the reason reported.
                verdict = new LaunchReadiness.Waiting("observation-failed", e.getClass().getSimpleName() + ": " + e.getMessage());
            }
            if (!(verdict instanceof LaunchReadiness.Waiting waiting)) {
                Instant readyAt = runtime.clock().instant();
                return finish(event, actions, started, "CONTINUE", verdict.reason(), polls,
                        "after " + polls + " poll(s)", readyAt);
            }
            reason = waiting.reason();
            detail = waiting.detail();
            actions.heartbeatIfDue();
            if (actions.endedElsewhere()) {
                return finish(event, actions, started, LifecycleActions.NONE, "already-ended", polls,
                        "the lifecycle action ended before verification finished (last: " + reason + ")", null);
            }
            if (!deadline.sleep(runtime.settings().launchPollInterval())) {
                break;
            }
        }
        return finish(event, actions, started, "ABANDON", reason, polls, detail, null);
    }

    private LaunchReadiness.Verdict poll(LifecycleEvent event, ClusterAccess.Groups groups,
                                         LaunchReadiness.Expectations expected, Deadline deadline,
                                         LifecycleActions actions) {
        String id = event.instanceId();
        Optional<ClusterInstance> self = groups.instance(id);
        Optional<String> ip = self.flatMap(ClusterInstance::privateIp);
        if (ip.isEmpty()) {
            Map<String, Ec2Port.Instance> described = runtime.ec2().describe(List.of(id));
            ip = Optional.ofNullable(described.get(id)).flatMap(Ec2Port.Instance::privateIp);
        }
        NodeHealth node = ip.map(address -> runtime.vault().health(id, address))
                .orElse(NodeHealth.unreachable(id, "", "no private IP yet"));

        List<ClusterInstance> others = new ArrayList<>(ClusterAccess.preferenceOrder(groups.instances(), Optional.of(id)))
                .stream().filter(i -> !i.instanceId().equals(id)).filter(i -> !i.terminating()).toList();
        if (!node.initialized()) {
            // Is this the first deploy? Only if every other running node answers and none is initialized.
            Map<String, NodeHealth> health = access.probe(others);
            boolean othersInitialized = health.values().stream().anyMatch(NodeHealth::initialized);
            boolean uninitialized = node.answered() && health.values().stream().allMatch(NodeHealth::answered)
                    && !othersInitialized;
            return LaunchReadiness.evaluate(id, new LaunchReadiness.Observation(node, uninitialized, othersInitialized,
                    Reachability.UNREACHABLE, Optional.empty()), expected, runtime.clock().instant());
        }
        if (!node.unsealed()) {
            return LaunchReadiness.evaluate(id, new LaunchReadiness.Observation(node, false, true,
                    Reachability.UNREACHABLE, Optional.empty()), expected, runtime.clock().instant());
        }
        // Read the cluster's view through the established members first, the new node last.
        List<ClusterInstance> candidates = new ArrayList<>(others);
        self.ifPresent(candidates::add);
        ClusterAccess.Observation observation = access.observe(candidates, deadline.within(Duration.ofSeconds(30)),
                actions::heartbeatIfDue);
        return LaunchReadiness.evaluate(id, new LaunchReadiness.Observation(node, false, true,
                observation.reachability(), observation.view()), expected, runtime.clock().instant());
    }

    private Outcome finish(LifecycleEvent event, LifecycleActions actions, Instant started, String result,
                           String reason, int polls, String detail, Instant readyAt) {
        AutoScalingPort.Completion completion = actions.complete(result);
        long latency = Duration.between(started, runtime.clock().instant()).toMillis();
        DecisionLog.Line line = runtime.log().line(NAME, "decision")
                .field("instance", event.instanceId())
                .field("group", event.groupName())
                .field("eventId", event.eventId())
                .field("origin", event.origin().orElse(null))
                .field("destination", event.destination().orElse(null))
                .field("action", result)
                .field("Reason", reason)
                .field("polls", polls)
                .field("heartbeats", actions.heartbeats())
                .field("heartbeatFailures", actions.failedHeartbeats())
                .field("completion", completion.name())
                .field("latencyMs", latency)
                .field("detail", detail)
                .metric(MetricName.DECISION_LATENCY_MS, latency);
        LifecycleActions.count(line, result);
        line.emit(runtime.clock().instant());
        return new Outcome(event.instanceId(), result, reason, completion.name(), latency, polls, detail,
                readyAt == null ? null : readyAt.toString());
    }
}
