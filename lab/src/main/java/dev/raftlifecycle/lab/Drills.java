package dev.raftlifecycle.lab;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raftlifecycle.contract.Defaults;
import dev.raftlifecycle.decisions.SnapshotSource;
import dev.raftlifecycle.ports.SnapshotStore;
import dev.raftlifecycle.restore.RestoreCommand;
import dev.raftlifecycle.restore.RestoreProcedure;
import dev.raftlifecycle.rig.ClusterSpec;
import dev.raftlifecycle.rig.Rig;
import dev.raftlifecycle.rig.VaultCluster;
import dev.raftlifecycle.rig.VaultNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * scripts/lab drill restore | peers-json: the two ways back from a lost quorum, run for real on Vault processes, each
 * ending in the timeline page and one summary line; exit 0 only when nothing that had to survive was lost.
 * <ul>
 *   <li><b>restore</b>: KV writes (each acknowledged one tracked); a snapshot into the emulator's S3; more writes; the
 *   disaster (every node killed, every data directory deleted); a new cluster initialized on the same KMS unseal key;
 *   the restore through {@link RestoreCommand} (scripts/restore-snapshot's code) against the emulator; then every
 *   acknowledged write read back. RPO: the acknowledged writes after the snapshot that are gone, and the time from the
 *   snapshot to the last of them; RTO: from the disaster to the restore confirmed (a leader, unsealed, the snapshot's
 *   index applied, stable).</li>
 *   <li><b>peers-json</b>: five nodes under writes; three killed (the leader among them): no quorum; the survivors
 *   recovered with the RUNBOOK's steps (stop them, write {@code raft/peers.json} naming the survivors in each one's
 *   data directory, start them, auto-unseal); every acknowledged write read back. RTO: from the loss to the first
 *   acknowledged write sent after it.</li>
 * </ul>
 */
final class Drills {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final int WRITE_RPS = 20;
    static final Duration BEFORE_SNAPSHOT = Duration.ofSeconds(8);
    static final Duration AFTER_SNAPSHOT = Duration.ofSeconds(6);

    private Drills() {
    }

    static int run(String which, Path outDir, PrintStream out) throws Exception {
        return switch (which) {
            case "restore" -> restore(outDir, out);
            case "peers-json" -> peersJson(outDir, out);
            default -> throw new IllegalArgumentException("drill takes restore or peers-json, not '" + which + "'");
        };
    }

    // ---- restore ------------------------------------------------------------------------------------------

