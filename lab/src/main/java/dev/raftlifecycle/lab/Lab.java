package dev.raftlifecycle.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.raftlifecycle.contract.ClusterSystem;
import dev.raftlifecycle.rig.LifecycleRecorder;
import dev.raftlifecycle.rig.VaultNode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * scripts/lab: the whole lifecycle on one machine, no AWS account.
 *
 * <pre>
 *   scripts/lab                      the scripted demo (up, terminate a follower, terminate the leader, down)
 *   scripts/lab --system consul      the scripted demo on three Consul servers
 *   scripts/lab up [--nodes N] [--foreign]  start a lab in the background (--foreign: a cluster not built our way)
 *   scripts/lab adopt [--shadow] [--no-retain-policy]  wire the automation to a foreign lab's groups
 *   scripts/lab status [--json]      nodes and cluster
 *   scripts/lab terminate ID|leader|random
 *   scripts/lab kill [--process-only] ID
 *   scripts/lab invoke terminating|launching|publisher|reconciler EVENT.json [--instance ID] [--deliver-only]
 *   scripts/lab env                  shell exports for the vault and aws CLIs
 *   scripts/lab restart ID           start a killed Vault process again
 *   scripts/lab timeline             write the timeline page of the running lab
 *   scripts/lab down                 stop everything the lab started
 *   scripts/lab chaos [--nodes N] [--rounds R] [--load RPS] [--seed S] [--client deadline|before] [--step-down-quiet S]
 *   scripts/lab drill restore|peers-json
 *   scripts/lab roll [--nodes N] [--order leader-last|as-aws] [--load RPS]
 * </pre>
 */
public final class Lab {
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * How many of the background lab's three groups (the last ones) run Spot instances: EC2 sends Spot interruption
     * warnings for those only; the first group's on-demand instances show what a warning AWS does not confirm does.
     */
    static final int DEFAULT_SPOT_GROUPS = 2;
    /** The background lab's KV probe rate (operations per second): enough for a latency line, no real load. */
    private static final int DEFAULT_PROBE_RPS = 2;
    private static final String USAGE = """
            usage: scripts/lab [command]
              (no command)                          scripted demo: up, status, terminate a follower, terminate the leader, down
              [demo] --foreign [--nodes N]          the scripted demo on a cluster not built our way, adopted first;
                                                    a lost instance (a kill) too
              [demo] --system consul [--nodes N]    the scripted demo on Consul servers (SYSTEM=consul): a follower and the
                                                    leader terminated, a server lost without a hook, KV and metrics checked
              up [--nodes N] [--launch-wait S] [--probe RPS] [--spot-groups G]
                                                    start a lab in the background (default 3 nodes over 3 AZ groups;
                                                    S: the launching handler's budget, default 120 s; RPS: a KV
                                                    probe's rate for the timeline's latency, default 2, 0 = off;
                                                    G: how many of the 3 groups launch Spot instances, default 2)
                  [--foreign]                       a cluster built the way other tools build them: node ids that are
                                                    random UUIDs, api_addr/cluster_addr by the instance's private DNS
                                                    name (resolved through a managed block in /etc/hosts: needs root),
                                                    groups without our hooks and without the retain policy; no
                                                    handler runs until 'adopt'
              adopt [--shadow] [--no-retain-policy] wire the automation to a foreign lab: our launch and terminate
                                                    hooks on its groups and the retain policy (TerminateHookAbandon =
                                                    retain), through the SDK at the lab's AWS endpoint, and the
                                                    handlers switched on (--shadow: MODE=shadow, they only decide and
                                                    log; --no-retain-policy: leave the policy out, the handlers then
                                                    refuse to remove anything, reason retain-policy-missing); again
                                                    without --shadow: shadow off
              status [--json]                       nodes and cluster of the running lab
              terminate <instance-id|leader|random> full lifecycle path: terminate hook, removal, replacement, launch hook
              kill [--process-only] <instance-id>   SIGKILL with no lifecycle event, the instance terminated and EC2's state
                                                    changes delivered (a Spot loss, a failed host; --process-only: a
                                                    crash, the instance keeps running)
              spot <instance-id> [--notice S]       a Spot interruption: the warning now, the instance taken S s later
                                                    (default 120), as kill does
              invoke <terminating|launching|publisher|reconciler|interruption> <event.json> [--instance ID] [--deliver-only] [--no-boot]
                                                    replay an event as AWS would: open the lifecycle action it names,
                                                    deliver it, then do what Auto Scaling does with the result
                                                    (--instance: a lab instance id, leader, follower, random, or new
                                                    for a launch; fills in the event's instance, group, hook;
                                                    --deliver-only: just deliver; --no-boot: the new instance's
                                                    Vault never starts)
              env                                   shell exports for vault/aws CLIs: eval "$(scripts/lab env)"
              restart <instance-id>                 start a killed Vault process again, with its data
              timeline                              write the timeline page of the running lab
              down                                  stop everything the lab started (and only that)
              chaos [--nodes N] [--rounds R] [--load RPS] [--seed S] [--client deadline|before] [--step-down-quiet S]
                                                    R rounds of random terminations under KV load (own cluster);
                                                    --client before: the KV client without a hard deadline;
                                                    --step-down-quiet: the handler's STEP_DOWN_QUIET_SECONDS
              drill restore                         lost quorum, restored from a snapshot (own cluster): writes, a snapshot
                                                    to S3, more writes, every node and its data gone, a new cluster on
                                                    the same unseal key, scripts/restore-snapshot's restore; RPO and RTO
              roll [--nodes N] [--order leader-last|as-aws] [--load RPS]
                                                    every node rolled to a new image (a new launch template version) by
                                                    scripts/rolling-upgrade against the lab's AWS endpoint, under KV load
                                                    (own cluster; default 3 nodes, leader-last, 20 req/s); ends with
                                                    roll: nodes= replaced= elections= lost_writes= min_failure_tolerance=
                                                    longest_write_stall_s= duration_s= (exit 0 only if all were replaced)
              drill peers-json                      lost quorum, survivors recovered with peers.json (own 5-node cluster):
                                                    3 of 5 killed, the RUNBOOK's steps on the 2 left; no write lost, RTO
            """;

