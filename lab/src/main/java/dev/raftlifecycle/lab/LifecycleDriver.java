package dev.raftlifecycle.lab;

import com.fasterxml.jackson.databind.JsonNode;
import dev.raftlifecycle.rig.EventBridgeEvents;
import dev.raftlifecycle.rig.LifecycleRecorder;
import dev.raftlifecycle.rig.VaultCluster;
import dev.raftlifecycle.rig.VaultNode;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Plays Auto Scaling and EventBridge on one machine. Terminating an instance puts it in Terminating:Wait,
 * delivers the terminate event (the JSON EventBridge would send) to the terminating handler and waits for
 * its CompleteLifecycleAction; on CONTINUE the Vault process stops and the instance terminates in the
 * emulator, the group's replacement instance gets a Vault process and its launch event goes to the
 * launching handler; it is InService only after CONTINUE (after ABANDON the group replaces it, twice at
 * most here). A terminate ABANDON retains the instance (TerminateHookAbandon = retain).
 */
final class LifecycleDriver {
    private static final Duration WAIT = Duration.ofMinutes(16);
    private static final int LAUNCH_ATTEMPTS = 3;

    private final LabEnvironment lab;
    private final VaultCluster cluster;
    private final Map<String, String> states = new ConcurrentHashMap<>();

    LifecycleDriver(LabEnvironment lab) {
        this.lab = lab;
        this.cluster = lab.cluster;
        cluster.nodes().forEach(n -> states.put(n.instanceId(), "InService"));
    }

    /** The driver's lifecycle state of an instance (InService, Terminating:Wait, Pending:Wait, ...). */
    String state(String instanceId) {
        return states.getOrDefault(instanceId, "InService");
    }

    Map<String, String> states() {
        return Map.copyOf(states);
    }

    /** One launch: the handler's verdict and how long it took. */
    record Launch(String instanceId, String result, String reason, Duration took) {
    }

    /** One termination through the full lifecycle path. */
    record Termination(String instanceId, String result, String reason, boolean peerRemoved, boolean steppedDown,
                       Duration handlerTime, Optional<Launch> replacement, Duration total) {
    }

    Termination terminate(String instanceId) {
        Instant started = Instant.now();
        VaultNode node = cluster.node(instanceId);
        states.put(instanceId, "Terminating:Wait");
        lab.timeline.mark("terminate " + instanceId);
        LifecycleRecorder.LifecycleAction action = cluster.openTermination(instanceId);
        JsonNode output = lab.invoke("terminating", EventBridgeEvents.forAction(action));
        String result = lab.rig.recorder().awaitOutcome(action.token(), WAIT).orElse("TIMEOUT");
        Duration handlerTime = Duration.between(started, Instant.now());
        if (!"CONTINUE".equals(result)) {
            // TerminateHookAbandon = retain: the instance stays for an operator, Vault keeps running.
            states.put(instanceId, "Terminating:Retained");
            lab.timeline.mark("retained " + instanceId);
            return new Termination(instanceId, result, output.path("reason").asText(), false, false, handlerTime,
                    Optional.empty(), Duration.between(started, Instant.now()));
        }
        node.stop(); // the instance shuts down: systemd stops Vault
        String replacement = cluster.finishTermination(instanceId);
        states.put(instanceId, "Terminated");
        Launch launch = launch(replacement);
        return new Termination(instanceId, result, output.path("reason").asText(),
                output.path("peerRemoved").asBoolean(), output.path("steppedDown").asBoolean(), handlerTime,
                Optional.of(launch), Duration.between(started, Instant.now()));
    }

    /** Boots Vault on a new instance of a group and runs the launch hook; replaces it after an ABANDON. */
    Launch launch(String instanceId) {
        String current = instanceId;
        Launch last = null;
        for (int attempt = 1; attempt <= LAUNCH_ATTEMPTS; attempt++) {
            Instant started = Instant.now();
            states.put(current, "Pending:Wait");
            lab.timeline.mark("launch " + current);
            String group = groupOf(current);
            LifecycleRecorder.LifecycleAction action = cluster.openLaunch(group, current);
            cluster.startNode(current);
            JsonNode output = lab.invoke("launching", EventBridgeEvents.forAction(action));
            String result = lab.rig.recorder().awaitOutcome(action.token(), WAIT).orElse("TIMEOUT");
            last = new Launch(current, result, output.path("reason").asText(), Duration.between(started, Instant.now()));
            if ("CONTINUE".equals(result)) {
                states.put(current, "InService");
                lab.timeline.mark("in service " + current);
                return last;
            }
            // ABANDON on launch: Auto Scaling terminates the instance and launches another.
            states.put(current, "Terminated");
            String next = cluster.finishTermination(current);
            current = next;
        }
        return last;
    }

    /**
     * A crash or a Spot loss: SIGKILL, no lifecycle event. With {@code instanceLost} the instance is also
     * terminated (no hook runs), so its peer becomes stale and the reconciler must remove it; the group then
     * launches a replacement through the launch hook.
     */
    String kill(String instanceId, boolean instanceLost) {
        VaultNode node = cluster.node(instanceId);
        node.kill();
        lab.timeline.mark("kill " + instanceId);
        if (!instanceLost) {
            states.put(instanceId, "InService (process dead)");
            return "killed the Vault process of " + instanceId + " (the instance keeps running)";
        }
        // The instance is gone (no hook runs for a Spot interruption) and Auto Scaling launches a replacement,
        // which goes through the launch hook; the dead peer stays in Raft until the reconciler removes it.
        String replacement = cluster.finishTermination(instanceId);
        states.put(instanceId, "Terminated (lost)");
        Thread replace = new Thread(() -> {
            try {
                Thread.sleep(3000); // the group's health check notices the loss
                launch(replacement);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                lab.timeline.mark("replacement " + replacement + " failed: " + e.getMessage());
            }
        }, "lab-replace-" + instanceId);
        replace.setDaemon(true);
        replace.start();
        return "killed " + instanceId + " and terminated its instance without a lifecycle hook (a Spot loss);"
                + " the group launches a replacement through the launch hook, and the publisher's reconciler removes"
                + " the dead peer after the grace period (30 s in the lab) — watch scripts/lab status";
    }

    private String groupOf(String instanceId) {
        return cluster.groupNames().stream().filter(g -> cluster.groupInstanceIds(g).contains(instanceId))
                .findFirst().orElseThrow(() -> new IllegalStateException(instanceId + " is in none of the groups"));
    }
}
