package dev.raftlifecycle.lab;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raftlifecycle.config.Settings;
import dev.raftlifecycle.contract.Defaults;
import dev.raftlifecycle.contract.HandlerNames;
import dev.raftlifecycle.handlers.SnapshotHandler;
import dev.raftlifecycle.ports.AwsClients;
import dev.raftlifecycle.rig.ClusterSpec;
import dev.raftlifecycle.rig.Rig;
import dev.raftlifecycle.rig.VaultCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * {@code scripts/bench snapshot}: the snapshot function's throughput into the emulator's S3 (through the rig's AWS
 * front, IAM on) at three store sizes, and the KV write latency (p99) while snapshots run against the same cluster
 * without one. Prints its section; nothing here asserts on speed.
 */
final class SnapshotBenchmark {
    private static final int RUNS = 5;
    private static final ObjectMapper JSON = new ObjectMapper();

    private SnapshotBenchmark() {
    }

    static String section(Path out) throws Exception {
        StringBuilder rows = new StringBuilder();
        String latency;
        try (Rig rig = Rig.start(out.resolve("snapshot-" + System.currentTimeMillis()))) {
            VaultCluster cluster = rig.startCluster(ClusterSpec.defaults());
            String bucket = "bench-snapshots-" + UUID.randomUUID().toString().substring(0, 8);
            S3Client admin = new AwsClients(Rig.REGION.id(), Optional.of(rig.motoEndpoint()),
                    StaticCredentialsProvider.create(rig.adminCredentials())).s3();
            admin.createBucket(b -> b.bucket(bucket));
            rig.iamRoles().define(HandlerNames.SNAPSHOT_NAME, List.of(
                    JSON.valueToTree(Map.of("Effect", "Allow", "Action",
                            List.of("autoscaling:DescribeAutoScalingGroups", "ec2:DescribeInstances"), "Resource", List.of("*"))),
                    JSON.valueToTree(Map.of("Effect", "Allow", "Action", List.of("s3:PutObject", "s3:AbortMultipartUpload"),
                            "Resource", List.of("arn:aws:s3:::" + bucket + "/snapshots/" + cluster.name() + "/*")))));
            Map<String, String> env = LabEnvironment.handlerEnvironment(cluster,
                    LabEnvironment.createLockTable(rig, "bench-lock-" + UUID.randomUUID().toString().substring(0, 8)));
            env.put(Settings.SNAPSHOT_BUCKET, bucket);
            HandlerRuntimes runtimes = new HandlerRuntimes(rig, Settings.from(env), line -> { });
            SnapshotHandler handler = new SnapshotHandler(runtimes.of(HandlerNames.SNAPSHOT_NAME));
            Random random = new Random(1);
            int written = 0;
            for (int targetMiB : List.of(0, 16, 48)) {
                while (written < targetMiB * 1024 / 128) { // 128 KiB values, incompressible once base64'd and gzip'd
                    byte[] raw = new byte[96 * 1024];
                    random.nextBytes(raw);
                    String value = Base64.getEncoder().encodeToString(raw);
                    if (!cluster.kvPut("bench/bulk-" + written, value)) {
                        throw new IllegalStateException("the cluster took no write");
                    }
                    written++;
                }
                handler.run(Duration.ofMinutes(5)); // warm-up
                List<Double> mbps = new ArrayList<>();
                List<Double> ms = new ArrayList<>();
                long bytes = 0;
                int parts = 0;
                for (int i = 0; i < RUNS; i++) {
                    SnapshotHandler.Outcome o = handler.run(Duration.ofMinutes(5));
                    if (!o.taken()) {
                        throw new IllegalStateException("no snapshot: " + o.reason() + " " + o.detail());
                    }
                    bytes = o.bytes();
                    parts = o.parts();
                    ms.add((double) o.durationMs());
                    mbps.add(o.bytes() / 1e6 / (o.durationMs() / 1000.0));
                }
                String size = bytes < 1048576 ? String.format(Locale.ROOT, "%.0f KiB", bytes / 1024.0)
                        : String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
                rows.append(String.format(Locale.ROOT, "| %s | %s | %d | **%.1f MB/s** | %.0f ms | %s |%n",
                        targetMiB == 0 ? "a new cluster (fixed costs)" : "~" + targetMiB + " MiB of KV", size, parts, Benchmarks.median(mbps), Benchmarks.median(ms),
                        String.join(", ", mbps.stream().map(v -> String.format(Locale.ROOT, "%.1f", v)).toList())));
            }
            latency = latency(cluster, handler);
        }
        return String.format(Locale.ROOT, """
                ## Snapshot function: throughput into S3, and KV latency during a snapshot

                `scripts/bench snapshot` — one 3-node Vault cluster; the snapshot function (warm, its own IAM role, SSE
                default, %d MiB parts) streams the leader's `sys/storage/raft/snapshot` into the emulator's S3 through the
                rig's AWS front (IAM on). The store grows by incompressible KV values between sizes. One warm-up, then %d
                runs per size; MB/s = the object's bytes / the run's wall time (first health probe to the completed upload).
                Machine: %s. The emulator's S3 is a local Python process: a real bucket's throughput is another matter.

                | Store | Snapshot | Parts | Median throughput | Median run | Runs (MB/s) |
                | --- | --- | --- | --- | --- | --- |
                %s
                %s""", Defaults.SNAPSHOT_PART_BYTES / 1048576, RUNS, Benchmarks.machine(), rows, latency);
    }

    /** KV writes back to back on one client: their p99 without a snapshot, then while snapshots run one after another. */
    private static String latency(VaultCluster cluster, SnapshotHandler handler) throws Exception {
        List<Double> quiet = sample(cluster, () -> sleepQuietly(Duration.ofSeconds(20)));
        List<Double> during = sample(cluster, () -> {
            for (int i = 0; i < 3; i++) {
                handler.run(Duration.ofMinutes(5));
            }
        });
        return String.format(Locale.ROOT, """
                KV writes (`secret/`, one client, back to back, through any node) on the ~48 MiB store:

                | While | Writes | p50 | p99 | max |
                | --- | --- | --- | --- | --- |
                | nothing else (20 s) | %d | %.1f ms | **%.1f ms** | %.1f ms |
                | three snapshots in a row | %d | %.1f ms | **%.1f ms** | %.1f ms |
                """, quiet.size(), pct(quiet, 50), pct(quiet, 99), pct(quiet, 100),
                during.size(), pct(during, 50), pct(during, 99), pct(during, 100));
    }

    private static List<Double> sample(VaultCluster cluster, ThrowingRunnable while_) throws Exception {
        List<Double> out = new CopyOnWriteArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        Thread writer = new Thread(() -> {
            int n = 0;
            while (!stop.get()) {
                long start = System.nanoTime();
                if (cluster.kvPut("bench/latency-" + (n++ % 50), Integer.toString(n))) {
                    out.add((System.nanoTime() - start) / 1e6);
                }
            }
        }, "kv-latency");
        writer.start();
        try {
            while_.run();
        } finally {
            stop.set(true);
            writer.join();
        }
        return out;
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    private static void sleepQuietly(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static double pct(List<Double> values, int p) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(i, sorted.size() - 1)));
    }
}