    private Lab() {
    }

    public static void main(String[] args) throws Exception {
        System.exit(run(args, System.out));
    }

    static int run(String[] args, PrintStream out) throws Exception {
        return run(args, out, Path.of(System.getProperty("lab.dir", "out/lab")).toAbsolutePath());
    }

    static int run(String[] args, PrintStream out, Path dir) throws Exception {
        Files.createDirectories(dir);
        // No command, or options only (scripts/lab --system consul): the demo.
        boolean commandGiven = args.length > 0 && !args[0].startsWith("--");
        String command = commandGiven ? args[0] : "demo";
        Map<String, String> options = new HashMap<>();
        List<String> positional = new ArrayList<>();
        for (int i = commandGiven ? 1 : 0; i < args.length; i++) {
            if (args[i].startsWith("--")) {
                String name = args[i].substring(2);
                if (name.equals("json") || name.equals("process-only") || name.equals("deliver-only")
                        || name.equals("no-boot") || name.equals("foreign") || name.equals("shadow")
                        || name.equals("no-retain-policy")) {
                    options.put(name, "true");
                } else if (i + 1 < args.length) {
                    options.put(name, args[++i]);
                } else {
                    return usage(out, "--" + name + " needs a value");
                }
            } else {
                positional.add(args[i]);
            }
        }
        try {
            ClusterSystem system = system(options);
            if (system == ClusterSystem.CONSUL && options.containsKey("foreign")) {
                return usage(out, "--foreign is Vault only: the lab builds its Consul servers our way");
            }
            if (system == ClusterSystem.CONSUL && !command.equals("demo")) {
                return usage(out, "--system consul: only the scripted demo runs on Consul servers so far "
                        + "(scripts/lab --system consul); '" + command + "' is Vault-only");
            }
            return switch (command) {
                case "demo" -> system == ClusterSystem.CONSUL ? ConsulDemo.run(number(options, "nodes", 3, 3, 9), dir, out)
                        : Demo.run(number(options, "nodes", 3, 3, 9), dir, out, options.containsKey("foreign"));
                case "chaos" -> Chaos.execute(number(options, "nodes", 3, 3, 9), number(options, "rounds", 3, 1, 1000),
                        number(options, "load", 20, 0, 1000),
                        Long.parseLong(options.getOrDefault("seed", Long.toString(System.currentTimeMillis()))),
                        KvLoad.Client.parse(options.getOrDefault("client", "deadline")),
                        options.containsKey("step-down-quiet") ? Map.of(dev.raftlifecycle.config.Settings.STEP_DOWN_QUIET_SECONDS,
                                Integer.toString(number(options, "step-down-quiet", 10, 0, 60))) : Map.of(), dir, out).exit();
                case "roll" -> LabRoll.execute(number(options, "nodes", 3, 3, 9), order(options),
                        number(options, "load", 20, 0, 1000), dir, out).exit();
                case "drill" -> positional.size() != 1 ? usage(out, "drill takes restore or peers-json")
                        : Drills.run(positional.get(0), dir, out);
                case "up" -> up(dir, number(options, "nodes", 3, 3, 9), number(options, "launch-wait", 120, 5, 900),
                        number(options, "probe", DEFAULT_PROBE_RPS, 0, 50),
                        number(options, "spot-groups", DEFAULT_SPOT_GROUPS, 0, 3), options.containsKey("foreign"), out);
                case "daemon" -> daemon(dir, number(options, "nodes", 3, 3, 9), number(options, "launch-wait", 120, 5, 900),
                        number(options, "probe", DEFAULT_PROBE_RPS, 0, 50),
                        number(options, "spot-groups", DEFAULT_SPOT_GROUPS, 0, 3), options.containsKey("foreign"));
                case "adopt" -> !positional.isEmpty() ? usage(out, "adopt takes no argument (options: --shadow, --no-retain-policy)")
                        : client(dir, out, "POST", "/adopt" + (options.containsKey("shadow") ? "?shadow=1" : "?shadow=0")
                        + (options.containsKey("no-retain-policy") ? "&retain=0" : ""), null);
                case "status" -> client(dir, out, "GET", "/status" + (options.containsKey("json") ? "?json=1" : ""), null);
                case "terminate" -> positional.size() != 1 ? usage(out, "terminate takes one instance id, 'leader' or 'random'")
                        : client(dir, out, "POST", "/terminate?target=" + encode(positional.get(0)), null);
                case "spot" -> positional.size() != 1 ? usage(out, "spot takes one instance id")
                        : client(dir, out, "POST", "/spot?instance=" + encode(positional.get(0)) + "&notice="
                        + number(options, "notice", 120, 0, 3600), null);
                case "kill" -> positional.size() != 1 ? usage(out, "kill takes one instance id")
                        : client(dir, out, "POST", "/kill?instance=" + encode(positional.get(0))
                        + (options.containsKey("process-only") ? "&processOnly=1" : ""), null);
                case "invoke" -> invoke(dir, out, positional, options);
                case "env" -> client(dir, out, "GET", "/env", null);
                case "timeline" -> client(dir, out, "POST", "/timeline", null);
                case "restart" -> positional.size() != 1 ? usage(out, "restart takes one instance id")
                        : client(dir, out, "POST", "/restart?instance=" + encode(positional.get(0)), null);
                case "down" -> client(dir, out, "POST", "/down", null);
                case "help", "-h", "--help" -> {
                    out.print(USAGE);
                    yield 0;
                }
                default -> usage(out, "unknown command '" + command + "'");
            };
        } catch (IllegalArgumentException e) {
            return usage(out, e.getMessage());
        }
    }

