package dev.raftlifecycle.lab;

import com.fasterxml.jackson.databind.JsonNode;
import dev.raftlifecycle.rig.VaultCluster;
import dev.raftlifecycle.rig.VaultNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Where a leader round's time goes, from two independent sources: the Vault servers' own log lines (millisecond
 * timestamps: the step-down, the old node's teardown, the Raft election, the new node taking the lock and finishing
 * its post-unseal setup, the removal of the old peer, the old node's shutdown) and what the lab saw from outside,
 * polled every {@link #POLL}: when every standby's {@code sys/leader} names the new active node (each answer stamped
 * when it came back), when the load-balancer stand-in stops routing to the old node, when writes stopped and resumed,
 * and which nodes the client's slow attempts went to. Offsets are from the termination's start.
 */
final class HandoverTrace implements AutoCloseable {
    static final Duration POLL = Duration.ofMillis(50);
    private static final Duration CUT = Duration.ofMillis(300);

    /** The phases, in the order they normally happen; a phase not seen is absent. */
    enum Phase {
        STEP_DOWN("step-down received (old node)"),
        TEARDOWN_DONE("old node's pre-seal teardown complete"),
        RAFT_LEADER("another node wins the Raft election"),
        LOCK_ACQUIRED("new node takes Vault's HA lock"),
        ACTIVE("new node's post-unseal setup complete (active)"),
        STANDBYS_KNOW("every standby's sys/leader names the new active node"),
        PEER_REMOVED("old peer removed from the configuration"),
        COMPLETED("lifecycle action completed (CONTINUE)"),
        OLD_SEALING("old node's Vault gets SIGTERM and marks itself sealed"),
        OLD_EXITED("old node's Vault has shut down"),
        LB_DROPS_OLD("load balancer stand-in stops routing to the old node"),
        WRITES_STOP("last write acknowledged before the round's longest stall (or the round's start)"),
        WRITES_RESUME("first write acknowledged after it");

        final String label;

        Phase(String label) {
            this.label = label;
        }
    }

    private final VaultCluster cluster;
    private final Supplier<List<String>> lbTargets;
    private final VaultNode old;
    private final Instant start = Instant.now();
    /** The other nodes running when the round started: the standbys that must learn the new active node. */
    private final List<VaultNode> others;
    /** Each standby's sys/leader answers, stamped when each answer came back. */
    private final Map<String, List<Reply>> replies = new ConcurrentHashMap<>();
    private volatile Instant lbDroppedOld;
    private final Thread poller;
    private volatile boolean stop;

    HandoverTrace(VaultCluster cluster, Supplier<List<String>> lbTargets, VaultNode oldLeader) {
        this.cluster = cluster;
        this.lbTargets = lbTargets;
        this.old = oldLeader;
        this.others = cluster.runningNodes().stream().filter(n -> n != oldLeader).toList();
        this.poller = new Thread(this::poll, "handover-trace");
        poller.setDaemon(true);
        poller.start();
    }

    Instant start() {
        return start;
    }

    private record Reply(Instant at, String leaderAddress) {
    }

    private void poll() {
        while (!stop) {
            for (VaultNode node : others) {
                if (!node.running()) {
                    continue;
                }
                String named;
                try {
                    named = cluster.http().send(node.apiAddress(), "GET", "sys/leader", null, null, CUT).body()
                            .path("leader_address").asText("");
                } catch (IOException e) {
                    named = "";
                }
                // Stamped when the answer came back: a node busy with its post-unseal setup answers late.
                replies.computeIfAbsent(node.instanceId(), k -> new java.util.concurrent.CopyOnWriteArrayList<>())
                        .add(new Reply(Instant.now(), trim(named)));
            }
            if (lbDroppedOld == null && !lbTargets.get().contains(old.instanceId())) {
                lbDroppedOld = Instant.now();
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static String trim(String address) {
        return address.endsWith("/") ? address.substring(0, address.length() - 1) : address;
    }

    @Override
    public void close() {
        stop = true;
        poller.interrupt();
    }

    /** One round's phases as offsets from the start, with the new active node. */
    record Breakdown(Map<Phase, Duration> at, String newLeader, int slowToOld, int slowToOthers) {
        Optional<Duration> of(Phase p) {
            return Optional.ofNullable(at.get(p));
        }

        String line() {
            StringBuilder out = new StringBuilder("handover to " + (newLeader.isEmpty() ? "?" : newLeader) + ":");
            for (Phase p : Phase.values()) {
                out.append(String.format(Locale.ROOT, " %s=%s", p.name().toLowerCase(Locale.ROOT),
                        of(p).map(d -> String.format(Locale.ROOT, "%.2f", d.toMillis() / 1000.0)).orElse("-")));
            }
            out.append(String.format(Locale.ROOT, "; attempts of %d s or more: %d to the old node, %d to others",
                    KvLoad.SLOW.toSeconds(), slowToOld, slowToOthers));
            return out.toString();
        }
    }

    /**
     * After the round: the log lines of every node in [start, end], the outside observations, the completion time and
     * the write stall (the longest interval without an acknowledged write in the round).
     */
    Breakdown breakdown(Instant end, Optional<Instant> completed, Optional<WriteAvailability.Stall> stall,
                        List<KvLoad.SlowAttempt> slow) {
        close();
        Map<Phase, Instant> at = new java.util.EnumMap<>(Phase.class);
        String newLeader = "";
        List<VaultNode> nodes = List.copyOf(cluster.nodes());
        for (LogLine line : lines(old, end)) {
            if (line.text().contains("stepping down from active operation to standby")) {
                at.putIfAbsent(Phase.STEP_DOWN, line.at());
            } else if (line.text().contains("pre-seal teardown complete") && at.containsKey(Phase.STEP_DOWN)) {
                at.putIfAbsent(Phase.TEARDOWN_DONE, line.at());
            } else if (line.text().contains("core: marked as sealed")) {
                at.putIfAbsent(Phase.OLD_SEALING, line.at());
            } else if (line.text().contains("core: vault is sealed") && at.containsKey(Phase.OLD_SEALING)) {
                at.put(Phase.OLD_EXITED, line.at());
            }
        }
        Instant electedAt = null;
        for (VaultNode node : nodes) {
            if (node == old) {
                continue;
            }
            for (LogLine line : lines(node, end)) {
                if (line.text().contains("storage.raft: entering leader state")
                        && (electedAt == null || line.at().isBefore(electedAt))) {
                    electedAt = line.at();
                    newLeader = node.instanceId();
                }
            }
        }
        if (electedAt != null) {
            at.put(Phase.RAFT_LEADER, electedAt);
            VaultNode leader = cluster.node(newLeader);
            for (LogLine line : lines(leader, end)) {
                if (line.at().isBefore(electedAt)) {
                    continue;
                }
                if (line.text().contains("acquired lock, enabling active operation")) {
                    at.putIfAbsent(Phase.LOCK_ACQUIRED, line.at());
                } else if (line.text().contains("post-unseal setup complete")) {
                    at.putIfAbsent(Phase.ACTIVE, line.at());
                } else if (line.text().contains("command=RemoveServer server-id=" + old.instanceId())) {
                    at.putIfAbsent(Phase.PEER_REMOVED, line.at());
                }
            }
        }
        if (!newLeader.isEmpty()) {
            String address = trim(cluster.node(newLeader).apiAddress().toString());
            String leaderId = newLeader;
            List<Instant> learned = new ArrayList<>();
            for (VaultNode standby : others) {
                if (standby.instanceId().equals(leaderId)) {
                    continue;
                }
                replies.getOrDefault(standby.instanceId(), List.of()).stream()
                        .filter(r -> r.leaderAddress().equals(address)).map(Reply::at).findFirst().ifPresent(learned::add);
            }
            if (learned.size() == others.size() - 1 && !learned.isEmpty()) {
                at.put(Phase.STANDBYS_KNOW, learned.stream().max(Instant::compareTo).orElseThrow());
            }
        }
        completed.ifPresent(c -> at.put(Phase.COMPLETED, c));
        if (lbDroppedOld != null) {
            at.put(Phase.LB_DROPS_OLD, lbDroppedOld);
        }
        stall.ifPresent(s -> {
            at.put(Phase.WRITES_STOP, s.from());
            at.put(Phase.WRITES_RESUME, s.to());
        });
        Map<Phase, Duration> offsets = new java.util.EnumMap<>(Phase.class);
        at.forEach((p, i) -> offsets.put(p, Duration.between(start, i)));
        List<KvLoad.SlowAttempt> inRound = slow.stream().filter(a -> !a.sent().isBefore(start) && !a.sent().isAfter(end))
                .toList();
        int toOld = (int) inRound.stream().filter(a -> a.instanceId().equals(old.instanceId())).count();
        return new Breakdown(offsets, newLeader, toOld, inRound.size() - toOld);
    }

    record LogLine(Instant at, String text) {
    }

    /** The node's log lines with a timestamp in [start, end] (hclog's ISO-8601 prefix, UTC, milliseconds). */
    private List<LogLine> lines(VaultNode node, Instant end) {
        List<LogLine> out = new ArrayList<>();
        if (node.process() == null) {
            return out;
        }
        Path log = node.process().log();
        try {
            for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                int space = line.indexOf(' ');
                if (space < 20) {
                    continue;
                }
                Instant at;
                try {
                    at = Instant.parse(line.substring(0, space));
                } catch (RuntimeException notATimestamp) {
                    continue;
                }
                if (!at.isBefore(start) && !at.isAfter(end)) {
                    out.add(new LogLine(at, line.substring(space + 1)));
                }
            }
        } catch (IOException e) {
            // no log: the phases it would show are absent
        }
        return out;
    }
}
