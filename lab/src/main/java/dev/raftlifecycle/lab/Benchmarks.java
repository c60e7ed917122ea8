package dev.raftlifecycle.lab;

import dev.raftlifecycle.contract.Defaults;
import dev.raftlifecycle.rig.TcpProxy;
import com.fasterxml.jackson.databind.JsonNode;
import dev.raftlifecycle.config.Settings;
import dev.raftlifecycle.contract.HandlerNames;
import dev.raftlifecycle.handlers.HandlerRuntime;
import dev.raftlifecycle.handlers.HealthPublisherHandler;
import dev.raftlifecycle.handlers.InterruptionHandler;
import dev.raftlifecycle.handlers.LaunchingHandler;
import dev.raftlifecycle.handlers.ReconcilerHandler;
import dev.raftlifecycle.handlers.SnapStartPriming;
import dev.raftlifecycle.handlers.TerminatingHandler;
import dev.raftlifecycle.rig.ClusterSpec;
import dev.raftlifecycle.rig.EventBridgeEvents;
import dev.raftlifecycle.rig.LifecycleRecorder;
import dev.raftlifecycle.rig.Rig;
import dev.raftlifecycle.rig.VaultCluster;
import dev.raftlifecycle.rig.VaultNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * The benchmarks behind BENCHMARKS.md (scripts/bench). Each prints its figures as a Markdown section and
 * replaces the section of the same name in BENCHMARKS.md. Not tests: nothing here asserts on speed.
 */
public final class Benchmarks {
    private static final Pattern TIMING = Pattern.compile(
            "timing jvmToMainMs=(-?\\d+) constructMs=(\\d+) invokeMs=(\\d+) primeMs=(\\d+)");

    private Benchmarks() {
    }

    public static void main(String[] args) throws Exception {
        String which = args.length == 0 ? "all" : args[0];
        Path repo = Rig.repoRoot();
        Path out = repo.resolve("out/bench");
        Files.createDirectories(out);
        List<String> names = which.equals("all") ? List.of("terminating", "launching", "publisher", "chaos", "dead-voter", "cold", "consul", "aws-calls", "snapshot", "roll")
                : List.of(which);
        if (which.equals("cold-jars")) {
            if (args.length < 3) {
                throw new IllegalArgumentException("usage: scripts/bench cold-jars <jar> <jar> [<jar> ...]"
                        + " (each a build of functions/target/raft-lifecycle-functions.jar)");
            }
            String section = coldJars(out, java.util.Arrays.stream(args, 1, args.length).map(Path::of).toList());
            System.out.println(section);
            replaceSection(repo.resolve("BENCHMARKS.md"), "cold-jars", section);
            System.exit(0);
        }
        if (which.equals("prime-classes")) {
            System.out.println(trainClassList(out, repo));
            System.exit(0);
        }
        for (String name : names) {
            String section = switch (name) {
                case "terminating" -> terminating(out, repo);
                case "launching" -> launching(out);
                case "publisher" -> publisher(out);
                case "chaos" -> chaos(out);
                case "dead-voter" -> deadVoter(out);
                case "cold" -> coldPath(out, repo);
                case "consul" -> ConsulBenchmarks.section(out);
                case "aws-calls" -> awsCalls(out);
                case "snapshot" -> SnapshotBenchmark.section(out);
                case "roll" -> RollBenchmark.section(out);
                default -> throw new IllegalArgumentException("unknown benchmark " + name
                        + " (terminating, launching, publisher, chaos, dead-voter, cold, consul, aws-calls, snapshot, all; or prime-classes, cold-jars)");
            };
            System.out.println(section);
            replaceSection(repo.resolve("BENCHMARKS.md"), name, section);
        }
        System.exit(0);
    }

    // ---- helpers --------------------------------------------------------------------------------------

    static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static String list(List<Double> values) {
        return String.join(", ", values.stream().map(v -> String.format(Locale.ROOT, "%.0f", v)).toList());
    }

    static String machine() {
        return String.format(Locale.ROOT, "%d cores, %d GiB, %s %s, JDK %s; Vault 1.14.10 (rig build), moto 5.2.5; %s",
                Runtime.getRuntime().availableProcessors(),
                ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                        .getTotalMemorySize() / (1024L * 1024 * 1024),
                System.getProperty("os.name"), System.getProperty("os.arch"), Runtime.version().feature(),
                Instant.now().toString().substring(0, 10));
    }

    static void replaceSection(Path file, String name, String section) throws IOException {
        String begin = "<!-- bench:" + name + " -->";
        String end = "<!-- /bench:" + name + " -->";
        String text = Files.exists(file) ? Files.readString(file) : "# Benchmarks\n";
        int i = text.indexOf(begin);
        int j = text.indexOf(end);
        String block = begin + "\n" + section.strip() + "\n" + end;
        text = i >= 0 && j > i ? text.substring(0, i) + block + text.substring(j + end.length()) : text + "\n" + block + "\n";
        Files.writeString(file, text);
    }

    private static Map<String, String> environment(VaultCluster cluster, String lockTable) {
        return LabEnvironment.handlerEnvironment(cluster, lockTable);
    }

    private static String lockTable(Rig rig) {
        return LabEnvironment.createLockTable(rig, "bench-lock-" + UUID.randomUUID().toString().substring(0, 8));
    }

    private static HandlerRuntimes runtime(VaultCluster cluster, String lockTable, Map<String, String> extra) {
        Map<String, String> env = environment(cluster, lockTable);
        env.putAll(extra);
        return new HandlerRuntimes(cluster.rig(), Settings.from(env), line -> { });
    }

    private static VaultNode follower(VaultCluster cluster) {
        VaultNode leader = cluster.awaitLeader(Duration.ofSeconds(30));
        return cluster.runningNodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
    }

    private static Instant completedAt(Rig rig, LifecycleRecorder.LifecycleAction action) {
        return rig.recorder().lifecycleCalls(action.token()).stream()
                .filter(c -> c.action().equals("CompleteLifecycleAction") && c.accepted()).findFirst()
                .orElseThrow(() -> new IllegalStateException("no accepted CompleteLifecycleAction for " + action
                        + "; calls: " + rig.recorder().lifecycleCalls(action.token()))).at();
    }

    // ---- terminating ----------------------------------------------------------------------------------