    private static int usage(PrintStream out, String problem) {
        out.println("lab: " + problem);
        out.print(USAGE);
        return 2;
    }

    private static ClusterSystem system(Map<String, String> options) {
        String value = options.getOrDefault("system", ClusterSystem.VAULT.value());
        return ClusterSystem.of(value).orElseThrow(() -> new IllegalArgumentException("--system must be "
                + String.join(" or ", java.util.Arrays.stream(ClusterSystem.values()).map(ClusterSystem::value).toList())
                + ", not '" + value + "'"));
    }

    /** --order of scripts/lab roll: the rolling-upgrade order, checked against the command's own names. */
    private static String order(Map<String, String> options) {
        String value = options.getOrDefault("order", dev.raftlifecycle.roll.RollCommand.Order.LEADER_LAST.value());
        java.util.Arrays.stream(dev.raftlifecycle.roll.RollCommand.Order.values()).filter(o -> o.value().equals(value))
                .findFirst().orElseThrow(() -> new IllegalArgumentException("--order must be "
                        + java.util.Arrays.stream(dev.raftlifecycle.roll.RollCommand.Order.values())
                        .map(dev.raftlifecycle.roll.RollCommand.Order::value).collect(java.util.stream.Collectors.joining(" or "))
                        + ", not '" + value + "'"));
        return value;
    }

