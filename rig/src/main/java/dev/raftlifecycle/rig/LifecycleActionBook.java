package dev.raftlifecycle.rig;

import dev.raftlifecycle.rig.LifecycleRecorder.HeartbeatHook;
import dev.raftlifecycle.rig.LifecycleRecorder.LifecycleAction;
import dev.raftlifecycle.rig.LifecycleRecorder.LifecycleCall;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Auto Scaling lifecycle actions the test or the lab opened, as Auto Scaling keeps them: open until completed or
 * expired, then an outcome; and the answers to the two lifecycle calls moto lacks (CompleteLifecycleAction and
 * RecordLifecycleActionHeartbeat), with the heartbeat hooks and refusals a test installs. An action's state shows in
 * the {@link AwsViewOverlays}; every lifecycle call is recorded in the {@link CallRecord}.
 */
final class LifecycleActionBook {
    /** An answer to a lifecycle call: HTTP status and Auto Scaling's XML. */
    record Answer(int status, String xml) {
    }

    private final AwsViewOverlays views;
    private final CallRecord calls;
    private final Map<String, LifecycleAction> open = new ConcurrentHashMap<>();
    private final Map<String, String> outcomes = new ConcurrentHashMap<>();
    private final Object completion = new Object();
    private final Map<String, HeartbeatHook> heartbeatHooks = new ConcurrentHashMap<>();
    /** Per token: how many more heartbeats to refuse, and with which error code. */
    private final Map<String, java.util.Deque<String>> refusedHeartbeats = new ConcurrentHashMap<>();
    private final Map<String, Integer> heartbeatCounts = new ConcurrentHashMap<>();

    LifecycleActionBook(AwsViewOverlays views, CallRecord calls) {
        this.views = views;
        this.calls = calls;
    }

    LifecycleAction open(String groupName, String hookName, String instanceId, String transition, String token) {
        LifecycleAction action = new LifecycleAction(token, groupName, hookName, instanceId, transition, Instant.now());
        open.put(action.token(), action);
        views.lifecycleState(instanceId, terminating(transition) ? "Terminating:Wait" : "Pending:Wait");
        return action;
    }

    private static boolean terminating(String transition) {
        return transition.endsWith("TERMINATING");
    }

    /** Ends an action without a result, as the heartbeat timeout would (the default result, ABANDON, applies). */
    void expire(String token) {
        LifecycleAction action = open.remove(token);
        outcomes.putIfAbsent(token, "EXPIRED");
        if (action != null) {
            ended(action, "ABANDON");
        }
        synchronized (completion) {
            completion.notifyAll();
        }
    }

    /** What Auto Scaling shows once an action ends with a result (the groups retain on a terminate ABANDON). */
    private void ended(LifecycleAction action, String result) {
        if (terminating(action.transition())) {
            views.lifecycleState(action.instanceId(), "ABANDON".equals(result) ? "Terminating:Retained" : "Terminating:Proceed");
        } else if ("CONTINUE".equals(result)) {
            views.lifecycleState(action.instanceId(), null);
        } else {
            views.lifecycleState(action.instanceId(), "Terminating");
        }
    }

    void onHeartbeat(String token, HeartbeatHook hook) {
        heartbeatHooks.put(token, hook);
    }

    void refuseHeartbeats(String token, int count, String code) {
        java.util.Deque<String> queue = refusedHeartbeats.computeIfAbsent(token, t -> new java.util.concurrent.ConcurrentLinkedDeque<>());
        for (int i = 0; i < count; i++) {
            queue.add(code);
        }
    }

    boolean tokenUsed(String token) {
        return open.containsKey(token) || outcomes.containsKey(token);
    }

    boolean isOpen(String token) {
        return open.containsKey(token);
    }

    List<LifecycleAction> openActions() {
        return List.copyOf(open.values());
    }

    Optional<String> outcome(String token) {
        return Optional.ofNullable(outcomes.get(token));
    }

