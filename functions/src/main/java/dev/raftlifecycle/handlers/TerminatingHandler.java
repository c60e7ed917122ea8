package dev.raftlifecycle.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raftlifecycle.contract.MetricName;
import dev.raftlifecycle.decisions.ClusterInstance;
import dev.raftlifecycle.decisions.PeerMatch;
import dev.raftlifecycle.decisions.RaftPeer;
import dev.raftlifecycle.decisions.TerminationDecision;
import dev.raftlifecycle.events.LifecycleEvent;
import dev.raftlifecycle.ports.AutoScalingPort;
import dev.raftlifecycle.ports.MutationLock;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * EC2_INSTANCE_TERMINATING → remove the instance's peer from Raft when that is safe (stepping the leader
 * down first), confirm it is gone, and let the instance go (CONTINUE). When it is unsafe or impossible to
 * tell — no leader, quorum would break, ambiguous match, cluster unreachable or TLS failure — ABANDON,
 * which with the group's TerminateHookAbandon=retain policy keeps the instance for an operator.
 *
 * <p>Input handling: a malformed event, a wrong detail-type or transition, a missing or non-string field
 * fails the invocation with the field named (no Vault or AWS call; EventBridge's bounded retries then the
 * dead-letter queue make it visible). An event for a group that is not this cluster's is ignored with one
 * log line and no call. An opening heartbeat tells whether the action is still open: if it already ended
 * (a late duplicate, or it timed out) nothing is changed or completed. An instance that is no longer a member
 * (a duplicate racing the first delivery, never joined) completes CONTINUE without removal; "No active Lifecycle
 * Action found" when completing means it was already done. Check-then-remove
 * runs under the cluster's lock in DynamoDB, so concurrent terminations and the reconciler never interleave.
 */
public final class TerminatingHandler implements RequestStreamHandler {
    static final String NAME = "terminating";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HandlerRuntime runtime;
    private final ClusterAccess access;
    private final PeerRemoval removal;

    /** Lambda entry: configuration from the environment, validated at cold start. */
    public TerminatingHandler() {
        this(HandlerRuntime.fromEnvironment());
    }

    public TerminatingHandler(HandlerRuntime runtime) {
        runtime.settings().requireLockTable(); // fail the cold start, not the first termination
        this.runtime = runtime;
        this.access = new ClusterAccess(runtime);
        this.removal = new PeerRemoval(runtime, access);
    }

    /** What the invocation did; also its JSON output. */
    public record Outcome(String instanceId, String action, String reason, String peer, boolean steppedDown,
                          boolean peerRemoved, String completion, long latencyMs, String detail) {
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        Duration remaining = context == null ? Duration.ofMinutes(5) : Duration.ofMillis(context.getRemainingTimeInMillis());
        Outcome outcome = handle(input.readAllBytes(), remaining);
        JSON.writeValue(output, outcome);
    }