    private static int number(Map<String, String> options, String name, int fallback, int min, int max) {
        String value = options.get(name);
        if (value == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(value);
            if (n < min || n > max) {
                throw new IllegalArgumentException("--" + name + " must be between " + min + " and " + max);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be a number, not '" + value + "'");
        }
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    // ---- background lab --------------------------------------------------------------------------

    private static Path stateFile(Path dir) {
        return dir.resolve("lab.json");
    }

    /** The running daemon's state, if its process is alive. */
    private static Optional<JsonNode> running(Path dir) {
        Path file = stateFile(dir);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            JsonNode state = JSON.readTree(file.toFile());
            long pid = state.path("pid").asLong();
            if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                return Optional.of(state);
            }
        } catch (IOException e) {
            // unreadable: treat as not running
        }
        return Optional.empty();
    }

    private static int up(Path dir, int nodes, int launchWait, int probe, int spotGroups, boolean foreign, PrintStream out)
            throws Exception {
        // Two 'up's at once must not both start a daemon: the check and the "starting" state are written under an
        // exclusive lock, and the state names the new daemon from the moment it is spawned.
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(dir.resolve("up.lock"),
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
             java.nio.channels.FileLock lock = channel.tryLock()) {
            if (lock == null) {
                out.println("lab: another 'scripts/lab up' is starting a lab right now; use 'scripts/lab status' in a moment");
                return 1;
            }
            return upLocked(dir, nodes, launchWait, probe, spotGroups, foreign, out);
        }
    }

    private static int upLocked(Path dir, int nodes, int launchWait, int probe, int spotGroups, boolean foreign,
                                PrintStream out) throws Exception {
        Optional<JsonNode> existing = running(dir);
        if (existing.isPresent()) {
            boolean ready = existing.get().path("ready").asBoolean();
            out.println("lab: a lab is already " + (ready ? "running" : "starting") + " (pid "
                    + existing.get().path("pid").asLong() + ", started " + existing.get().path("startedAt").asText()
                    + "); use 'scripts/lab status' or 'scripts/lab down'");
            return 1;
        }
        Files.deleteIfExists(stateFile(dir));
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            command.add("/usr/bin/setsid"); // its own session: a Ctrl-C in this terminal does not reach it
        }
        command.addAll(List.of(java, "-cp", System.getProperty("java.class.path"), "-Dlab.dir=" + dir));
        for (String property : List.of("raftlifecycle.repoRoot", "RIG_VAULT_BIN", "RIG_MOTO_SERVER")) {
            if (System.getProperty(property) != null) {
                command.add("-D" + property + "=" + System.getProperty(property));
            }
        }
        command.addAll(List.of(Lab.class.getName(), "daemon", "--nodes", Integer.toString(nodes),
                "--launch-wait", Integer.toString(launchWait), "--probe", Integer.toString(probe),
                "--spot-groups", Integer.toString(spotGroups)));
        if (foreign) {
            command.add("--foreign");
        }
        Path log = dir.resolve("daemon.log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        ObjectNode starting = JSON.createObjectNode();
        starting.put("pid", process.pid());
        starting.put("startedAt", Instant.now().toString());
        starting.put("nodes", nodes);
        starting.put("ready", false);
        writeState(dir, starting);
        out.println("lab: starting " + nodes + " Vault nodes" + (foreign ? " built the way other tools build them" : "")
                + " in the background (log: " + log + ") ...");
        Instant deadline = Instant.now().plusSeconds(240);
        int progressLines = 0;
        while (Instant.now().isBefore(deadline)) {
            progressLines = echoProgress(log, progressLines, out);
            Optional<JsonNode> state = running(dir);
            if (state.isPresent() && state.get().path("ready").asBoolean()) {
                echoProgress(log, progressLines, out);
                out.println("lab: up (pid " + state.get().path("pid").asLong() + ")" + (foreign
                        ? "; no automation on its groups yet: 'scripts/lab adopt [--shadow]' wires it" : ""));
                return client(dir, out, "GET", "/status", null);
            }
            if (!process.isAlive()) {
                Files.deleteIfExists(stateFile(dir));
                out.println("lab: the lab failed to start:\n" + tail(log, 25));
                return 1;
            }
            Thread.sleep(300);
        }
        process.destroy();
        process.waitFor(60, TimeUnit.SECONDS);
        Files.deleteIfExists(stateFile(dir));
        out.println("lab: the lab did not come up within 240 s:\n" + tail(log, 25));
        return 1;
    }

