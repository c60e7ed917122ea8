package dev.raftlifecycle.rig;

import dev.raftlifecycle.rig.LifecycleRecorder.AwsCall;
import dev.raftlifecycle.rig.LifecycleRecorder.LifecycleCall;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What the AWS front recorded, in order: every AWS call that passed through (caller, service, action) and every
 * lifecycle call it answered (token, result, accepted or not), for tests to assert on.
 */
final class CallRecord {
    private final List<LifecycleCall> lifecycleCalls = new CopyOnWriteArrayList<>();
    private final List<AwsCall> awsCalls = new CopyOnWriteArrayList<>();

    void add(LifecycleCall call) {
        lifecycleCalls.add(call);
    }

    void add(AwsCall call) {
        awsCalls.add(call);
    }

    List<LifecycleCall> lifecycleCalls() {
        return List.copyOf(lifecycleCalls);
    }

    List<LifecycleCall> lifecycleCalls(String token) {
        return lifecycleCalls.stream().filter(c -> token.equals(c.token())).toList();
    }

    List<AwsCall> awsCalls() {
        return List.copyOf(awsCalls);
    }

    List<AwsCall> awsCallsBy(String accessKeyId) {
        return awsCalls.stream().filter(c -> c.accessKeyId().equals(accessKeyId)).toList();
    }

    Map<String, Integer> awsCallCounts() {
        Map<String, Integer> counts = new HashMap<>();
        for (AwsCall call : awsCalls) {
            counts.merge(call.service() + ":" + call.action(), 1, Integer::sum);
        }
        return counts;
    }

    void clear() {
        lifecycleCalls.clear();
        awsCalls.clear();
    }
}