    public Outcome handle(byte[] input, Duration remaining) {
        Instant started = runtime.clock().instant();
        LifecycleEvent event = EventIntake.parse(runtime, NAME, input, LifecycleEvent.Kind.TERMINATE);
        if (EventIntake.foreign(runtime, NAME, event)) {
            return new Outcome(event.instanceId(), "IGNORED", "foreign-group", null, false, false, "none", 0,
                    EventIntake.foreignDetail(event));
        }
        Deadline deadline = Deadline.after(runtime.clock(), remaining, runtime.settings().safetyMargin());
        LifecycleActions actions = new LifecycleActions(runtime.autoScaling(), event, runtime.clock(),
                runtime.settings().heartbeatInterval());
        MutationLock lock = runtime.lock();
        String owner = NAME + ":" + event.instanceId() + ":" + UUID.randomUUID();

        String result;
        String reason;
        String detail;
        Optional<RaftPeer> peer = Optional.empty();
        PeerRemoval.Result execution = PeerRemoval.Result.NONE;
        Instant lockedAt = null;
        Instant releasedAt = null;
        int attempts = 0;
        boolean locked = false;
        try {
            if (!actions.stillOpen()) {
                // A late duplicate, or an action that timed out: the group has already decided this instance's
                // fate (with the retain policy an expired action keeps it, Vault running). Change nothing.
                result = LifecycleActions.NONE;
                reason = "already-ended";
                detail = "the lifecycle action had already ended (completed by an earlier delivery, or timed out)";
            } else if (!(locked = acquire(lock, owner, deadline, actions))) {
                result = "ABANDON";
                reason = "lock-timeout";
                detail = "another cluster change held the lock until this invocation's deadline";
            } else {
                lockedAt = runtime.clock().instant();
                ClusterAccess.Groups groups = access.groups();
                Optional<ClusterInstance> target = groups.instance(event.instanceId());
                Optional<String> ip = target.flatMap(ClusterInstance::privateIp)
                        .or(() -> Optional.ofNullable(runtime.ec2().describe(List.of(event.instanceId()))
                                .get(event.instanceId())).flatMap(i -> i.privateIp()));
                boolean decommissioning = groups.desiredCapacity(event.groupName()) == 0;
                List<ClusterInstance> candidates = ClusterAccess.preferenceOrder(groups.instances(),
                        Optional.of(event.instanceId()));
                ClusterAccess.Observation observation = access.observe(candidates, deadline,
                        actions::heartbeatIfDue);
                attempts = observation.attempts();
                Set<String> otherIps = groups.instances().stream()
                        .filter(i -> !i.instanceId().equals(event.instanceId()) && i.running())
                        .flatMap(i -> i.privateIp().stream()).collect(Collectors.toSet());
                PeerMatch match = observation.view()
                        .map(v -> PeerMatch.find(event.instanceId(), ip, v.peers(), otherIps))
                        .orElse(new PeerMatch.NotMember("cluster not observed"));
                TerminationDecision decision = TerminationDecision.decide(new TerminationDecision.Facts(
                        event.instanceId(), observation.reachability(), observation.view(), match, decommissioning));
                peer = decision.peer();
                reason = decision.reason();
                detail = observation.detail() + matchDetail(match)
                        + decision.safety().map(s -> "; voters after " + s.votersAfter() + ", healthy after "
                        + s.healthyVotersAfter() + ", quorum " + s.quorumAfter()).orElse("");
                result = decision.action() == TerminationDecision.Action.ABANDON ? "ABANDON" : "CONTINUE";
                if (decision.action() == TerminationDecision.Action.REMOVE_THEN_CONTINUE) {
                    execution = removal.remove(observation.viaIp().orElseThrow(), decision.peer().orElseThrow().nodeId(),
                            decision.stepDownFirst(), deadline, actions::heartbeatIfDue);
                    if (execution.failure() != null) {
                        detail = detail + "; " + execution.detail();
                        if (decommissioning) {
                            reason = "decommissioning-" + execution.failure();
                        } else {
                            result = "ABANDON";
                            reason = execution.failure();
                        }
                    }
                }
            }
        } catch (RuntimeException e) {
            // An AWS API failure while locking or observing (the removal itself reports its failures as a
            // result): nothing was changed; keep the instance for an operator.
            result = "ABANDON";
            reason = locked ? "observation-failed" : "lock-failed";
            detail = e.getClass().getSimpleName() + ": " + e.getMessage();
        } finally {
            if (locked) {
                lock.release(owner);
                releasedAt = runtime.clock().instant();
            }
        }

        AutoScalingPort.Completion completion = actions.complete(result);
        long latency = Duration.between(started, runtime.clock().instant()).toMillis();
        DecisionLog.Line line = runtime.log().line(NAME, "decision")
                .field("instance", event.instanceId())
                .field("group", event.groupName())
                .field("eventId", event.eventId())
                .field("peer", peer.map(RaftPeer::nodeId).orElse(null))
                .field("peerWasLeader", peer.map(RaftPeer::leader).orElse(null))
                .field("action", result)
                .field("Reason", reason)
                .field("steppedDown", execution.steppedDown())
                .field("peerRemoved", execution.removed())
                .field("completion", completion.name())
                .field("clusterAttempts", attempts)
                .field("heartbeats", actions.heartbeats())
                .field("heartbeatFailures", actions.failedHeartbeats())
                .field("lockWaitMs", lockedAt == null ? null : Duration.between(started, lockedAt).toMillis())
                .field("lockedAt", lockedAt == null ? null : lockedAt.toString())
                .field("unlockedAt", releasedAt == null ? null : releasedAt.toString())
                .field("latencyMs", latency)
                .field("detail", detail)
                .metric(MetricName.DECISION_LATENCY_MS, latency);
        LifecycleActions.count(line, result);
        if (execution.removed()) {
            line.metric(MetricName.PEER_REMOVED, 1);
        }
        line.emit(runtime.clock().instant());
        return new Outcome(event.instanceId(), result, reason, peer.map(RaftPeer::nodeId).orElse(null),
                execution.steppedDown(), execution.removed(), completion.name(), latency, detail);
    }

    private static String matchDetail(PeerMatch match) {
        if (match instanceof PeerMatch.NotMember notMember) {
            return "; " + notMember.why();
        }
        if (match instanceof PeerMatch.Ambiguous ambiguous) {
            return "; " + ambiguous.why();
        }
        if (match instanceof PeerMatch.ByAddress) {
            return "; matched by address";
        }
        return "";
    }

    private boolean acquire(MutationLock lock, String owner, Deadline deadline, LifecycleActions actions) {
        Duration wait = Duration.ofMillis(200);
        while (true) {
            if (lock.tryAcquire(owner, runtime.clock().instant(), deadline.at())) {
                return true;
            }
            actions.heartbeatIfDue();
            if (!deadline.sleep(wait)) {
                return false;
            }
            wait = wait.multipliedBy(2).compareTo(Duration.ofSeconds(2)) > 0 ? Duration.ofSeconds(2) : wait.multipliedBy(2);
        }
    }
}