    /** Prints the daemon's progress lines ("lab: [ 12.3 s] ...") written since the last call; returns the count seen. */
    private static int echoProgress(Path log, int seen, PrintStream out) {
        try {
            List<String> lines = Files.readAllLines(log).stream().filter(l -> l.startsWith(Progress.PREFIX)).toList();
            for (int i = seen; i < lines.size(); i++) {
                out.println(lines.get(i));
            }
            return lines.size();
        } catch (IOException e) {
            return seen;
        }
    }

    private static void writeState(Path dir, ObjectNode state) throws IOException {
        Path tmp = dir.resolve("lab.json.tmp");
        JSON.writeValue(tmp.toFile(), state);
        Files.move(tmp, stateFile(dir), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private static String tail(Path file, int lines) throws IOException {
        List<String> all = Files.readAllLines(file);
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    private static int daemon(Path dir, int nodes, int launchWait, int probe, int spotGroups, boolean foreign)
            throws Exception {
        LabEnvironment lab = LabEnvironment.start(nodes, dir, Map.of(
                dev.raftlifecycle.config.Settings.LAUNCH_MAX_WAIT_SECONDS, Integer.toString(launchWait)),
                new Progress(System.out), spotGroups, foreign);
        CountDownLatch stop = new CountDownLatch(1);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        KvLoad load = new KvLoad(lab, probe);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.stop(0);
            load.close();
            lab.close();
            try {
                Files.deleteIfExists(stateFile(dir));
            } catch (IOException e) {
                // best effort
            }
        }, "lab-daemon-shutdown"));
        lab.startSchedules(Duration.ofSeconds(10));
        load.start();
        server.createContext("/", exchange -> serve(lab, exchange, stop));
        server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
        server.start();
        ObjectNode state = JSON.createObjectNode();
        state.put("pid", ProcessHandle.current().pid());
        state.put("port", server.getAddress().getPort());
        state.put("startedAt", Instant.now().toString());
        state.put("nodes", nodes);
        state.put("dir", lab.dir.toString());
        state.put("ready", true);
        writeState(dir, state);
        System.out.println("lab daemon: ready on port " + server.getAddress().getPort());
        stop.await();
        Thread.sleep(200); // let the last response flush
        return 0;
    }

