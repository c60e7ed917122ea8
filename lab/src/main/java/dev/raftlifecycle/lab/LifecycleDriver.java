package dev.raftlifecycle.lab;

import com.fasterxml.jackson.databind.JsonNode;
import dev.raftlifecycle.contract.Ec2Events;
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
 * most here). A terminate ABANDON retains the instance (TerminateHookAbandon = retain) and, as in AWS, the group
 * launches a replacement for it (a retained instance does not count toward desired capacity); terminating a retained
 * instance later runs the hook again and, on CONTINUE, terminates it without a further replacement.
 */
final class LifecycleDriver {
    private static final Duration WAIT = Duration.ofMinutes(16);
    private static final int LAUNCH_ATTEMPTS = 3;
    static final String RETAINED = "Terminating:Retained";

    private final LabEnvironment lab;
    private final VaultCluster cluster;
    private final Map<String, String> states = new ConcurrentHashMap<>();
    private volatile Activities activities = Activities.NONE;

    /**
     * Told of each launch and termination as it starts and ends (the Auto Scaling stand-in keeps them as scaling
     * activities, and records each new instance's launch template version).
     */
    interface Activities {
        Activities NONE = new Activities() {
            @Override
            public void started(String instanceId, String group, boolean launch) {
            }

            @Override
            public void ended(String instanceId, String group, boolean launch, String result, String reason, String token) {
            }
        };

        void started(String instanceId, String group, boolean launch);

        /** {@code result}: CONTINUE, ABANDON or TIMEOUT; {@code token}: the lifecycle action's. */
        void ended(String instanceId, String group, boolean launch, String result, String reason, String token);
    }

    void activities(Activities listener) {
        this.activities = listener;
    }

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

    /**
     * A replayed event: the token its action is opened with, and the event to deliver for that action (the replayed
     * JSON with the lab's instance, group, hook and token filled in).
     */
    record Replay(String token, java.util.function.Function<LifecycleRecorder.LifecycleAction, byte[]> event) {
    }

    Termination terminate(String instanceId) {
        return terminate(instanceId, null);
    }

    /** The full terminate path; with a replay, its token and event instead of a generated one. */
    Termination terminate(String instanceId, Replay replay) {
        return terminate(instanceId, replay, true);
    }

    /**
     * The full terminate path. {@code replace} false: as TerminateInstanceInAutoScalingGroup with
     * ShouldDecrementDesiredCapacity: after CONTINUE the instance goes and the group's desired capacity with it (no
     * replacement); after ABANDON it is retained and, desired capacity lowered already, not replaced either.
     */
    Termination terminate(String instanceId, Replay replay, boolean replace) {
        lab.requireAdopted("terminate " + instanceId);
        Instant started = Instant.now();
        VaultNode node = cluster.node(instanceId);
        boolean wasRetained = RETAINED.equals(states.get(instanceId));
        states.put(instanceId, "Terminating:Wait");
        lab.timeline.mark("terminate", instanceId, "terminate " + instanceId + (replace ? "" : " (desired -1)"));
        activities.started(instanceId, node.groupName(), false);
        LifecycleRecorder.LifecycleAction action = replay == null ? cluster.openTermination(instanceId)
                : lab.rig.recorder().open(node.groupName(), cluster.terminateHook(), instanceId,
                dev.raftlifecycle.contract.LifecycleEvents.TERMINATING_TRANSITION, replay.token());
        JsonNode output = lab.invoke("terminating", replay == null ? EventBridgeEvents.forAction(action)
                : replay.event().apply(action));
        String result = lab.rig.recorder().awaitOutcome(action.token(), WAIT).orElse("TIMEOUT");
        Duration handlerTime = Duration.between(started, Instant.now());
        lab.timeline.mark("CONTINUE".equals(result) ? "continue" : "abandon", instanceId,
                result + " " + output.path("reason").asText() + " (terminate " + instanceId + ")");
        activities.ended(instanceId, node.groupName(), false, result, output.path("reason").asText(), action.token());
        if (!"CONTINUE".equals(result)) {
            // TerminateHookAbandon = retain: the instance stays for an operator, Vault keeps running. It no longer
            // counts toward the desired capacity, so the group launches a replacement (once per retained instance);
            // unless the termination lowered desired capacity: then nothing is missing.
            states.put(instanceId, RETAINED);
            if (!wasRetained && replace) {
                launchInBackground(replaceRetained(node.groupName()));
            } else if (!wasRetained) {
                lab.rig.recorder().adjustDesiredCapacity(node.groupName(), -1); // moto still counts it
            }
            return new Termination(instanceId, result, output.path("reason").asText(), false, false, handlerTime,
                    Optional.empty(), Duration.between(started, Instant.now()));
        }
        node.stop(); // the instance shuts down: systemd stops Vault
        if (wasRetained || !replace) {
            // Retained: its replacement was launched when it was retained (or desired capacity went down with it
            // then), it goes without another one. Not to be replaced: it goes, desired capacity with it.
            cluster.retireInstance(instanceId);
            if (wasRetained) {
                lab.rig.recorder().adjustDesiredCapacity(node.groupName(), 1);
            }
            states.put(instanceId, "Terminated");
            return new Termination(instanceId, result, output.path("reason").asText(),
                    output.path("peerRemoved").asBoolean(), output.path("steppedDown").asBoolean(), handlerTime,
                    Optional.empty(), Duration.between(started, Instant.now()));
        }
        String replacement = cluster.finishTermination(instanceId);
        states.put(instanceId, "Terminated");
        Launch launch = launch(replacement);
        return new Termination(instanceId, result, output.path("reason").asText(),
                output.path("peerRemoved").asBoolean(), output.path("steppedDown").asBoolean(), handlerTime,
                Optional.of(launch), Duration.between(started, Instant.now()));
    }

