package dev.raftlifecycle.lab;

import dev.raftlifecycle.contract.Ec2Events;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.raftlifecycle.contract.LifecycleEvents;
import dev.raftlifecycle.rig.LifecycleRecorder;
import dev.raftlifecycle.rig.VaultNode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * {@code scripts/lab invoke}: replays an event — one captured from EventBridge, or the example the AWS documentation
 * publishes — against the running lab as Auto Scaling and EventBridge would. For a lifecycle event it opens the
 * action the event names (the instance goes to Terminating:Wait or Pending:Wait with the event's token), delivers the
 * event, and carries out what Auto Scaling does with the result: on a terminate CONTINUE the instance stops and the
 * group replaces it; on ABANDON it is retained; on a launch CONTINUE it goes in service, on ABANDON it is replaced.
 * Placeholders are filled in and printed: {@code --instance} names the lab instance (an id, {@code leader},
 * {@code follower}, {@code random}; for a launch, {@code new}), which also sets the event's group and hook; a token
 * that is not a lifecycle token gets a fresh one. Every other field of the event is delivered as written. An event
 * for a group that is not the lab's is delivered as is, with no action opened (the handler ignores it, as it would
 * in AWS). {@code --deliver-only} just delivers, as for duplicate and late-event experiments.
 */
final class EventReplay {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern TOKEN = Pattern.compile("[0-9A-Za-z-]{36}");

    private EventReplay() {
    }

    /** What to replay. */
    record Request(String handler, byte[] event, Optional<String> instance, boolean deliverOnly, boolean noBoot) {
    }