    private static void serve(LabEnvironment lab, HttpExchange exchange, CountDownLatch stop) throws IOException {
        String text;
        int status = 200;
        try {
            Map<String, String> query = query(exchange.getRequestURI());
            String path = exchange.getRequestURI().getPath();
            text = switch (path) {
                case "/status" -> query.containsKey("json")
                        ? JSON.writerWithDefaultPrettyPrinter().writeValueAsString(StatusView.collect(lab)) + "\n"
                        : StatusView.render(StatusView.collect(lab));
                case "/terminate" -> terminate(lab, query.getOrDefault("target", ""));
                case "/kill" -> lab.driver.kill(instance(lab, query.getOrDefault("instance", "")),
                        !query.containsKey("processOnly")) + "\n";
                case "/spot" -> lab.driver.spot(instance(lab, query.getOrDefault("instance", "")),
                        Duration.ofSeconds(Long.parseLong(query.getOrDefault("notice", "120"))));
                case "/invoke" -> EventReplay.run(lab, new EventReplay.Request(query.getOrDefault("handler", ""),
                        exchange.getRequestBody().readAllBytes(), Optional.ofNullable(query.get("instance")),
                        query.containsKey("deliverOnly"), query.containsKey("noBoot")));
                case "/env" -> lab.env();
                case "/adopt" -> lab.adopt("1".equals(query.get("shadow")), !"0".equals(query.get("retain")));
                case "/restart" -> lab.driver.restart(knownInstance(lab, query.getOrDefault("instance", ""))) + "\n";
                case "/timeline" -> "lab: timeline written to " + lab.timeline.write(lab.dir.resolve("timeline-"
                        + System.currentTimeMillis() + ".html"), "raft-lifecycle lab " + lab.cluster.name(),
                        List.of(StatusView.render(StatusView.collect(lab)).lines().reduce((a, b) -> b).orElse(""))) + "\n";
                case "/down" -> {
                    stop.countDown();
                    yield "lab: stopping every process the lab started\n";
                }
                default -> {
                    status = 404;
                    yield "unknown path " + path + "\n";
                }
            };
        } catch (RuntimeException e) {
            status = 400;
            text = "lab: " + e.getMessage() + "\n";
        }
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream body = exchange.getResponseBody()) {
            body.write(bytes);
        }
    }

    /** A lab instance, running or not; one that is terminated (gone from the groups) is named as such. */
    private static String knownInstance(LabEnvironment lab, String id) {
        if (lab.cluster.nodes().stream().anyMatch(n -> n.instanceId().equals(id))) {
            return id;
        }
        String state = lab.driver.state(id);
        throw new IllegalArgumentException(state.startsWith("Terminated") ? id + " is terminated: nothing to restart"
                : "no lab node " + id + " (see scripts/lab status)");
    }

    private static String instance(LabEnvironment lab, String id) {
        return lab.cluster.nodes().stream().map(VaultNode::instanceId).filter(id::equals).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no lab node " + id + " (see scripts/lab status)"));
    }

    private static String terminate(LabEnvironment lab, String target) {
        String id = switch (target) {
            case "leader" -> lab.cluster.awaitLeader(Duration.ofSeconds(30)).instanceId();
            case "random" -> {
                List<VaultNode> running = lab.cluster.runningNodes().stream()
                        .filter(n -> lab.driver.state(n.instanceId()).equals("InService")).toList();
                if (running.isEmpty()) {
                    throw new IllegalArgumentException("no running instance in service to terminate");
                }
                yield running.get(ThreadLocalRandom.current().nextInt(running.size())).instanceId();
            }
            default -> instance(lab, target);
        };
        EventReplay.refuseOpenAction(lab, id);
        LifecycleDriver.Termination t = lab.driver.terminate(id);
        StringBuilder out = new StringBuilder();
        out.append(String.format("terminate %s: terminate hook %s (%s)%s%s in %.1f s%n", id, t.result(), t.reason(),
                t.steppedDown() ? ", leader stepped down" : "", t.peerRemoved() ? ", peer removed" : "",
                t.handlerTime().toMillis() / 1000.0));
        t.replacement().ifPresent(l -> out.append(String.format("replacement %s: launch hook %s (%s) after %.1f s%n",
                l.instanceId(), l.result(), l.reason(), l.took().toMillis() / 1000.0)));
        out.append(String.format("total %.1f s%n", t.total().toMillis() / 1000.0));
        return out.toString();
    }

    private static Map<String, String> query(URI uri) {
        Map<String, String> out = new HashMap<>();
        String raw = uri.getRawQuery();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                out.put(URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8),
                        eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    // ---- client side ------------------------------------------------------------------------------

    private static int invoke(Path dir, PrintStream out, List<String> positional, Map<String, String> options)
            throws Exception {
        if (positional.size() != 2) {
            return usage(out, "invoke takes a handler (terminating, launching, publisher, reconciler) and an event file");
        }
        Path file = Path.of(positional.get(1));
        if (!Files.isReadable(file)) {
            out.println("lab: cannot read event file " + file);
            return 2;
        }
        StringBuilder path = new StringBuilder("/invoke?handler=").append(encode(positional.get(0)));
        if (options.containsKey("instance")) {
            path.append("&instance=").append(encode(options.get("instance")));
        }
        if (options.containsKey("deliver-only")) {
            path.append("&deliverOnly=1");
        }
        if (options.containsKey("no-boot")) {
            path.append("&noBoot=1");
        }
        return client(dir, out, "POST", path.toString(), Files.readAllBytes(file));
    }

    private static int client(Path dir, PrintStream out, String method, String path, byte[] body) throws Exception {
        Optional<JsonNode> state = running(dir);
        if (state.isEmpty()) {
            out.println("lab: no lab is running; start one with 'scripts/lab up'");
            return 1;
        }
        if (!state.get().path("ready").asBoolean()) {
            long pid = state.get().path("pid").asLong();
            if (!path.equals("/down")) {
                out.println("lab: the lab (pid " + pid + ") is still starting; try again in a moment");
                return 1;
            }
            // Still starting: no control port yet. SIGTERM runs its shutdown hooks, which stop what it started.
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
            awaitExit(pid);
            Files.deleteIfExists(stateFile(dir));
            out.println("lab: down");
            return 0;
        }
        HttpClient client = HttpClient.newHttpClient();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + state.get().path("port").asInt() + path))
                .timeout(Duration.ofMinutes(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        out.print(response.body());
        if (path.equals("/down")) {
            awaitExit(state.get().path("pid").asLong());
            out.println("lab: down");
        }
        return response.statusCode() == 200 ? 0 : 1;
    }

    /** Waits (up to a minute) for the lab daemon to exit. */
    private static void awaitExit(long pid) throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(60);
        while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && Instant.now().isBefore(deadline)) {
            Thread.sleep(200);
        }
    }
}