    /**
     * The replacement Auto Scaling launches for a retained instance. moto still counts the retained instance, so its
     * desired capacity goes up by one and the recorder shows one less (what AWS would show).
     */
    private String replaceRetained(String group) {
        String replacement = cluster.launchInstance(group);
        lab.rig.recorder().adjustDesiredCapacity(group, -1);
        return replacement;
    }

    /** Boots Vault on a new instance of a group and runs the launch hook; replaces it after an ABANDON. */
    Launch launch(String instanceId) {
        return launch(instanceId, null, true);
    }

    /**
     * The launch path for an instance the group has just launched: its Vault boots (unless {@code boot} is false: an
     * instance whose first boot never starts Vault), its launch action opens (with the replay's token and event, if
     * any) and the launching handler decides; after an ABANDON the group replaces it (a replay: once, no further
     * replacement is replayed).
     */
    Launch launch(String instanceId, Replay replay, boolean boot) {
        lab.requireAdopted("launch " + instanceId);
        String current = instanceId;
        Launch last = null;
        for (int attempt = 1; attempt <= (replay == null ? LAUNCH_ATTEMPTS : 1); attempt++) {
            Instant started = Instant.now();
            states.put(current, "Pending:Wait");
            lab.timeline.mark("launch", current, "launch " + current);
            String group = groupOf(current);
            activities.started(current, group, true);
            LifecycleRecorder.LifecycleAction action = replay == null ? cluster.openLaunch(group, current)
                    : lab.rig.recorder().open(group, cluster.launchHook(), current,
                    dev.raftlifecycle.contract.LifecycleEvents.LAUNCHING_TRANSITION, replay.token());
            if (boot) {
                cluster.startNode(current);
            }
            JsonNode output = lab.invoke("launching", replay == null ? EventBridgeEvents.forAction(action)
                    : replay.event().apply(action));
            String result = lab.rig.recorder().awaitOutcome(action.token(), WAIT).orElse("TIMEOUT");
            last = new Launch(current, result, output.path("reason").asText(), Duration.between(started, Instant.now()));
            lab.timeline.mark("CONTINUE".equals(result) ? "continue" : "abandon", current,
                    result + " " + last.reason() + " (launch " + current + ")");
            activities.ended(current, group, true, result, last.reason(), action.token());
            if ("CONTINUE".equals(result)) {
                states.put(current, "InService");
                return last;
            }
            // ABANDON on launch: Auto Scaling terminates the instance and launches another.
            states.put(current, "Terminated");
            String next = boot ? cluster.finishTermination(current) : cluster.replaceInstance(current, group);
            current = next;
            if (replay != null) {
                // The group's own replacement of a replayed launch is not part of the replay: boot it normally.
                launchInBackground(next);
            }
        }
        return last;
    }

    /** A new instance in the group (desired capacity + 1), whose launch goes through the replay. */
    Launch launchNew(String group, Replay replay, boolean boot) {
        String id = cluster.launchInstance(group);
        return launch(id, replay, boot);
    }

    /** The launch path in a thread of its own; the instance shows Pending from now until its launch action opens. */
    void launchInBackground(String instanceId) {
        states.put(instanceId, "Pending");
        Thread t = new Thread(() -> {
            try {
                launch(instanceId);
            } catch (RuntimeException | Error e) {
                // Said where an operator looks: the instance would otherwise sit in Pending:Wait with no word of why.
                lab.timeline.mark("replacement " + instanceId + " failed: " + e);
                System.err.println("lab: the launch path of " + instanceId + " failed: " + e);
            }
        }, "lab-launch-" + instanceId);
        t.setDaemon(true);
        t.start();
    }