    static String terminating(Path out, Path repo) throws Exception {
        Path jar = repo.resolve("functions/target/raft-lifecycle-functions.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException("build the Lambda jar first: mvn -pl functions -am package");
        }
        try (Rig rig = Rig.start(out.resolve("terminating-" + System.currentTimeMillis()))) {
            VaultCluster cluster = rig.startCluster(ClusterSpec.defaults());
            String lock = lockTable(rig);
            TerminatingHandler handler = runtime(cluster, lock, Map.of()).terminating();
            // Warm: one JVM, one handler instance, as in a warm Lambda container. The first call warms up.
            List<Double> warm = warmRuns(rig, cluster, handler, 10);
            // Cold: a fresh JVM per invocation running the deployable jar, as a Lambda cold start (no SnapStart);
            // once with the JVM's defaults, once with the C1-only flags the CDK app sets in JAVA_TOOL_OPTIONS.
            List<Cold> colds = new ArrayList<>();
            for (String options : List.of("", COLD_START_OPTIONS)) {
                colds.add(cold(rig, cluster, lock, jar, out, options));
            }
            long jarBytes = Files.size(jar);
            Cold plain = colds.get(0);
            Cold tuned = colds.get(1);
            return String.format(Locale.ROOT, """
                    ## Terminating handler: invocation to completed lifecycle action

                    `scripts/bench terminating` — local 3-node rig, follower removals (the common case), each timed from the
                    handler invocation to the `CompleteLifecycleAction` the recording front received. Machine: %s.

                    | Path | Median | Runs (ms) |
                    | --- | --- | --- |
                    | warm (same JVM and handler, after one warm-up call) | **%.0f ms** | %s |
                    | cold, JVM defaults (fresh JVM on the deployable jar: start, class loading, ports, login, removal) | **%.0f ms** | %s |
                    | — of which JVM start to `main` | %.0f ms | %s |
                    | — of which handler construction (settings, TLS context, the Vault and AWS ports) | %.0f ms | %s |
                    | — of which the first invocation (login, reads, lock, removal, confirm, complete) | %.0f ms | %s |
                    | cold, `JAVA_TOOL_OPTIONS=%s` (what the CDK app sets) | **%.0f ms** | %s |
                    | — of which JVM start to `main` | %.0f ms | %s |
                    | — of which handler construction | %.0f ms | %s |
                    | — of which the first invocation | %.0f ms | %s |

                    Deployable jar `functions/target/raft-lifecycle-functions.jar`: **%.1f MiB**.
                    """, machine(), median(warm), list(warm),
                    median(plain.total), list(plain.total), median(plain.jvm), list(plain.jvm),
                    median(plain.construct), list(plain.construct), median(plain.invoke), list(plain.invoke),
                    COLD_START_OPTIONS, median(tuned.total), list(tuned.total), median(tuned.jvm), list(tuned.jvm),
                    median(tuned.construct), list(tuned.construct), median(tuned.invoke), list(tuned.invoke),
                    jarBytes / (1024.0 * 1024.0));
        }
    }

    /**
     * Follower removals by one handler in this JVM (a warm container): one warm-up call, then {@code runs} timed
     * from the invocation to the completion the recording front received.
     */
    private static List<Double> warmRuns(Rig rig, VaultCluster cluster, TerminatingHandler handler, int runs) {
        List<Double> warm = new ArrayList<>();
        for (int i = 0; i <= runs; i++) {
            VaultNode victim = follower(cluster);
            LifecycleRecorder.LifecycleAction action = cluster.openTermination(victim.instanceId());
            Instant start = Instant.now();
            TerminatingHandler.Outcome outcome = handler.handle(EventBridgeEvents.forAction(action), Duration.ofMinutes(5));
            if (!outcome.peerRemoved()) {
                throw new IllegalStateException("benchmark removal failed: " + outcome);
            }
            if (i > 0) {
                Instant completed;
                try {
                    completed = completedAt(rig, action);
                } catch (IllegalStateException e) {
                    throw new IllegalStateException(e.getMessage() + "; outcome: " + outcome, e);
                }
                warm.add(Duration.between(start, completed).toNanos() / 1e6);
            }
            cluster.finishTermination(victim.instanceId());
            cluster.heal(Duration.ofSeconds(120));
        }
        return warm;
    }

    /** The flags the CDK app puts in the functions' JAVA_TOOL_OPTIONS. */
    static final String COLD_START_OPTIONS = HandlerNames.JAVA_TOOL_OPTIONS;