    static int restore(Path outDir, PrintStream out) throws Exception {
        Path dir = runDir(outDir, "drill-restore");
        Steps steps = new Steps(out);
        AtomicReference<VaultCluster> current = new AtomicReference<>();
        Timeline timeline = new Timeline(current::get, () -> 3);
        ScheduledExecutorService sampler = sampler(timeline);
        List<String> summary = new ArrayList<>();
        String line = "drill: restore lost_before_snapshot=? rpo_writes=? rpo_s=? rto_s=?";
        boolean success = false;
        try (Rig rig = Rig.start(dir)) {
            rig.progress(p -> out.println("        " + p));
            VaultCluster[] source = new VaultCluster[1];
            if (!steps.run("start a 3-node Vault cluster", () -> {
                source[0] = rig.startCluster(ClusterSpec.defaults());
                current.set(source[0]);
                return source[0].name() + ", KMS unseal key " + source[0].kmsKeyId();
            })) {
                return finish(out, steps, timeline, dir, "restore", summary, line, false);
            }
            VaultCluster a = source[0];
            String prefix = Defaults.SNAPSHOT_KEY_PREFIX + a.name() + "/";
            try (DrillSnapshot snapshots = new DrillSnapshot(rig, "lab-snapshots-" + UUID.randomUUID().toString().substring(0, 8));
                 AckedWrites writes = new AckedWrites(current::get, timeline, WRITE_RPS)) {
                writes.start();
                Thread.sleep(BEFORE_SNAPSHOT.toMillis());
                Instant[] snapshotAt = new Instant[1];
                long[] snapshotIndex = new long[1];
                if (!steps.run("snapshot into the emulator's S3 (under load)", () -> {
                    snapshotAt[0] = Instant.now();
                    timeline.mark("note", "", "snapshot");
                    SnapshotStore.Stored taken = snapshots.take(a, prefix);
                    snapshotIndex[0] = Long.parseLong(taken.target().metadata().get(SnapshotSource.META_INDEX));
                    return "s3://" + snapshots.bucket() + "/" + taken.key() + ", raft index " + snapshotIndex[0]
                            + ", " + taken.bytes() + " bytes; " + writes.acks().size() + " writes acknowledged so far";
                })) {
                    return finish(out, steps, timeline, dir, "restore", summary, line, false);
                }
                Thread.sleep(AFTER_SNAPSHOT.toMillis());
                Instant disaster = Instant.now();
                steps.run("disaster: every node killed, every data directory deleted", () -> {
                    timeline.mark("crash", "", "disaster: all nodes killed, data gone");
                    for (VaultNode node : a.nodes()) {
                        node.kill();
                        deleteTree(node.dir().resolve("data"));
                    }
                    current.set(null);
                    return a.nodes().size() + " nodes gone; " + writes.acks().size() + " writes acknowledged before";
                });
                List<AckedWrites.Ack> acknowledged = writes.acks().stream().filter(w -> w.at().isBefore(disaster)).toList();
                String rootToken = a.rootToken();
                String keyId = a.kmsKeyId();
                a.close();
                VaultCluster[] target = new VaultCluster[1];
                if (!steps.run("a new cluster, initialized on the same KMS unseal key", () -> {
                    target[0] = rig.startCluster(ClusterSpec.defaults().withoutAuth().withUnsealKeyId(keyId));
                    current.set(target[0]);
                    timeline.mark("launch", "", "new cluster " + target[0].name());
                    return target[0].name() + " (" + target[0].nodes().size() + " nodes), no data";
                })) {
                    return finish(out, steps, timeline, dir, "restore", summary, line, false);
                }
                VaultCluster b = target[0];
                RestoreProcedure.Outcome[] outcome = new RestoreProcedure.Outcome[1];
                ServiceRestarts systemd = new ServiceRestarts(b, timeline, out);
                if (!steps.run("restore through scripts/restore-snapshot's code", () -> {
                    Path ca = dir.resolve("new-cluster-ca.pem");
                    Files.writeString(ca, b.caPem());
                    RestoreCommand.Options options = RestoreCommand.parse(new String[] {"--system", "vault",
                            "--cluster", a.name(), "--bucket", snapshots.bucket(), "--address",
                            b.awaitLeader(Duration.ofSeconds(30)).ip(), "--port", Integer.toString(b.apiPort()),
                            "--ca-file", ca.toString(), "--tls-server-name", b.tlsServerName(), "--region",
                            Rig.REGION.id()});
                    outcome[0] = RestoreCommand.restore(options, Map.of(RestoreCommand.TOKEN_ENV, b.rootToken()),
                            java.util.Optional.of(rig.motoEndpoint()),
                            StaticCredentialsProvider.create(rig.adminCredentials()), p -> out.println("        " + p));
                    // The cluster answers with the snapshot's tokens now.
                    b.adoptAdminToken(rootToken);
                    timeline.mark("continue", "", "restore confirmed");
                    systemd.close();
                    return "raft index " + outcome[0].snapshotIndex() + " restored, confirmed at applied index "
                            + outcome[0].after().appliedIndex() + (systemd.restarts() == 0 ? ""
                            : "; " + systemd.restarts() + " Vault process(es) exited and were started again (systemd)");
                })) {
                    systemd.close();
                    return finish(out, steps, timeline, dir, "restore", summary, line, false);
                }
                Thread.sleep(2000); // writes on the restored cluster, for the timeline
                writes.close();
                List<AckedWrites.Ack> beforeSnapshot = acknowledged.stream().filter(w -> w.at().isBefore(snapshotAt[0])).toList();
                List<AckedWrites.Ack> afterSnapshot = acknowledged.stream().filter(w -> !w.at().isBefore(snapshotAt[0])).toList();
                List<AckedWrites.Ack> lostBefore = writes.missing(b, beforeSnapshot);
                List<AckedWrites.Ack> lostAfter = writes.missing(b, afterSnapshot);
                double rpoSeconds = lostAfter.stream().map(AckedWrites.Ack::at).max(Comparator.naturalOrder())
                        .map(last -> Duration.between(snapshotAt[0], last).toMillis() / 1000.0).orElse(0.0);
                double rtoSeconds = Duration.between(disaster, outcome[0].confirmed()).toMillis() / 1000.0;
                steps.check("every write acknowledged before the snapshot reads back", lostBefore.isEmpty(), Duration.ZERO,
                        beforeSnapshot.size() - lostBefore.size() + " of " + beforeSnapshot.size()
                                + (lostBefore.isEmpty() ? "" : "; lost: " + keys(lostBefore)));
                steps.info(String.format(Locale.ROOT, "        after the snapshot: %d acknowledged, %d lost (RPO), %d survived"
                                + " (taken into the snapshot while it streamed)", afterSnapshot.size(), lostAfter.size(),
                        afterSnapshot.size() - lostAfter.size()));
                line = String.format(Locale.ROOT, "drill: restore lost_before_snapshot=%d rpo_writes=%d rpo_s=%.1f rto_s=%.1f",
                        lostBefore.size(), lostAfter.size(), rpoSeconds, rtoSeconds);
                summary.add(line);
                summary.add(String.format(Locale.ROOT, "%d writes acknowledged before the disaster (%d before the snapshot at"
                                + " raft index %d); RTO from the disaster to the restore confirmed", acknowledged.size(),
                        beforeSnapshot.size(), snapshotIndex[0]));
                success = lostBefore.isEmpty() && steps.failed() == 0;
            }
        } finally {
            sampler.shutdownNow();
        }
        return finish(out, steps, timeline, dir, "restore", summary, line, success);
    }