    /** Starts the Vault process of an instance whose process died (a crash), with its data, as systemd would. */
    String restart(String instanceId) {
        VaultNode node = cluster.node(instanceId);
        if (node.running()) {
            throw new IllegalArgumentException("the Vault process of " + instanceId + " is running; restart brings back"
                    + " a killed process (scripts/lab kill --process-only)");
        }
        cluster.restartNode(instanceId);
        states.put(instanceId, "InService");
        lab.timeline.mark("restart", instanceId, "restart " + instanceId);
        return "restarted the Vault process of " + instanceId + " with its data (health " + cluster.healthCode(node) + ")";
    }

    /**
     * A crash or a Spot loss: SIGKILL, no lifecycle event. With {@code instanceLost} the instance is also
     * terminated (no hook runs), so its peer becomes stale and the reconciler must remove it; the group then
     * launches a replacement through the launch hook.
     */
    String kill(String instanceId, boolean instanceLost) {
        VaultNode node = cluster.node(instanceId);
        if (instanceLost) {
            lab.requireAdopted("kill " + instanceId);
        }
        if (instanceLost && lab.foreign() && !RETAINED.equals(states.get(instanceId))) {
            return killForeign(node);
        }
        node.kill();
        lab.timeline.mark("crash", instanceId, (instanceLost ? "lost " : "crash ") + instanceId);
        if (!instanceLost) {
            states.put(instanceId, "InService (process dead)");
            return "killed the Vault process of " + instanceId + " (the instance keeps running)";
        }
        String replacement = null;
        if (RETAINED.equals(states.get(instanceId))) {
            // A retained instance lost: it already had its replacement.
            cluster.retireInstance(instanceId);
            lab.rig.recorder().adjustDesiredCapacity(node.groupName(), 1);
        } else {
            // The instance is gone (no hook runs for a Spot interruption or a failed host) and Auto Scaling launches
            // a replacement, which goes through the launch hook.
            replacement = cluster.finishTermination(instanceId);
        }
        states.put(instanceId, "Terminated (lost)");
        // EC2 announces the instance shutting down at once and terminated a moment later: each state change goes to
        // the reconciler, which removes the dead peer without waiting for its schedule.
        JsonNode first = lab.invoke("reconciler", EventBridgeEvents.stateChange(instanceId, Ec2Events.SHUTTING_DOWN));
        lab.timeline.mark(first.path("action").asText().equals("REMOVED") ? "continue" : "note", instanceId,
                "state change shutting-down: " + first.path("action").asText() + " " + first.path("reason").asText()
                        + " (" + instanceId + ")");
        String next = replacement;
        afterTheLoss(instanceId, next == null ? null : () -> launch(next));
        return "killed " + instanceId + " and terminated its instance without a lifecycle hook (a Spot loss, a failed"
                + " host); EC2's state change (shutting-down) went to the reconciler: " + first.path("action").asText()
                + " (" + first.path("reason").asText() + ")" + (next == null ? "; it was retained: no replacement"
                : "; the group launches a replacement through the launch hook — watch scripts/lab status");
    }

    /**
     * The loss of an instance of a foreign cluster, in AWS's order: the instance is gone at once and EC2's state changes
     * go to the reconciler; the group notices the loss at its next health check and launches the replacement after
     * that. The order matters here, where the emulator gives the replacement the lost instance's private IP (and so its
     * DNS name, the peer's address) at once: a peer matched by address is the lost instance's only while no running
     * instance holds the address (the IP-reuse refusal), so the reconciler must see the loss before the replacement
     * exists, as it does in AWS. Auto Scaling's health check replacing the instance is played by a launch into the
     * group once the state changes went out.
     */
    private String killForeign(VaultNode node) {
        String instanceId = node.instanceId();
        String group = node.groupName();
        lab.timeline.mark("crash", instanceId, "lost " + instanceId);
        // Gone without a replacement for now (moto would launch one at once, on the same IP, if EC2 terminated it);
        // the desired capacity shown stays what AWS would show until the replacement comes.
        cluster.retireInstance(instanceId);
        lab.rig.recorder().adjustDesiredCapacity(group, 1);
        states.put(instanceId, "Terminated (lost)");
        JsonNode first = lab.invoke("reconciler", EventBridgeEvents.stateChange(instanceId, Ec2Events.SHUTTING_DOWN));
        lab.timeline.mark(first.path("action").asText().equals("REMOVED") ? "continue" : "note", instanceId,
                "state change shutting-down: " + first.path("action").asText() + " " + first.path("reason").asText()
                        + " (" + instanceId + ")");
        afterTheLoss(instanceId, () -> {
            String replacement = cluster.launchInstance(group);
            lab.rig.recorder().adjustDesiredCapacity(group, -1);
            launch(replacement);
        });
        return "killed " + instanceId + " and terminated its instance without a lifecycle hook (a Spot loss, a failed"
                + " host); EC2's state change (shutting-down) went to the reconciler: " + first.path("action").asText()
                + " (" + first.path("reason").asText() + "); the group launches a replacement through the launch hook"
                + " — watch scripts/lab status";
    }