    /** Waits until the action is completed (or expires); returns its result. */
    Optional<String> awaitOutcome(String token, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        synchronized (completion) {
            while (!outcomes.containsKey(token)) {
                long left = Duration.between(Instant.now(), deadline).toMillis();
                if (left <= 0) {
                    return Optional.empty();
                }
                try {
                    completion.wait(Math.min(left, 200));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return Optional.empty();
                }
            }
        }
        return Optional.of(outcomes.get(token));
    }

    /**
     * Answers CompleteLifecycleAction or RecordLifecycleActionHeartbeat (an allowed call: moto checked it first) as
     * Auto Scaling would, and records the call.
     */
    Answer answer(String action, Map<String, String> params) {
        String token = params.get("LifecycleActionToken");
        String group = params.get("AutoScalingGroupName");
        String hook = params.get("LifecycleHookName");
        String instance = params.get("InstanceId");
        String result = params.get("LifecycleActionResult");
        java.util.Deque<String> refusals = token == null ? null : refusedHeartbeats.get(token);
        String refusal = "RecordLifecycleActionHeartbeat".equals(action) && refusals != null ? refusals.poll() : null;
        if (refusal != null) {
            calls.add(new LifecycleCall(action, group, hook, token, instance, null, false, Instant.now()));
            boolean denied = "AccessDenied".equals(refusal);
            return new Answer(denied ? 403 : 400, "<ErrorResponse xmlns=\"http://autoscaling.amazonaws.com/doc/2011-01-01/\">"
                    + "<Error><Type>Sender</Type><Code>" + refusal + "</Code><Message>" + (denied
                    ? "User is not authorized to perform: autoscaling:RecordLifecycleActionHeartbeat" : "Rate exceeded")
                    + "</Message></Error><RequestId>" + UUID.randomUUID() + "</RequestId></ErrorResponse>");
        }
        if ("RecordLifecycleActionHeartbeat".equals(action) && token != null && open.containsKey(token)) {
            HeartbeatHook beforeAnswer = heartbeatHooks.get(token);
            int ordinal = heartbeatCounts.merge(token, 1, Integer::sum);
            if (beforeAnswer != null && beforeAnswer.onHeartbeat(ordinal)) {
                expire(token);
            }
        }
        LifecycleAction match = token != null ? open.get(token) : open.values().stream()
                .filter(a -> a.instanceId().equals(instance) && a.groupName().equals(group) && a.hookName().equals(hook))
                .findFirst().orElse(null);
        String error = null;
        if (match == null || !match.groupName().equals(group) || !match.hookName().equals(hook)) {
            error = "No active Lifecycle Action found with token " + token;
        } else if ("CompleteLifecycleAction".equals(action) && !"CONTINUE".equals(result) && !"ABANDON".equals(result)) {
            error = "Invalid LifecycleActionResult: " + result;
        }
        calls.add(new LifecycleCall(action, group, hook, token, instance, result, error == null, Instant.now()));
        if (error != null) {
            return new Answer(400, "<ErrorResponse xmlns=\"http://autoscaling.amazonaws.com/doc/2011-01-01/\"><Error>"
                    + "<Type>Sender</Type><Code>ValidationError</Code><Message>" + xml(error) + "</Message></Error>"
                    + "<RequestId>" + UUID.randomUUID() + "</RequestId></ErrorResponse>");
        }
        if ("CompleteLifecycleAction".equals(action)) {
            open.remove(match.token());
            outcomes.put(match.token(), result);
            ended(match, result);
            synchronized (completion) {
                completion.notifyAll();
            }
        }
        return new Answer(200, "<" + action + "Response xmlns=\"http://autoscaling.amazonaws.com/doc/2011-01-01/\"><"
                + action + "Result/><ResponseMetadata><RequestId>" + UUID.randomUUID()
                + "</RequestId></ResponseMetadata></" + action + "Response>");
    }

    private static String xml(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