    // ---- peers.json ---------------------------------------------------------------------------------------

    static int peersJson(Path outDir, PrintStream out) throws Exception {
        Path dir = runDir(outDir, "drill-peers-json");
        Steps steps = new Steps(out);
        AtomicReference<VaultCluster> current = new AtomicReference<>();
        Timeline timeline = new Timeline(current::get, () -> 5);
        ScheduledExecutorService sampler = sampler(timeline);
        List<String> summary = new ArrayList<>();
        String line = "drill: peers-json lost_writes=? rto_s=?";
        boolean success = false;
        try (Rig rig = Rig.start(dir)) {
            rig.progress(p -> out.println("        " + p));
            VaultCluster[] started = new VaultCluster[1];
            if (!steps.run("start a 5-node Vault cluster", () -> {
                started[0] = rig.startCluster(ClusterSpec.defaults().withTotalNodes(5));
                current.set(started[0]);
                return started[0].name() + ", " + started[0].raftNodeIds().size() + " voters";
            })) {
                return finish(out, steps, timeline, dir, "peers-json", summary, line, false);
            }
            VaultCluster cluster = started[0];
            try (AckedWrites writes = new AckedWrites(current::get, timeline, WRITE_RPS)) {
                writes.start();
                Thread.sleep(BEFORE_SNAPSHOT.toMillis());
                VaultNode leader = cluster.awaitLeader(Duration.ofSeconds(30));
                List<VaultNode> lost = new ArrayList<>(List.of(leader));
                cluster.runningNodes().stream().filter(n -> n != leader).sorted(Comparator.comparing(VaultNode::instanceId))
                        .limit(2).forEach(lost::add);
                List<VaultNode> survivors = cluster.runningNodes().stream().filter(n -> !lost.contains(n)).toList();
                Instant[] lostAt = {Instant.now()};
                steps.run("lose a majority: 3 of 5 nodes killed (the leader among them)", () -> {
                    for (VaultNode node : lost) {
                        timeline.mark("crash", node.instanceId(), "killed");
                        node.kill();
                        deleteTree(node.dir().resolve("data"));
                    }
                    lostAt[0] = Instant.now();
                    return "lost " + lost.stream().map(VaultNode::instanceId).toList() + "; survivors "
                            + survivors.stream().map(VaultNode::instanceId).toList();
                });
                steps.run("no quorum: no write is acknowledged", () -> {
                    Thread.sleep(5000);
                    long since = writes.acks().stream().filter(w -> w.sent().isAfter(lostAt[0])).count();
                    Steps.require(since == 0, since + " writes acknowledged without a quorum");
                    return "none in 5 s";
                });
                if (!steps.run("recover the survivors with peers.json (RUNBOOK)", () -> {
                    // 1. stop every survivor; 2. write raft/peers.json into each one's data directory; 3. start them.
                    List<Map<String, Object>> peers = new ArrayList<>();
                    for (VaultNode node : survivors) {
                        peers.add(Map.of("id", node.instanceId(), "address", node.clusterAddress(), "non_voter", false));
                    }
                    for (VaultNode node : survivors) {
                        node.stop();
                    }
                    for (VaultNode node : survivors) {
                        Path raftDir = node.dir().resolve("data").resolve("raft");
                        Files.writeString(raftDir.resolve("peers.json"), JSON.writerWithDefaultPrettyPrinter()
                                .writeValueAsString(peers));
                    }
                    for (VaultNode node : survivors) {
                        timeline.mark("restart", node.instanceId(), "started with peers.json");
                        cluster.restartNode(node.instanceId());
                    }
                    cluster.await("a leader among the survivors", Duration.ofSeconds(120),
                            () -> cluster.leader().isPresent());
                    cluster.await("an acknowledged write", Duration.ofSeconds(60),
                            () -> writes.acks().stream().anyMatch(w -> w.sent().isAfter(lostAt[0])));
                    return "leader " + cluster.leader().map(VaultNode::instanceId).orElse("?") + "; raft peers "
                            + cluster.raftNodeIds();
                })) {
                    return finish(out, steps, timeline, dir, "peers-json", summary, line, false);
                }
                // The first write sent after the loss that was acknowledged (one sent before may be acknowledged
                // just after it: the old quorum committed it).
                Instant firstAfter = writes.acks().stream().filter(w -> w.sent().isAfter(lostAt[0]))
                        .map(AckedWrites.Ack::at).min(Comparator.naturalOrder()).orElseThrow();
                Thread.sleep(2000);
                writes.close();
                List<AckedWrites.Ack> all = writes.acks();
                List<AckedWrites.Ack> missing = writes.missing(cluster, all);
                double rto = Duration.between(lostAt[0], firstAfter).toMillis() / 1000.0;
                steps.check("every acknowledged write reads back", missing.isEmpty(), Duration.ZERO,
                        all.size() - missing.size() + " of " + all.size() + (missing.isEmpty() ? "" : "; lost: " + keys(missing)));
                line = String.format(Locale.ROOT, "drill: peers-json lost_writes=%d rto_s=%.1f", missing.size(), rto);
                summary.add(line);
                summary.add(all.size() + " writes acknowledged; RTO from the loss of the majority to the first acknowledged"
                        + " write after it");
                success = missing.isEmpty() && steps.failed() == 0;
            }
        } finally {
            sampler.shutdownNow();
        }
        return finish(out, steps, timeline, dir, "peers-json", summary, line, success);
    }