    /**
     * In the background, after a lost instance's shutting-down state change: its terminated state change to the
     * reconciler, then (when {@code replace} is given) the group's replacement, a moment later as its health check
     * notices the loss. A failure is marked on the timeline.
     */
    private void afterTheLoss(String instanceId, Runnable replace) {
        Thread later = new Thread(() -> {
            try {
                Thread.sleep(STATE_CHANGE_GAP.toMillis());
                lab.invoke("reconciler", EventBridgeEvents.stateChange(instanceId, Ec2Events.TERMINATED));
                if (replace != null) {
                    Thread.sleep(3000); // the group's health check notices the loss
                    replace.run();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                lab.timeline.mark("after the loss of " + instanceId + ": " + e.getMessage());
            }
        }, "lab-replace-" + instanceId);
        later.setDaemon(true);
        later.start();
    }

    /** Between EC2's shutting-down and terminated state changes for an instance the lab kills. */
    private static final Duration STATE_CHANGE_GAP = Duration.ofSeconds(2);

    /**
     * A Spot interruption: the warning (the JSON EventBridge sends) goes to the interruption handler at once; after
     * {@code notice} Spot takes the instance — SIGKILL, the instance terminated (the group replaces it) and its state
     * changes delivered, as {@link #kill} does. Returns the handler's answer; the interruption itself happens in the
     * background.
     */
    String spot(String instanceId, Duration notice) {
        lab.requireAdopted("spot " + instanceId);
        VaultNode node = cluster.node(instanceId);
        if (!node.running() || !states.getOrDefault(instanceId, "InService").startsWith("InService")
                && !RETAINED.equals(states.get(instanceId))) {
            throw new IllegalArgumentException(instanceId + " is " + state(instanceId) + (node.running() ? ""
                    : " (its Vault process is not running)") + ": a Spot interruption is for a running instance");
        }
        if (!dev.raftlifecycle.rig.RigGroups.spot(groupOf(instanceId))) {
            throw new IllegalArgumentException(instanceId + " is an on-demand instance: EC2 sends Spot interruption"
                    + " warnings for Spot instances only (to hand the interruption handler one anyway, as a forged event,"
                    + " use 'invoke interruption lab/examples/spot-interruption.json --instance " + instanceId
                    + " --deliver-only')");
        }
        lab.timeline.mark("warning", instanceId, "spot warning " + instanceId);
        Instant warned = Instant.now();
        // As EC2 does it: the instance's Spot request shows the interruption, and the warning goes out.
        JsonNode answer = lab.invoke("interruption", lab.rig.interruptSpot(instanceId));
        lab.timeline.mark(answer.path("action").asText().equals("REMOVED") ? "continue" : "abandon", instanceId,
                answer.path("action").asText() + " " + answer.path("reason").asText() + " (spot warning " + instanceId + ")");
        Thread interruption = new Thread(() -> {
            try {
                Duration left = notice.minus(Duration.between(warned, Instant.now()));
                if (!left.isNegative()) {
                    Thread.sleep(left.toMillis());
                }
                kill(instanceId, true);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                lab.timeline.mark("spot interruption of " + instanceId + " failed: " + e.getMessage());
            }
        }, "lab-spot-" + instanceId);
        interruption.setDaemon(true);
        interruption.start();
        return String.format(java.util.Locale.ROOT, "spot warning for %s: %s (%s)%s in %.1f s; Spot takes the instance"
                        + " %d s after the warning%n", instanceId, answer.path("action").asText(), answer.path("reason").asText(),
                answer.path("steppedDown").asBoolean() ? ", leader stepped down" : "",
                Duration.between(warned, Instant.now()).toMillis() / 1000.0, notice.toSeconds());
    }

    String groupOf(String instanceId) {
        return cluster.groupNames().stream().filter(g -> cluster.groupInstanceIds(g).contains(instanceId))
                .findFirst().orElseThrow(() -> new IllegalStateException(instanceId + " is in none of the groups"));
    }
}