    private record Cold(List<Double> total, List<Double> jvm, List<Double> construct, List<Double> invoke,
                        List<Double> prime) {
        Cold() {
            this(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        }
    }

    private static Cold cold(Rig rig, VaultCluster cluster, String lock, Path jar, Path out, String options) throws Exception {
        Cold result = new Cold();
        for (int i = 0; i < 5; i++) {
            coldRun(rig, cluster, lock, jar, out, options, false, result);
        }
        return result;
    }

    /** One fresh-JVM terminating run on the deployable jar, its figures added to {@code into}. */
    private static void coldRun(Rig rig, VaultCluster cluster, String lock, Path jar, Path out, String options,
                                boolean prime, Cold into) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        String launcher = launcherJar(out).toString();
        VaultNode victim = follower(cluster);
        LifecycleRecorder.LifecycleAction action = cluster.openTermination(victim.instanceId());
        Path event = out.resolve("event-" + UUID.randomUUID() + ".json");
        Files.write(event, EventBridgeEvents.forAction(action));
        List<String> command = new ArrayList<>(List.of(java, "-cp", jar + ":" + launcher,
                LocalLambda.class.getName(), HandlerNames.TERMINATING.substring(0, HandlerNames.TERMINATING.indexOf("::")),
                event.toString()));
        if (prime) {
            command.add("--prime");
        }
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(environment(cluster, lock));
        var role = rig.handlerCredentials(HandlerNames.TERMINATING_NAME, cluster.name());
        builder.environment().put("AWS_ACCESS_KEY_ID", role.accessKeyId());
        builder.environment().put("AWS_SECRET_ACCESS_KEY", role.secretAccessKey());
        builder.environment().put("AWS_SESSION_TOKEN", role.sessionToken());
        if (options.isEmpty()) {
            builder.environment().remove("JAVA_TOOL_OPTIONS");
        } else {
            builder.environment().put("JAVA_TOOL_OPTIONS", options);
        }
        Instant start = Instant.now();
        command.add(1, "-D" + LocalLambda.LAUNCHED_AT + "=" + start.toEpochMilli());
        builder.command(command);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes());
        process.waitFor(5, TimeUnit.MINUTES);
        Matcher m = TIMING.matcher(output);
        if (!m.find() || !output.contains("\"peerRemoved\":true")) {
            throw new IllegalStateException("cold run failed:\n" + output);
        }
        double ms = Duration.between(start, completedAt(rig, action)).toNanos() / 1e6;
        into.total().add(ms);
        into.jvm().add(Double.parseDouble(m.group(1)));
        into.construct().add(Double.parseDouble(m.group(2)));
        into.invoke().add(Double.parseDouble(m.group(3)));
        into.prime().add(Double.parseDouble(m.group(4)));
        System.err.printf(Locale.ROOT, "bench: cold run%s%s: %.0f ms%n", prime ? " primed" : "",
                options.contains("SharedArchiveFile") ? " with the archive" : options.contains("AOTCache=") ? " with the AOT cache" : "", ms);
        cluster.finishTermination(victim.instanceId());
        cluster.heal(Duration.ofSeconds(120));
    }

    /**
     * LocalLambda and what it needs, as a jar of its own: class-data sharing archives only classes from jar files
     * (a directory on the class path stops the dump), and a fresh JVM should load no more of the lab than this.
     */
    private static synchronized Path launcherJar(Path out) throws Exception {
        Path jar = out.resolve("local-lambda.jar");
        // Built again on every run (a kept jar would outlive the classes it copied: LocalLambdaContext moved to the rig).
        Files.deleteIfExists(jar);
        Path labClasses = Path.of(Benchmarks.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path rigClasses = Path.of(dev.raftlifecycle.rig.LocalLambdaContext.class.getProtectionDomain().getCodeSource()
                .getLocation().toURI());
        try (var zip = new java.util.jar.JarOutputStream(Files.newOutputStream(jar))) {
            addClasses(zip, labClasses, LocalLambda.class, "LocalLambda", "LambdaContext");
            addClasses(zip, rigClasses, dev.raftlifecycle.rig.LocalLambdaContext.class, "LocalLambdaContext");
        }
        return jar;
    }

    /** The class files (inner classes too) in {@code root} of {@code anchor}'s package whose names start with a prefix. */
    private static void addClasses(java.util.jar.JarOutputStream zip, Path root, Class<?> anchor, String... prefixes)
            throws java.io.IOException {
        Path pkg = root.resolve(anchor.getPackageName().replace('.', '/'));
        try (var stream = Files.list(pkg)) {
            for (Path file : stream.filter(f -> java.util.Arrays.stream(prefixes)
                    .anyMatch(p -> f.getFileName().toString().startsWith(p))).sorted().toList()) {
                zip.putNextEntry(new java.util.jar.JarEntry(root.relativize(file).toString()));
                zip.write(Files.readAllBytes(file));
                zip.closeEntry();
            }
        }
    }

    // ---- cold path against the reference ----------------------------------------------------------------

    private static final int COLD_RUNS = 5;

    /**
     * The terminating handler's cold path (fresh JVM on the deployable jar, the CDK app's JAVA_TOOL_OPTIONS) beside
     * the project's Python reference (cold_reference.py: login, configuration, remove-peer, complete; nothing else),
     * alternating, on one 3-node rig cluster; with two directions measured in the same run: an AppCDS archive from a
     * training run, and the SnapStart priming hook run before the invocation (its first-invocation figure).
     */
    /** Where the class list the priming hook loads lives in the source tree (it goes into the jar). */
    static final String CLASS_LIST_SOURCE = "functions/src/main/resources/dev/raftlifecycle/handlers/"
            + dev.raftlifecycle.handlers.SnapStartPriming.CLASS_LIST;

    /**
     * Not a benchmark: the training run for the priming hook's class list. One primed cold run of the terminating
     * handler with the JVM's class-load log; every class loaded after priming (after the marker class) that the
     * deployable jar or the JDK defines, and that can be named (no hidden or generated classes), goes into
     * {@link #CLASS_LIST_SOURCE}, sorted. Rebuild the jar afterwards (scripts/bench does).
     */
    static String trainClassList(Path out, Path repo) throws Exception {
        Path jar = repo.resolve("functions/target/raft-lifecycle-functions.jar");
        Path dir = out.resolve("prime-classes-" + System.currentTimeMillis());
        Files.createDirectories(dir);
        Path log = dir.resolve("class-load.log");
        // Trained on the jar without its current list: priming loads the list, and what a list-loading run still loads
        // afterwards is only the residue, not the list.
        Path training = dir.resolve(jar.getFileName());
        String listEntry = SnapStartPriming.class.getPackageName().replace('.', '/') + "/" + SnapStartPriming.CLASS_LIST;
        try (var in = new java.util.zip.ZipInputStream(Files.newInputStream(jar));
             var copy = new java.util.zip.ZipOutputStream(Files.newOutputStream(training))) {
            for (var entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                if (!entry.getName().equals(listEntry)) {
                    copy.putNextEntry(new java.util.zip.ZipEntry(entry.getName()));
                    in.transferTo(copy);
                    copy.closeEntry();
                }
            }
        }
        try (Rig rig = Rig.start(dir.resolve("rig"))) {
            VaultCluster cluster = rig.startCluster(ClusterSpec.defaults());
            coldRun(rig, cluster, lockTable(rig), training, dir, COLD_START_OPTIONS + " -D" + LocalLambda.MARK_PRIMED
                    + "=true -Xlog:class+load=info:file=" + log, true, new Cold());
        }
        List<String> lines = Files.readAllLines(log);
        String marker = LocalLambda.PrimedMarker.class.getName();
        int from = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains("] " + marker + " source:")) {
                from = i + 1;
            }
        }
        if (from < 0) {
            throw new IllegalStateException("no priming marker in " + log);
        }
        java.util.TreeSet<String> names = new java.util.TreeSet<>();
        Pattern line = Pattern.compile("\\] (\\S+) source: (.*)$");
        for (String l : lines.subList(from, lines.size())) {
            Matcher m = line.matcher(l);
            if (!m.find()) {
                continue;
            }
            String name = m.group(1);
            String source = m.group(2);
            boolean ours = source.startsWith("jrt:/") || source.startsWith("shared objects file")
                    || source.contains(training.toUri().getRawPath()) || source.contains(training.toString());
            boolean nameable = !name.contains("$$Lambda") && !name.contains("/0x") && !name.contains("$Proxy")
                    && !name.startsWith("jdk.internal.reflect.Generated") && !name.startsWith("dev.raftlifecycle.lab.");
            if (ours && nameable) {
                names.add(name);
            }
        }
        Path target = repo.resolve(CLASS_LIST_SOURCE);
        List<String> content = new ArrayList<>();
        content.add("# Classes the terminating handler's first invocation still loaded after the rest of the SnapStart");
        content.add("# priming, in a training run on the local rig (" + machine() + ").");
        content.add("# Generated by `scripts/bench prime-classes`; the priming hook loads them without initializing them.");
        content.addAll(names);
        Files.createDirectories(target.getParent());
        Files.write(target, content);
        return "prime-classes: " + names.size() + " classes written to " + CLASS_LIST_SOURCE;
    }

    /**
     * The fresh-JVM terminating path of two or more builds of the Lambda jar (an older commit's beside this one's, say),
     * on one rig, alternating, {@value #COLD_RUNS} runs each after one warm-up run: what a change to the jar bought.
     */
    static String coldJars(Path out, List<Path> jars) throws Exception {
        for (Path jar : jars) {
            if (!Files.isRegularFile(jar)) {
                throw new IllegalArgumentException("no jar at " + jar);
            }
        }
        Path dir = out.resolve("cold-jars-" + System.currentTimeMillis());
        Files.createDirectories(dir);
        try (Rig rig = Rig.start(dir.resolve("rig"))) {
            VaultCluster cluster = rig.startCluster(ClusterSpec.defaults());
            String lock = lockTable(rig);
            coldRun(rig, cluster, lock, jars.get(0), dir, COLD_START_OPTIONS, false, new Cold());
            List<Cold> results = new ArrayList<>();
            jars.forEach(j -> results.add(new Cold()));
            for (int i = 0; i < COLD_RUNS; i++) {
                for (int k = 0; k < jars.size(); k++) {
                    coldRun(rig, cluster, lock, jars.get(k), dir, COLD_START_OPTIONS, false, results.get(k));
                }
            }
            StringBuilder rows = new StringBuilder();
            for (int k = 0; k < jars.size(); k++) {
                Cold c = results.get(k);
                rows.append(String.format(Locale.ROOT, "| `%s` (%.1f MiB) | **%.0f ms** | %.0f ms | %.0f ms | %s |%n",
                        jars.get(k).getFileName(), Files.size(jars.get(k)) / 1048576.0, median(c.total()),
                        median(c.construct()), median(c.invoke()), list(c.total())));
            }
            return String.format(Locale.ROOT, """
                    ## The cold path, one build of the jar beside another

                    `scripts/bench cold-jars <jar> <jar> ...` — the terminating handler's fresh-JVM path (`JAVA_TOOL_OPTIONS=%s`)
                    on each jar, local 3-node rig, follower removals, process start to the `CompleteLifecycleAction` the
                    recording front received; %d runs of each, alternating, after one warm-up run. Machine: %s.

                    | Jar | Median | Construction | First invocation | Runs (ms) |
                    | --- | --- | --- | --- | --- |
                    %s""", COLD_START_OPTIONS, COLD_RUNS, machine(), rows);
        }
    }

    /** One timed call. */
    @FunctionalInterface
    private interface TimedCall {
        void run() throws Exception;
    }

    /**
     * Warm AWS calls through the ports (the SDK's generated clients on the shared URLConnection client, the functions'
     * timeouts and retries, the terminating role's credentials, IAM enforced by the emulator): what the AWS part of a
     * warm invocation costs on this rig, call by call.
     */
    static String awsCalls(Path out) throws Exception {
        Path dir = out.resolve("aws-calls-" + System.currentTimeMillis());
        Files.createDirectories(dir);
        try (Rig rig = Rig.start(dir.resolve("rig"))) {
            VaultCluster cluster = rig.startCluster(ClusterSpec.defaults());
            String lock = lockTable(rig);
            Settings settings = Settings.from(environment(cluster, lock));
            var credentials = StaticCredentialsProvider.create(rig.handlerCredentials(HandlerNames.TERMINATING_NAME,
                    cluster.name()));
            var aws = new dev.raftlifecycle.ports.AwsClients(settings.region(), settings.awsEndpoint(), credentials);
            var groups = new dev.raftlifecycle.ports.AutoScalingPort(aws.autoScaling());
            var instances = new dev.raftlifecycle.ports.Ec2Port(aws.ec2());
            var records = new dev.raftlifecycle.ports.ClusterRecords(aws.dynamoDb(), lock, cluster.name());
            List<String> names = settings.groupNames();
            String someInstance = cluster.nodes().iterator().next().instanceId();
            Map<String, TimedCall> calls = new java.util.LinkedHashMap<>();
            calls.put("DescribeAutoScalingGroups (the three groups)", () -> groups.describe(names));
            calls.put("DescribeInstances (the groups' tag)", () -> instances.describeGroupMembers(names));
            calls.put("DescribeInstances (one instance id)", () -> instances.membership(someInstance));
            calls.put("DynamoDB GetItem (consistent read of a record)", records::initializedRecorded);
            Map<String, List<Double>> times = new java.util.LinkedHashMap<>();
            calls.keySet().forEach(k -> times.put(k, new ArrayList<>()));
            int warmUp = 5;
            int runs = 30;
            for (int i = 0; i < warmUp + runs; i++) {
                for (var call : calls.entrySet()) {
                    long t0 = System.nanoTime();
                    call.getValue().run();
                    if (i >= warmUp) {
                        times.get(call.getKey()).add((System.nanoTime() - t0) / 1e6);
                    }
                }
            }
            StringBuilder rows = new StringBuilder();
            times.forEach((k, v) -> rows.append(String.format(Locale.ROOT, "| %s | **%.1f ms** | %.1f–%.1f ms |%n", k,
                    median(v), v.stream().mapToDouble(Double::doubleValue).min().orElse(0),
                    v.stream().mapToDouble(Double::doubleValue).max().orElse(0))));
            return String.format(Locale.ROOT, """
                    ## Warm AWS calls through the SDK's clients

                    `scripts/bench aws-calls` — one rig (moto with IAM enforced, behind the recording front), the ports
                    the handlers use (the SDK's generated clients on the shared URLConnection client, the functions'
                    timeouts and standard retries, the terminating role's credentials); %d calls of each after %d
                    warm-up calls, alternating. moto's answer time dominates: these are this rig's figures, not AWS's.
                    Machine: %s.

                    | Call | Median | Range |
                    | --- | --- | --- |
                    %s""", runs, warmUp, machine(), rows);
        }
    }

    static String coldPath(Path out, Path repo) throws Exception {
        Path jar = repo.resolve("functions/target/raft-lifecycle-functions.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException("build the Lambda jar first: mvn -pl functions -am package");
        }
        Path dir = out.resolve("cold-" + System.currentTimeMillis());
        Files.createDirectories(dir);
        Path reference = dir.resolve("cold_reference.py");
        try (var in = Benchmarks.class.getResourceAsStream("cold_reference.py")) {
            Files.write(reference, in.readAllBytes());
        }
        Path python = dev.raftlifecycle.rig.MotoServer.interpreter(dev.raftlifecycle.rig.Tools.motoServer());
        try (Rig rig = Rig.start(dir.resolve("rig"))) {
            VaultCluster cluster = rig.startCluster(ClusterSpec.defaults());
            String lock = lockTable(rig);
            // Warm, for the first-invocation criterion: one handler, one warm-up call, then five.
            List<Double> warm = warmRuns(rig, cluster, runtime(cluster, lock, Map.of()).terminating(), COLD_RUNS);
            // The AppCDS archive: one training run that does a real removal, classes archived at exit.
            Path archive = dir.resolve("terminating.jsa");
            coldRun(rig, cluster, lock, jar, dir, COLD_START_OPTIONS + " -XX:ArchiveClassesAtExit=" + archive, false, new Cold());
            if (!Files.exists(archive)) {
                throw new IllegalStateException("the training run wrote no class-data sharing archive at " + archive);
            }
            String withArchive = COLD_START_OPTIONS + " -XX:SharedArchiveFile=" + archive;
            // JDK 25's AOT cache (JEPs 483, 514, 515): the archive's classes loaded and linked ahead of time, with the
            // training run's method profiles; one training run writes it at exit.
            Path aot = dir.resolve("terminating.aot");
            coldRun(rig, cluster, lock, jar, dir, COLD_START_OPTIONS + " -XX:AOTCacheOutput=" + aot, false, new Cold());
            if (!Files.exists(aot)) {
                throw new IllegalStateException("the training run wrote no AOT cache at " + aot);
            }
            String withAot = COLD_START_OPTIONS + " -XX:AOTCache=" + aot;

            Cold plain = new Cold();
            Cold cds = new Cold();
            Cold aotCache = new Cold();
            Cold primed = new Cold();
            List<Double> python3 = new ArrayList<>();
            for (int i = 0; i < COLD_RUNS; i++) {
                coldRun(rig, cluster, lock, jar, dir, COLD_START_OPTIONS, false, plain);
                python3.add(referenceRun(rig, cluster, lock, python, reference, dir));
                coldRun(rig, cluster, lock, jar, dir, withArchive, false, cds);
                coldRun(rig, cluster, lock, jar, dir, withAot, false, aotCache);
                coldRun(rig, cluster, lock, jar, dir, COLD_START_OPTIONS, true, primed);
            }
            double java = median(plain.total());
            double ref = median(python3);
            String ratio = String.format(Locale.ROOT, "cold path ratio: %.0f ms vs reference %.0f ms = %.2f×", java, ref, java / ref);
            String primedLine = String.format(Locale.ROOT, "primed first invocation: %.0f ms = %.2f× warm (%.0f ms)",
                    median(primed.invoke()), median(primed.invoke()) / median(warm), median(warm));
            double jarMiB = Files.size(jar) / (1024.0 * 1024.0);
            return String.format(Locale.ROOT, """
                    ## The cold path beside a Python reference

                    `scripts/bench cold` — local 3-node rig, follower removals, each timed from process start to the
                    `CompleteLifecycleAction` the recording front received; %d runs of each, alternating Java, reference,
                    Java with an AppCDS archive, Java with an AOT cache, Java primed. The reference is `lab/src/main/resources/dev/raftlifecycle/lab/cold_reference.py`
                    (Python 3 + boto3 from the rig's virtualenv): log in with AWS IAM, read the configuration, remove the
                    peer, complete — no lock, no health probes, no quorum rule, no confirmation. Machine: %s.
                    The jar: %.1f MiB.

                    **%s** (medians, same run): the path that ships (SnapStart). The goal is ≤ 2.5× warm.

                    Context, not goals: **%s**. The fresh-JVM path, class archives (AppCDS, the AOT cache) and their ratio
                    to the reference are not pursued while SnapStart is on.

                    | Path | Median | Runs (ms) |
                    | --- | --- | --- |
                    | reference: Python, fresh process | **%.0f ms** | %s |
                    | terminating handler, fresh JVM, `JAVA_TOOL_OPTIONS=%s` (what ships) | **%.0f ms** | %s |
                    | — of which process launch to `main` | %.0f ms | %s |
                    | — of which handler construction (settings, TLS context, the Vault and AWS ports) | %.0f ms | %s |
                    | — of which the first invocation | %.0f ms | %s |
                    | the same with an AppCDS archive of a training run (`-XX:SharedArchiveFile`) | **%.0f ms** | %s |
                    | — of which construction | %.0f ms | %s |
                    | — of which the first invocation | %.0f ms | %s |
                    | the same with JDK 25's AOT cache of a training run (`-XX:AOTCacheOutput`, then `-XX:AOTCache`) | **%.0f ms** (%.2f× the reference) | %s |
                    | — of which construction | %.0f ms | %s |
                    | — of which the first invocation | %.0f ms | %s |
                    | warm invocation (same JVM, after one warm-up call) | %.0f ms | %s |
                    | first invocation after the SnapStart priming hook ran (fresh JVM, hook run as Lambda runs it before the snapshot) | **%.0f ms** (%.1f× warm) | %s |
                    | — the priming hook itself (in the snapshot's init, not on any request) | %.0f ms | %s |
                    | first invocation without priming (row 2's) | %.0f ms (%.1f× warm) | |

                    AppCDS archive: %.1f MiB; AOT cache: %.1f MiB. Both are valid only on the JVM build that wrote them
                    (the JVM ignores a mismatched one and starts without it), so neither ships in the zip the CDK app
                    deploys to Lambda's managed Java runtime: see "What the cold path costs" above.
                    """, COLD_RUNS, machine(), jarMiB, primedLine, ratio,
                    ref, list(python3),
                    COLD_START_OPTIONS, java, list(plain.total()), median(plain.jvm()), list(plain.jvm()),
                    median(plain.construct()), list(plain.construct()), median(plain.invoke()), list(plain.invoke()),
                    median(cds.total()), list(cds.total()), median(cds.construct()), list(cds.construct()),
                    median(cds.invoke()), list(cds.invoke()),
                    median(aotCache.total()), median(aotCache.total()) / ref, list(aotCache.total()),
                    median(aotCache.construct()), list(aotCache.construct()), median(aotCache.invoke()), list(aotCache.invoke()),
                    median(warm), list(warm),
                    median(primed.invoke()), median(primed.invoke()) / median(warm), list(primed.invoke()),
                    median(primed.prime()), list(primed.prime()),
                    median(plain.invoke()), median(plain.invoke()) / median(warm),
                    Files.size(archive) / (1024.0 * 1024.0), Files.size(aot) / (1024.0 * 1024.0));
        }
    }

    /** One run of the Python reference: process start to the completion the recording front received. */
    private static double referenceRun(Rig rig, VaultCluster cluster, String lock, Path python, Path script, Path dir)
            throws Exception {
        VaultNode leader = cluster.awaitLeader(Duration.ofSeconds(30));
        VaultNode victim = follower(cluster);
        LifecycleRecorder.LifecycleAction action = cluster.openTermination(victim.instanceId());
        Path event = dir.resolve("event-" + UUID.randomUUID() + ".json");
        Files.write(event, EventBridgeEvents.forAction(action));
        ProcessBuilder builder = new ProcessBuilder(python.toString(), script.toString(), event.toString())
                .redirectErrorStream(true);
        builder.environment().putAll(environment(cluster, lock));
        builder.environment().put("VAULT_ADDR", "https://" + leader.ip() + ":" + leader.apiPort());
        var role = rig.handlerCredentials(HandlerNames.TERMINATING_NAME, cluster.name());
        builder.environment().put("AWS_ACCESS_KEY_ID", role.accessKeyId());
        builder.environment().put("AWS_SECRET_ACCESS_KEY", role.secretAccessKey());
        builder.environment().put("AWS_SESSION_TOKEN", role.sessionToken());
        Instant start = Instant.now();
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes());
        process.waitFor(2, TimeUnit.MINUTES);
        if (process.exitValue() != 0 || !output.contains("\"peerRemoved\": true")) {
            throw new IllegalStateException("reference run failed:\n" + output);
        }
        double ms = Duration.between(start, completedAt(rig, action)).toNanos() / 1e6;
        System.err.printf(Locale.ROOT, "bench: reference run: %.0f ms%n", ms);
        cluster.finishTermination(victim.instanceId());
        cluster.heal(Duration.ofSeconds(120));
        return ms;
    }

    // ---- launching ------------------------------------------------------------------------------------

    static String launching(Path out) throws Exception {
        try (Rig rig = Rig.start(out.resolve("launching-" + System.currentTimeMillis()))) {
            VaultCluster cluster = rig.startCluster(ClusterSpec.defaults());
            String lock = lockTable(rig);
            LaunchingHandler handler = runtime(cluster, lock, Map.of()).launching();
            List<Double> delays = new ArrayList<>();
            List<Double> totals = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                VaultNode victim = follower(cluster);
                cluster.admin("PUT", "sys/storage/raft/remove-peer", Map.of("server_id", victim.instanceId()));
                String group = victim.groupName();
                String newId = cluster.finishTermination(victim.instanceId());
                LifecycleRecorder.LifecycleAction action = cluster.openLaunch(group, newId);
                Duration stabilization = cluster.spec().stabilizationTime();
                AtomicReference<Instant> readySeen = new AtomicReference<>();
                CompletableFuture<Void> watcher = CompletableFuture.runAsync(() -> {
                    while (readySeen.get() == null && rig.recorder().isOpen(action.token())) {
                        try {
                            JsonNode server = cluster.autopilot().path("servers").path(newId);
                            String status = server.path("status").asText("");
                            String since = server.path("stable_since").asText("");
                            if (server.path("healthy").asBoolean(false) && (status.equals("voter") || status.equals("leader"))
                                    && !since.isEmpty() && !since.startsWith("0001")
                                    && !OffsetDateTime.parse(since).toInstant().plus(stabilization).isAfter(Instant.now())) {
                                readySeen.set(Instant.now());
                            }
                        } catch (RuntimeException e) {
                            // not listed yet
                        }
                        try {
                            Thread.sleep(50);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                });
                Instant start = Instant.now();
                CompletableFuture<LaunchingHandler.Outcome> run = CompletableFuture.supplyAsync(
                        () -> handler.handle(EventBridgeEvents.forAction(action), Duration.ofMinutes(15)));
                cluster.startNode(newId);
                LaunchingHandler.Outcome outcome = run.join();
                watcher.join();
                if (!"CONTINUE".equals(outcome.action()) || readySeen.get() == null) {
                    throw new IllegalStateException("launch benchmark run failed: " + outcome);
                }
                Instant continued = completedAt(rig, action);
                if (i > 0) {
                    delays.add(Duration.between(readySeen.get(), continued).toNanos() / 1e6);
                    totals.add(Duration.between(start, continued).toNanos() / 1e6);
                }
                cluster.heal(Duration.ofSeconds(120));
            }
            return String.format(Locale.ROOT, """
                    ## Launching handler: autopilot stable-healthy to CONTINUE

                    `scripts/bench launching` — local 3-node rig, 5 replacements (after one warm-up). A watcher polls autopilot
                    every 50 ms with the root token and notes the first moment the new node is healthy, a voter and stable for
                    `server_stabilization_time`; the delay is from then to the `CompleteLifecycleAction CONTINUE`. The handler
                    polls at its default `LAUNCH_POLL_INTERVAL_MS` = 1000. Machine: %s.

                    | Figure | Median | Runs (ms) |
                    | --- | --- | --- |
                    | stable-healthy → CONTINUE | **%.0f ms** (goal ≤ 2000) | %s |
                    | launch event → CONTINUE (boot, join, unseal, promotion, stabilization) | %.0f ms | %s |
                    """, machine(), median(delays), list(delays), median(totals), list(totals));
        }
    }

    // ---- publisher ------------------------------------------------------------------------------------

    static String publisher(Path out) throws Exception {
        StringBuilder rows = new StringBuilder();
        double base = 0;
        String canary = "";
        for (int nodes : List.of(3, 6, 12)) {
            try (Rig rig = Rig.start(out.resolve("publisher-" + nodes + "-" + System.currentTimeMillis()))) {
                VaultCluster cluster = rig.startCluster(ClusterSpec.defaults().withTotalNodes(nodes));
                HealthPublisherHandler handler = runtime(cluster, lockTable(rig), Map.of()).publisher();
                List<Double> runs = new ArrayList<>();
                for (int i = 0; i <= 7; i++) {
                    Instant start = Instant.now();
                    HealthPublisherHandler.Outcome outcome = handler.run(Duration.ofMinutes(1));
                    double ms = Duration.between(start, Instant.now()).toNanos() / 1e6;
                    if (outcome.metrics().get("RaftPeers") != nodes) {
                        throw new IllegalStateException("publisher saw " + outcome.metrics());
                    }
                    if (i > 0) {
                        runs.add(ms);
                    }
                }
                double median = median(runs);
                if (nodes == 3) {
                    base = median;
                    canary = canaryRows(cluster, rig, median);
                }
                double[] parts = probeRounds(cluster, lockTable(rig));
                rows.append(String.format(Locale.ROOT, "| %d | **%.0f ms** | %.2f× | %s | %.1f ms | %.1f ms |%n", nodes, median,
                        median / base, list(runs), parts[0], parts[1]));
            }
        }
        return String.format(Locale.ROOT, """
                ## Health publisher: wall time per run

                `scripts/bench publisher` — one run = describe the groups and (at the same time) their instances in EC2, probe
                every node's `sys/health` concurrently, read Raft configuration, autopilot state and settings at once (cached
                login), publish one `PutMetricData`. Warm handler, 7 runs after one warm-up per size. Goal: flat (12 nodes
                ≤ 1.5× the 3-node time).
                Machine: %s.

                | Nodes | Median | vs 3 nodes | Runs (ms) | of which: `sys/health` of every node (pooled), median | certificate check of every node (new TLS context and connections), median |
                | --- | --- | --- | --- | --- | --- |
                %s
                The last two columns are measured in the same run, on the same cluster, apart from the publisher (7 rounds
                after a warm-up each): the health probes on the handlers' pooled connections, and the certificate round
                every observation now adds beside them (one new TLS context, one full handshake per node, concurrently).

                The canary (3 nodes, the same run): the publisher with `CANARY_ADDRESS` on a load-balancer stand-in (TCP
                passthrough, round-robin over the running nodes), then with that stand-in answering nothing (the canary's
                deadline, `CANARY_TIMEOUT_MS=%d`, cuts each of its operations; the other metrics wait at most for that).
                Reference: the run without a canary above, same cluster.

                | Publisher run | Median wall time | vs no canary | Runs (ms) | Canary read / write, median |
                | --- | --- | --- | --- | --- |
                %s""", machine(), rows, Defaults.CANARY_TIMEOUT_MS, canary);
    }

    /**
     * Medians of 7 rounds (after a warm-up) of every node's sys/health on one pooled client, and of a certificate round
     * over every node (what ClusterObserver runs beside the health probes), both concurrent over the nodes.
     */
    private static double[] probeRounds(VaultCluster cluster, String lockTable) throws Exception {
        Settings settings = Settings.from(environment(cluster, lockTable));
        dev.raftlifecycle.ports.VaultClient vault = new dev.raftlifecycle.ports.VaultClient(
                dev.raftlifecycle.ports.VaultTls.context(settings.caPem(), settings.tlsServerName()),
                settings.connectTimeout(), settings.requestTimeout(), settings.vaultPort());
        dev.raftlifecycle.ports.CertificateProbe certificates = new dev.raftlifecycle.ports.CertificateProbe(
                settings.caPem(), settings.tlsServerName(), settings.connectTimeout(), settings.requestTimeout(),
                settings.vaultPort());
        List<VaultNode> nodes = cluster.runningNodes();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(16);
        try {
            List<Double> health = new ArrayList<>();
            List<Double> certs = new ArrayList<>();
            for (int i = 0; i <= 7; i++) {
                long t0 = System.nanoTime();
                List<java.util.concurrent.Future<dev.raftlifecycle.decisions.NodeHealth>> h = new ArrayList<>();
                for (VaultNode n : nodes) {
                    h.add(pool.submit(() -> vault.health(n.instanceId(), n.ip())));
                }
                for (var f : h) {
                    if (!f.get().answered()) {
                        throw new IllegalStateException("a node did not answer: " + f.get());
                    }
                }
                long t1 = System.nanoTime();
                dev.raftlifecycle.ports.CertificateProbe.Round round = certificates.round();
                List<java.util.concurrent.Future<dev.raftlifecycle.decisions.CertificateCheck>> c = new ArrayList<>();
                for (VaultNode n : nodes) {
                    c.add(pool.submit(() -> round.check(n.instanceId(), n.ip())));
                }
                for (var f : c) {
                    if (f.get().outcome() != dev.raftlifecycle.decisions.CertificateCheck.Outcome.VERIFIED) {
                        throw new IllegalStateException("a certificate was not verified: " + f.get());
                    }
                }
                long t2 = System.nanoTime();
                if (i > 0) {
                    health.add((t1 - t0) / 1e6);
                    certs.add((t2 - t1) / 1e6);
                }
            }
            return new double[] {median(health), median(certs)};
        } finally {
            pool.shutdownNow();
        }
    }

    /** The publisher with its canary through a stand-in load balancer, healthy and then answering nothing. */
    private static String canaryRows(VaultCluster cluster, Rig rig, double reference) throws Exception {
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        try (TcpProxy lb = TcpProxy.start("127.0.0.1", 0, "bench-lb", () -> {
            List<VaultNode> running = cluster.runningNodes();
            VaultNode node = running.get(Math.floorMod(next.getAndIncrement(), running.size()));
            return java.util.Optional.of(new java.net.InetSocketAddress(node.ip(), node.apiPort()));
        })) {
            HealthPublisherHandler handler = runtime(cluster, lockTable(rig),
                    Map.of(Settings.CANARY_ADDRESS, "https://127.0.0.1:" + lb.port())).publisher();
            List<Double> healthy = new ArrayList<>();
            List<Double> reads = new ArrayList<>();
            List<Double> writes = new ArrayList<>();
            for (int i = 0; i <= 7; i++) {
                Instant start = Instant.now();
                HealthPublisherHandler.Outcome outcome = handler.run(Duration.ofMinutes(1));
                double ms = Duration.between(start, Instant.now()).toNanos() / 1e6;
                if (!outcome.canary().readSucceeded() || !outcome.canary().writeSucceeded()) {
                    throw new IllegalStateException("the canary failed on a healthy cluster: " + outcome.canary());
                }
                if (i > 0) {
                    healthy.add(ms);
                    reads.add((double) outcome.canary().readMs());
                    writes.add((double) outcome.canary().writeMs());
                }
            }
            lb.loseAnswersUntil(Instant.now().plus(Duration.ofMinutes(10)));
            List<Double> dead = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                Instant start = Instant.now();
                HealthPublisherHandler.Outcome outcome = handler.run(Duration.ofMinutes(1));
                dead.add(Duration.between(start, Instant.now()).toNanos() / 1e6);
                if (outcome.canary().readSucceeded() || outcome.canary().writeSucceeded()
                        || outcome.metrics().get("LeaderPresent") != 1.0) {
                    throw new IllegalStateException("a silent load balancer, yet: " + outcome.canary() + " " + outcome.metrics());
                }
            }
            return String.format(Locale.ROOT, """
                    | canary through the stand-in | **%.0f ms** | %.2f× | %s | %.0f ms / %.0f ms |
                    | canary, the stand-in answering nothing | **%.0f ms** | %.2f× | %s | both failed (timed out) |
                    """, median(healthy), median(healthy) / reference, list(healthy), median(reads), median(writes),
                    median(dead), median(dead) / reference, list(dead));
        }
    }

    // ---- dead-voter window -----------------------------------------------------------------------------

    private static final int DEAD_VOTER_RUNS = 5;
    private static final Duration SPOT_NOTICE = Duration.ofMinutes(2);
    private static final Duration SCHEDULE = Duration.ofMinutes(1);
    private static final int GRACE_SECONDS = 300;

    /** Polls the Raft configuration (root token, every 50 ms) until the peer is gone; returns when it was seen gone. */
    private static Instant awaitPeerGone(VaultCluster cluster, String id, Duration timeout) {
        Instant until = Instant.now().plus(timeout);
        while (Instant.now().isBefore(until)) {
            try {
                if (!cluster.raftNodeIds().contains(id)) {
                    return Instant.now();
                }
            } catch (RuntimeException e) {
                // an election: look again
            }
            sleep(50);
        }
        throw new IllegalStateException(id + " still in the Raft configuration after " + timeout.toSeconds() + " s");
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static double secondsBetween(Instant a, Instant b) {
        return Duration.between(a, b).toMillis() / 1000.0;
    }

    private static String seconds(List<Double> values) {
        return String.join(", ", values.stream().map(v -> String.format(Locale.ROOT, "%.1f", v)).toList());
    }

    /**
     * From an instance's death (SIGKILL and its instance terminated, no lifecycle hook) to its peer gone from the
     * Raft configuration, by three paths measured in one run on one 5-node rig cluster: the state-change event
     * delivered to the reconciler; the path before it (the schedule every minute plus the 300 s grace, which the old
     * reconciler applied to a terminated instance and applies now to an instance EC2 does not list: reproduced by
     * hiding the instance from DescribeInstances, kill at a random moment of the schedule); autopilot's own
     * cleanup_dead_servers at its smallest allowed threshold (1 minute). And a Spot interruption warning's removal,
     * against the death two minutes after it.
     */
    static String deadVoter(Path out) throws Exception {
        try (Rig rig = Rig.start(out.resolve("dead-voter-" + System.currentTimeMillis()))) {
            VaultCluster cluster = rig.startCluster(ClusterSpec.defaults().withTotalNodes(5).withSpot());
            String lock = lockTable(rig);
            HandlerRuntimes runtime = runtime(cluster, lock, Map.of(Settings.STALE_GRACE_SECONDS,
                    Integer.toString(GRACE_SECONDS)));
            ReconcilerHandler reconciler = runtime.reconciler();
            InterruptionHandler interruption = runtime.interruption();

            // 1. A kill, EC2's state change delivered to the reconciler (as EventBridge delivers it).
            List<Double> event = new ArrayList<>();
            for (int i = 0; i < DEAD_VOTER_RUNS; i++) {
                VaultNode victim = follower(cluster);
                Instant died = Instant.now();
                victim.kill();
                cluster.terminateInEc2(victim.instanceId());
                reconciler.handle(EventBridgeEvents.stateChange(victim.instanceId(), "shutting-down"), Duration.ofMinutes(2));
                event.add(secondsBetween(died, awaitPeerGone(cluster, victim.instanceId(), Duration.ofMinutes(2))));
                cluster.heal(Duration.ofSeconds(180));
            }

            // 2. A Spot interruption warning, the death two minutes later: removal relative to the death.
            List<Double> spot = new ArrayList<>();
            for (int i = 0; i < DEAD_VOTER_RUNS; i++) {
                VaultNode victim = i % 2 == 0 ? follower(cluster) : cluster.awaitLeader(Duration.ofSeconds(30));
                Instant warned = Instant.now();
                InterruptionHandler.Outcome outcome = interruption.handle(rig.interruptSpot(victim.instanceId()),
                        Duration.ofMinutes(2));
                Instant gone = awaitPeerGone(cluster, victim.instanceId(), Duration.ofMinutes(2));
                if (!outcome.peerRemoved()) {
                    throw new IllegalStateException("the warning did not remove the peer: " + outcome);
                }
                spot.add(secondsBetween(warned.plus(SPOT_NOTICE), gone)); // negative: gone before the death
                victim.kill(); // the interruption itself (nothing left to measure after the removal)
                cluster.terminateInEc2(victim.instanceId());
                cluster.heal(Duration.ofSeconds(180));
            }

            // 3. Autopilot's dead-server cleanup at its smallest allowed threshold.
            cluster.admin("POST", "sys/storage/raft/autopilot/configuration", Map.of("cleanup_dead_servers", true,
                    "dead_server_last_contact_threshold", "1m", "min_quorum", 3));
            List<Double> autopilot = new ArrayList<>();
            for (int i = 0; i < DEAD_VOTER_RUNS; i++) {
                VaultNode victim = follower(cluster);
                Instant died = Instant.now();
                victim.kill();
                cluster.terminateInEc2(victim.instanceId());
                autopilot.add(secondsBetween(died, awaitPeerGone(cluster, victim.instanceId(), Duration.ofMinutes(5))));
                cluster.heal(Duration.ofSeconds(180));
            }
            cluster.admin("POST", "sys/storage/raft/autopilot/configuration", Map.of("cleanup_dead_servers", false));

            // 4. The schedule alone: every minute, grace 300 s, the kill at a random moment of the minute.
            List<Double> schedule = new ArrayList<>();
            java.util.concurrent.ScheduledExecutorService ticks = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
            ticks.scheduleAtFixedRate(() -> {
                try {
                    reconciler.run(Duration.ofMinutes(2));
                } catch (RuntimeException e) {
                    // the next tick tries again, as the next scheduled invocation would
                }
            }, 0, SCHEDULE.toMillis(), TimeUnit.MILLISECONDS);
            try {
                for (int i = 0; i < DEAD_VOTER_RUNS; i++) {
                    sleep(java.util.concurrent.ThreadLocalRandom.current().nextLong(SCHEDULE.toMillis()));
                    VaultNode victim = follower(cluster);
                    Instant died = Instant.now();
                    victim.kill();
                    cluster.terminateInEc2(victim.instanceId());
                    rig.recorder().hideFromEc2(victim.instanceId(), true);
                    schedule.add(secondsBetween(died, awaitPeerGone(cluster, victim.instanceId(),
                            Duration.ofSeconds(GRACE_SECONDS).plus(SCHEDULE).plusMinutes(2))));
                    rig.recorder().hideFromEc2(victim.instanceId(), false);
                    cluster.heal(Duration.ofSeconds(180));
                }
            } finally {
                ticks.shutdownNow();
            }

            return String.format(Locale.ROOT, """
                    ## The dead-voter window: an instance dies without a lifecycle hook

                    `scripts/bench dead-voter` — one 5-node rig cluster, %d runs of each path in the same run. The window is
                    from the moment the instance dies (SIGKILL of its Vault, the instance terminated in EC2, no lifecycle
                    hook: a Spot loss, a failed host, an EC2 API termination) to the moment its peer is gone from the Raft
                    configuration (polled every 50 ms). While it lasts the cluster has a dead voter: it tolerates one
                    failure less than its size says. Machine: %s.

                    | Path | Median | Runs (s) |
                    | --- | --- | --- |
                    | EC2's state change → reconciler, at once (no grace: `shutting-down`/`terminated` are final) | **%.1f s** (goal ≤ 10) | %s |
                    | Spot interruption warning → interruption handler, two minutes' notice (negative: the peer was gone before the instance died) | **%.1f s** (goal ≤ 0) | %s |
                    | autopilot `cleanup_dead_servers`, `dead_server_last_contact_threshold` 1 m (the smallest Vault allows), `min_quorum` 3 | %.1f s | %s |
                    | before: the reconciler's one-minute schedule plus its 300 s grace (kill at a random moment of the minute) | %.1f s | %s |

                    Not in these figures: EventBridge's delivery of the EC2 event and a Lambda cold start (SnapStart restores
                    in a few hundred milliseconds; the terminating benchmark's cold path is the upper bound), which the
                    deployment adds to the first row. The warning rows include the leader's step-down (every other run warns
                    the leader).
                    """, DEAD_VOTER_RUNS, machine(), median(event), seconds(event), median(spot), seconds(spot),
                    median(autopilot), seconds(autopilot), median(schedule), seconds(schedule));
        }
    }

    // ---- chaos ----------------------------------------------------------------------------------------

    static String chaos(Path out) throws Exception {
        int nodes = 5;
        int rounds = 20;
        int rps = 50;
        long seed = 20261122L;
        // As it was (the lab's earlier client, no quiet period after a step-down), then each change on its own:
        // the handler's quiet period, then the deadline client. Same seed and length, one after the other.
        record Config(String label, KvLoad.Client client, String quiet) {
        }
        List<Config> configs = List.of(
                new Config("before: client without a hard deadline, no quiet period (`STEP_DOWN_QUIET_SECONDS=0`)",
                        KvLoad.Client.BEFORE, "0"),
                new Config("the same client, quiet period 10 s (the default)", KvLoad.Client.BEFORE, "10"),
                new Config("deadline client (500 ms attempts, 2 s budget), quiet period 10 s", KvLoad.Client.DEADLINE, "10"));
        Map<Config, Chaos.Run> runs = new java.util.LinkedHashMap<>();
        for (Config config : configs) {
            runs.put(config, Chaos.execute(nodes, rounds, rps, seed, config.client(),
                    Map.of(dev.raftlifecycle.config.Settings.STEP_DOWN_QUIET_SECONDS, config.quiet()), out, System.out));
        }
        StringBuilder table = new StringBuilder("""
                | Run | exit | availability by operations | by time: seconds with a write | seconds without | longest write stall | longest stall per leader round, median | per follower round, median | longest wait for a worker |
                | --- | --- | --- | --- | --- | --- | --- | --- | --- |
                """);
        for (Map.Entry<Config, Chaos.Run> e : runs.entrySet()) {
            Chaos.Result r = e.getValue().result();
            table.append(String.format(Locale.ROOT, "| %s | %d | %.2f %% | %.2f %% | %d of %d | %.2f s | **%.2f s** (goal ≤ 2) | **%.2f s** (goal ≤ 0.5) | %d ms |%n",
                    e.getKey().label(),
                    e.getValue().exit(), r.availability(), r.total().percent(), r.total().secondsWithout(), r.total().seconds(),
                    r.total().longestStall().toMillis() / 1000.0, r.medianStall(true), r.medianStall(false),
                    r.maxQueued().toMillis()));
        }
        StringBuilder phases = new StringBuilder("""
                | Phase (offset from the termination's start; median, and the leader rounds it was seen in) | before | quiet period | quiet period + deadline client |
                | --- | --- | --- | --- |
                """);
        for (HandoverTrace.Phase phase : HandoverTrace.Phase.values()) {
            List<String> cells = new ArrayList<>();
            for (Chaos.Run run : runs.values()) {
                List<HandoverTrace.Breakdown> handovers = run.result().handovers();
                List<Double> values = handovers.stream().flatMap(h -> h.of(phase).stream())
                        .map(d -> d.toMillis() / 1000.0).toList();
                cells.add(String.format(Locale.ROOT, "%s (%d of %d)", values.isEmpty() ? "-"
                        : String.format(Locale.ROOT, "%.2f s", median(values)), values.size(), handovers.size()));
            }
            phases.append(String.format(Locale.ROOT, "| %s | %s |%n", phase.label, String.join(" | ", cells)));
        }
        StringBuilder lines = new StringBuilder();
        runs.forEach((config, run) -> {
            lines.append("# --client ").append(config.client().name().toLowerCase(Locale.ROOT))
                    .append(", STEP_DOWN_QUIET_SECONDS=").append(config.quiet()).append('\n');
            lines.append(run.result().line()).append('\n');
            run.result().timeLines().forEach(l -> lines.append(l).append('\n'));
        });
        return String.format(Locale.ROOT, """
                ## Reliability: chaos with %d nodes, %d rounds, %d req/s, and the leader handover

                `scripts/lab chaos --nodes %d --rounds %d --load %d --seed %d --client before --step-down-quiet 0`, then the same
                with `--step-down-quiet 10` (the handler's default), then with the default `--client deadline` too (what
                `scripts/bench chaos` runs, one after the other). Each round terminates a random node
                (every third round the leader) through the full lifecycle path and waits for the replacement and full failure
                tolerance, while a KV client writes and reads at %d req/s to the nodes the load-balancer stand-in routes to.
                Operations are timed from when they fell due. Availability by time counts the whole seconds with at least one
                acknowledged write (one-second buckets from each window's start: a stall under ~2 s may leave every second
                with a write, which is why the longest stall is reported too); a write stall is an interval with none.
                Machine: %s.

                %s
                Where a leader round's time goes (medians over the leader rounds; from the Vault servers' own log lines and
                from the lab's 50 ms polling of `sys/leader` and of the stand-in's targets):

                %s
                ```
                %s```
                """, nodes, rounds, rps, nodes, rounds, rps, seed, rps, machine(), table, phases, lines);
    }
}