    // ---- shared -------------------------------------------------------------------------------------------

    private static int finish(PrintStream out, Steps steps, Timeline timeline, Path dir, String name, List<String> summary,
                              String line, boolean success) {
        try {
            Path page = timeline.write(dir.resolve("drill-" + name + ".html"), "raft-lifecycle drill: " + name, summary);
            out.println("drill: timeline written to " + page);
        } catch (IOException | RuntimeException e) {
            out.println("drill: the timeline page could not be written: " + e.getMessage());
        }
        out.println(line);
        return success && steps.failed() == 0 ? 0 : 1;
    }

    private static Path runDir(Path outDir, String name) throws IOException {
        Path dir = outDir.resolve(name + "-" + Instant.now().toString().replace(":", "").replace(".", ""));
        Files.createDirectories(dir);
        return dir;
    }

    private static ScheduledExecutorService sampler(Timeline timeline) {
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "drill-sampler");
            t.setDaemon(true);
            return t;
        });
        sampler.scheduleWithFixedDelay(() -> {
            try {
                timeline.sample();
            } catch (RuntimeException e) {
                // a gap in the page
            }
        }, 0, 500, TimeUnit.MILLISECONDS);
        return sampler;
    }

    private static String keys(List<AckedWrites.Ack> acks) {
        List<String> keys = acks.stream().map(AckedWrites.Ack::key).limit(10).toList();
        return keys + (acks.size() > 10 ? " and " + (acks.size() - 10) + " more" : "");
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