    /** Replays; a bad request throws IllegalArgumentException with one line, and the lab is unchanged. */
    static String run(LabEnvironment lab, Request request) {
        boolean lifecycle = request.handler().equals("terminating") || request.handler().equals("launching");
        if (!lifecycle) {
            if (!List.of("publisher", "reconciler", "interruption").contains(request.handler())) {
                throw new IllegalArgumentException("no handler '" + request.handler()
                        + "': use terminating, launching, publisher, reconciler or interruption");
            }
            if (request.instance().isPresent()) {
                // An EC2 event (state change, Spot warning, rebalance): --instance fills in detail.instance-id.
                ObjectNode event = parse(request.event());
                if (!(event.path("detail") instanceof ObjectNode detail) || !detail.has("instance-id")) {
                    throw new IllegalArgumentException("--instance fills in detail.instance-id of an EC2 event; this"
                            + " event has none");
                }
                String id = resolve(lab, request.instance().get());
                List<String> filled = new ArrayList<>();
                fill(detail, filled, "instance-id", id);
                String note = "";
                if (Ec2Events.SPOT_INTERRUPTION_DETAIL_TYPE.equals(event.path("detail-type").asText())
                        && !request.deliverOnly()) {
                    if (dev.raftlifecycle.rig.RigGroups.spot(lab.driver.groupOf(id))) {
                        // As EC2 does it: the instance's Spot request shows the interruption when the warning goes
                        // out, two minutes before the instance is taken (counted from the event's time).
                        fill(event, filled, "time", java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
                        lab.rig.recorder().spotRequestStatus(id, Ec2Events.SPOT_MARKED_FOR_TERMINATION);
                        note = "ec2: the Spot request of " + id + " marked for termination, as EC2 marks it when it"
                                + " warns (the instance keeps running: scripts/lab spot also takes it)\n";
                    } else {
                        note = id + " is an on-demand instance: EC2 sends no Spot warning for it; delivered as a forged"
                                + " event\n";
                    }
                }
                StringBuilder out = new StringBuilder();
                filled.forEach(f -> out.append("filled in: ").append(f).append('\n'));
                return out + note + deliver(lab, request.handler(), bytes(event));
            }
            return deliver(lab, request.handler(), request.event());
        }
        ObjectNode event = parse(request.event());
        if (request.deliverOnly()) {
            return deliver(lab, request.handler(), request.event());
        }
        boolean terminate = request.handler().equals("terminating");
        String expected = terminate ? LifecycleEvents.TERMINATE_DETAIL_TYPE : LifecycleEvents.LAUNCH_DETAIL_TYPE;
        if (!expected.equals(event.path("detail-type").asText())) {
            // The handler names what is wrong with it, as it would for EventBridge.
            return "not a " + expected + " event: delivered as is\n" + deliver(lab, request.handler(), request.event());
        }
        ObjectNode detail = (ObjectNode) event.path("detail");
        List<String> filled = new ArrayList<>();
        String group = detail.path("AutoScalingGroupName").asText("");
        if (request.instance().isEmpty() && !lab.cluster.groupNames().contains(group)) {
            return "the event's group '" + group + "' is not one of the lab's " + lab.cluster.groupNames()
                    + ": delivered as is, no action opened (AWS would not route it to this cluster's rule; "
                    + "--instance fills in a lab instance, its group and hook)\n"
                    + deliver(lab, request.handler(), request.event());
        }
        String token = detail.path("LifecycleActionToken").asText("");
        if (!TOKEN.matcher(token).matches() || lab.rig.recorder().tokenUsed(token)) {
            // Not a token, or one an earlier action of this lab already had (every action's token is its own).
            String fresh = UUID.randomUUID().toString();
            filled.add("LifecycleActionToken " + (token.isEmpty() ? "(none)" : "'" + token + "'") + " -> " + fresh
                    + (TOKEN.matcher(token).matches() ? " (that token belonged to an earlier action)" : ""));
            token = fresh;
            detail.put("LifecycleActionToken", token);
        }
        String finalToken = token;
        return terminate ? replayTermination(lab, request, event, detail, filled, finalToken)
                : replayLaunch(lab, request, event, detail, filled, finalToken);
    }

    private static String replayTermination(LabEnvironment lab, Request request, ObjectNode event, ObjectNode detail,
                                            List<String> filled, String token) {
        String id = request.instance().map(target -> resolve(lab, target))
                .orElseGet(() -> detail.path("EC2InstanceId").asText(""));
        refuseOpenAction(lab, id); // also for an instance whose Vault never started
        VaultNode node = lab.cluster.nodes().stream().filter(n -> n.instanceId().equals(id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("the lab has no instance " + id
                        + " (see scripts/lab status; --instance names one)"));
        String state = lab.driver.state(id);
        if (!state.startsWith("InService") && !state.equals(LifecycleDriver.RETAINED)) {
            throw new IllegalArgumentException(id + " is " + state + ": only an instance in service (or retained) can start"
                    + " terminating");
        }
        fill(detail, filled, "EC2InstanceId", id);
        fill(detail, filled, "AutoScalingGroupName", node.groupName());
        fill(detail, filled, "LifecycleHookName", lab.cluster.terminateHook());
        LifecycleDriver.Termination t = lab.driver.terminate(id, new LifecycleDriver.Replay(token, action -> bytes(event)));
        StringBuilder out = header(filled, token);
        out.append(String.format(Locale.ROOT, "terminate %s: terminate hook %s (%s)%s%s in %.1f s%n", id, t.result(),
                t.reason(), t.steppedDown() ? ", leader stepped down" : "", t.peerRemoved() ? ", peer removed" : "",
                t.handlerTime().toMillis() / 1000.0));
        out.append(t.result().equals("CONTINUE") ? "auto scaling: " + id + " terminated, the group launched a replacement\n"
                : "auto scaling: " + id + " retained (Terminating:Retained, Vault keeps running) for an operator; the"
                + " group launches a replacement for it (once)\n");
        t.replacement().ifPresent(l -> out.append(String.format(Locale.ROOT,
                "replacement %s: launch hook %s (%s) after %.1f s%n", l.instanceId(), l.result(), l.reason(),
                l.took().toMillis() / 1000.0)));
        lifecycleCalls(lab, token, out);
        return out.toString();
    }

    private static String replayLaunch(LabEnvironment lab, Request request, ObjectNode event, ObjectNode detail,
                                       List<String> filled, String token) {
        String target = request.instance().orElseGet(() -> detail.path("EC2InstanceId").asText(""));
        if (!target.equals("new")) {
            String state = lab.cluster.nodes().stream().anyMatch(n -> n.instanceId().equals(target))
                    ? lab.driver.state(target) : "not one of the lab's instances";
            throw new IllegalArgumentException(target + " is " + state + ": a launch replays for a new instance"
                    + " (--instance new launches one in the event's group, or the first group)");
        }
        String eventGroup = detail.path("AutoScalingGroupName").asText("");
        String group = lab.cluster.groupNames().contains(eventGroup) ? eventGroup : lab.cluster.groupNames().get(0);
        String[] id = new String[1];
        LifecycleDriver.Launch launch = lab.driver.launchNew(group, new LifecycleDriver.Replay(token, action -> {
            id[0] = action.instanceId();
            fill(detail, filled, "EC2InstanceId", action.instanceId());
            fill(detail, filled, "AutoScalingGroupName", group);
            fill(detail, filled, "LifecycleHookName", lab.cluster.launchHook());
            return bytes(event);
        }), !request.noBoot());
        StringBuilder out = header(filled, token);
        out.append(String.format(Locale.ROOT, "launch %s: launch hook %s (%s) after %.1f s%n", launch.instanceId(),
                launch.result(), launch.reason(), launch.took().toMillis() / 1000.0));
        out.append(launch.result().equals("CONTINUE") ? "auto scaling: " + launch.instanceId() + " in service\n"
                : "auto scaling: " + launch.instanceId() + " terminated, the group launches another\n");
        lifecycleCalls(lab, token, out);
        return out.toString();
    }

    static void refuseOpenAction(LabEnvironment lab, String id) {
        for (LifecycleRecorder.LifecycleAction open : lab.rig.recorder().openActions()) {
            if (open.instanceId().equals(id)) {
                throw new IllegalArgumentException("a lifecycle action is already open for " + id + " (token "
                        + open.token() + "): wait for it to end, or use --deliver-only");
            }
        }
    }

    private static ObjectNode parse(byte[] event) {
        JsonNode root;
        try {
            root = JSON.readTree(event);
        } catch (IOException e) {
            throw new IllegalArgumentException("not an EventBridge event: the file is not JSON (" + e.getMessage()
                    .lines().findFirst().orElse("") + ")");
        }
        if (root == null || !root.isObject() || !root.path("detail-type").isTextual() || !root.path("detail").isObject()) {
            throw new IllegalArgumentException("not an EventBridge event: it needs \"source\", \"detail-type\" and a"
                    + " \"detail\" object");
        }
        return (ObjectNode) root;
    }

    private static String resolve(LabEnvironment lab, String target) {
        VaultNode leader = lab.cluster.awaitLeader(Duration.ofSeconds(30));
        List<VaultNode> inService = lab.cluster.runningNodes().stream()
                .filter(n -> lab.driver.state(n.instanceId()).equals("InService")).toList();
        return switch (target) {
            case "leader" -> leader.instanceId();
            case "follower" -> inService.stream().filter(n -> n != leader).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no follower in service")).instanceId();
            case "random" -> inService.get(ThreadLocalRandom.current().nextInt(inService.size())).instanceId();
            case "new" -> throw new IllegalArgumentException("--instance new is for launch events");
            default -> target;
        };
    }

    private static void fill(ObjectNode detail, List<String> filled, String field, String value) {
        String old = detail.path(field).asText("");
        if (!old.equals(value)) {
            filled.add(field + " " + (old.isEmpty() ? "(none)" : "'" + old + "'") + " -> " + value);
            detail.put(field, value);
        }
    }

    private static StringBuilder header(List<String> filled, String token) {
        StringBuilder out = new StringBuilder();
        filled.forEach(f -> out.append("filled in: ").append(f).append('\n'));
        out.append("opened the lifecycle action (token ").append(token).append(") and delivered the event\n");
        return out;
    }

    private static byte[] bytes(ObjectNode event) {
        try {
            return JSON.writeValueAsBytes(event);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Delivers without opening anything: the handler's output and the lifecycle calls it made with the event's token. */
    static String deliver(LabEnvironment lab, String handler, byte[] event) {
        JsonNode output;
        try {
            output = lab.invoke(handler, event);
        } catch (RuntimeException e) {
            return "handler failed: " + e.getMessage() + "\n";
        }
        StringBuilder out = new StringBuilder("handler output: ").append(output).append('\n');
        try {
            String token = JSON.readTree(event).path("detail").path("LifecycleActionToken").asText("");
            if (!token.isEmpty()) {
                lifecycleCalls(lab, token, out);
            }
        } catch (IOException e) {
            // not JSON: the handler already said so
        }
        return out.toString();
    }

    private static void lifecycleCalls(LabEnvironment lab, String token, StringBuilder out) {
        for (LifecycleRecorder.LifecycleCall call : lab.rig.recorder().lifecycleCalls(token)) {
            out.append("lifecycle call: ").append(call.action()).append(' ').append(call.result() == null ? "" : call.result())
                    .append(call.accepted() ? " (accepted)" : " (refused: no active lifecycle action)").append('\n');
        }
    }
}
