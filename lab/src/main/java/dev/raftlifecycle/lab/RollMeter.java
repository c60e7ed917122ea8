package dev.raftlifecycle.lab;

import com.fasterxml.jackson.databind.JsonNode;
import dev.raftlifecycle.rig.VaultCluster;
import dev.raftlifecycle.rig.VaultHttp;
import dev.raftlifecycle.rig.VaultNode;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What a roll costs a client, measured from outside the automation, for the line
 * {@code roll: nodes=N replaced=N elections=E lost_writes=L min_failure_tolerance=F longest_write_stall_s=S duration_s=D}.
 * {@link #start} before the roll, {@link #stop} after it, around a {@link KvLoad} the caller runs (the deadline
 * client: the meter generates no load of its own beyond a low-rate {@link AckedWrites} probe).
 *
 * <ul>
 *   <li><b>elections</b>: from the Raft term. Every {@link #POLL} the meter reads autopilot's state
 *   ({@code sys/storage/raft/autopilot/state}, the cluster's own API, with the lab's root token, through any running
 *   node, the last leader first, each attempt cut at {@link #CUT}): the leader and its {@code last_term} (the term
 *   of its last log entry, which a new leader's first entry moves to the new term at once). Every election begins
 *   a term, so the rise of the term from the first sample to the highest seen counts the elections, however many
 *   fell between two samples (A to B and back to A between two polls is 2); an election that elected nobody (a
 *   split vote) begins a term and counts too, as the publisher's LeaderChanges metric counts it. The leader
 *   changes seen from sample to sample are counted as well and the larger count wins, so that a cluster that
 *   reports no term still counts its changes; a new leader whose first state still shows its previous term (a
 *   stale last_term) is then not counted twice, as a sample-to-sample rule would (same term, other leader: 1; the
 *   term's rise right after: 1 more). A sample that cannot read autopilot (no active node) is a gap, not a
 *   change.</li>
 *   <li><b>lost_writes</b>: acknowledged writes not readable at {@link #stop}: the load's own check
 *   ({@link KvLoad#lostWrites()}: each key's last acknowledged write, late-applied overwrites apart) plus every
 *   write of the meter's {@link AckedWrites} probe ({@link #PROBE_RPS} a second, a new key each).</li>
 *   <li><b>min_failure_tolerance</b>: the lowest, over the samples, of (voters whose own {@code sys/health} answers
 *   unsealed) - (voters / 2 + 1), the voters being those of the Raft configuration read with the sample (-1 if no
 *   sample could be read; a sample whose configuration could not be read, or changed while its voters were probed, is
 *   left out); sampled with the leader, so a drop shorter than {@link #POLL} may be missed. Not autopilot's own
 *   {@code failure_tolerance}: right after any leader change the new leader's autopilot has not heard from the
 *   followers yet and reports 0 for a moment while every voter is up (measured: one step-down on a healthy 3-node
 *   cluster shows autopilot 0). That figure is kept beside it ({@link Result#autopilotMinFailureTolerance}).</li>
 *   <li><b>longest_write_stall_s</b>: the longest interval in [start, stop] without a write of the load
 *   acknowledged ({@link WriteAvailability#stalls}), starting at {@code start} (or the load's first due operation,
 *   if later).</li>
 *   <li><b>nodes</b>: voters at the start (autopilot's voters, read in {@link #start}); <b>replaced</b>: instances
 *   given at the start that are not among those given at the stop; <b>duration_s</b>: start to stop.</li>
 * </ul>
 * One decimal for seconds. The meter marks nothing on the timeline (the roll does; leader changes are found there
 * from its own samples).
 */
final class RollMeter implements AutoCloseable {
    /** How often the leader, term and failure tolerance are sampled. */
    static final Duration POLL = Duration.ofMillis(150);
    /** One autopilot read's cut: a node that does not answer within it is left for the next. */
    static final Duration CUT = Duration.ofSeconds(1);
    /** A health probe's second chance (see {@link #answers}). */
    static final Duration RETRY_CUT = Duration.ofSeconds(3);
    /** The probe's rate: every write a new key, each read back at the end. */
    static final int PROBE_RPS = 5;
    private static final Duration FIRST_SAMPLE = Duration.ofSeconds(30);

    /** One autopilot read; {@code ok} false when none could be read (the other fields then mean nothing). */
    record Sample(Instant at, boolean ok, String leader, long term, int failureTolerance, int voters,
                  int answeringFailureTolerance) {
        /** A sample without the nodes' own answers (autopilot's failure tolerance stands for both). */
        Sample(Instant at, boolean ok, String leader, long term, int failureTolerance, int voters) {
            this(at, ok, leader, term, failureTolerance, voters, failureTolerance);
        }

        static Sample failed(Instant at) {
            return new Sample(at, false, "", 0, -1, 0, -1);
        }
    }

    /** The figures of one roll. */
    record Result(int nodes, int replaced, long elections, int lostWrites, int minFailureTolerance,
                  Duration longestWriteStall, Duration duration, int autopilotMinFailureTolerance) {
        Result(int nodes, int replaced, long elections, int lostWrites, int minFailureTolerance,
               Duration longestWriteStall, Duration duration) {
            this(nodes, replaced, elections, lostWrites, minFailureTolerance, longestWriteStall, duration,
                    minFailureTolerance);
        }

        String line() {
            return String.format(Locale.ROOT, "roll: nodes=%d replaced=%d elections=%d lost_writes=%d "
                            + "min_failure_tolerance=%d longest_write_stall_s=%.1f duration_s=%.1f", nodes, replaced,
                    elections, lostWrites, minFailureTolerance, seconds(longestWriteStall), seconds(duration));
        }

        private static double seconds(Duration d) {
            return d.toMillis() / 1000.0;
        }
    }

    private final VaultCluster cluster;
    private final KvLoad load;
    private final List<Sample> samples = new CopyOnWriteArrayList<>();
    /** The probe's latencies go to a timeline nobody writes, so that the page's latency chart is the load's alone. */
    private final Timeline probeSink;
    private volatile boolean stopping;
    private volatile String lastLeader = "";
    private Thread poller;
    private AckedWrites probe;
    private Instant startedAt;
    private Set<String> startInstances;
    private volatile WriteAvailability.Figures writes;

    /** @param load the KV load the caller started (or starts) and closes; the meter only reads its operations */
    RollMeter(LabEnvironment lab, KvLoad load) {
        this.cluster = lab.cluster;
        this.load = load;
        this.probeSink = new Timeline(() -> null, () -> 0);
    }

    /**
     * Starts measuring: reads autopilot until it answers (up to 30 s; the voters there are {@code nodes}), then samples
     * every {@link #POLL} and starts the probe.
     *
     * @param instancesAtStart the cluster's instances now (e.g. {@link #instances(LabEnvironment)})
     * @throws IllegalStateException when autopilot cannot be read at the start
     */
    synchronized void start(Set<String> instancesAtStart) {
        if (poller != null) {
            throw new IllegalStateException("the meter was started already");
        }
        startInstances = Set.copyOf(instancesAtStart);
        startedAt = Instant.now();
        Instant give = startedAt.plus(FIRST_SAMPLE);
        Sample first = read();
        while (!first.ok() && Instant.now().isBefore(give)) {
            sleep(POLL.toMillis());
            first = read();
        }
        if (!first.ok()) {
            throw new IllegalStateException("roll meter: autopilot state unreadable for " + FIRST_SAMPLE.toSeconds()
                    + " s at the start");
        }
        samples.add(first);
        probe = new AckedWrites(() -> cluster, probeSink, PROBE_RPS).start();
        poller = new Thread(this::poll, "roll-meter");
        poller.setDaemon(true);
        poller.start();
    }

    /**
     * Stops sampling and the probe, reads every acknowledged write back (load and probe) and returns the figures.
     *
     * @param instancesAtEnd the cluster's instances now
     */
    synchronized Result stop(Set<String> instancesAtEnd) {
        if (poller == null) {
            throw new IllegalStateException("the meter was not started");
        }
        Instant stoppedAt = Instant.now();
        close();
        List<AckedWrites.Ack> acks = probe.acks();
        int lost = load.lostWrites().size() + probe.missing(cluster, acks).size();
        Instant loadFrom = load.startedAt();
        Instant from = loadFrom != null && loadFrom.isAfter(startedAt) ? loadFrom : startedAt;
        WriteAvailability.Window window = new WriteAvailability.Window(from.isAfter(stoppedAt) ? stoppedAt : from,
                stoppedAt);
        writes = WriteAvailability.of(Chaos.acknowledgedWrites(load.ops()), List.of(window));
        return result(samples(), startInstances, instancesAtEnd, load.ops(), window, lost,
                Duration.between(startedAt, stoppedAt));
    }

    /** After {@link #stop}: the load's writes by time over the window (seconds with an acknowledged write). */
    WriteAvailability.Figures writes() {
        if (writes == null) {
            throw new IllegalStateException("the meter has not stopped");
        }
        return writes;
    }

    /** The samples so far. */
    List<Sample> samples() {
        return List.copyOf(samples);
    }

    /** Stops sampling and the probe (idempotent); {@link #stop} does it too. */
    @Override
    public void close() {
        stopping = true;
        if (poller != null) {
            poller.interrupt();
            try {
                poller.join(CUT.toMillis() * 4);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (probe != null) {
            probe.close();
        }
    }

    /** Every instance of the cluster's groups now, as Auto Scaling lists them (in service or pending). */
    static Set<String> instances(LabEnvironment lab) {
        Set<String> out = new TreeSet<>();
        lab.cluster.groupNames().forEach(g -> out.addAll(lab.cluster.groupInstanceIds(g)));
        return out;
    }

    private void poll() {
        while (!stopping) {
            Instant next = Instant.now().plus(POLL);
            samples.add(read());
            long wait = Duration.between(Instant.now(), next).toMillis();
            if (wait > 0 && !sleep(wait)) {
                return;
            }
        }
    }

    /** Autopilot's state through the last leader first, then the other running nodes; a failed sample if none. */
    private Sample read() {
        List<VaultNode> nodes = new ArrayList<>(cluster.runningNodes());
        String leader = lastLeader;
        nodes.sort(Comparator.comparing(n -> !n.instanceId().equals(leader)));
        for (VaultNode node : nodes) {
            if (stopping && poller != null) {
                break;
            }
            try {
                VaultHttp.Reply reply = cluster.http().send(node.apiAddress(), "GET", "sys/storage/raft/autopilot/state",
                        cluster.rootToken(), null, CUT);
                if (reply.ok()) {
                    Sample s = withAnswers(parse(Instant.now(), reply.data()), node);
                    if (s.ok() && !s.leader().isEmpty()) {
                        lastLeader = s.leader();
                    }
                    return s;
                }
            } catch (IOException | RuntimeException e) {
                // the next node
            }
        }
        return Sample.failed(Instant.now());
    }

    /**
     * The sample with the failure tolerance the voters' own health answers give (see the class comment). The voters
     * are the Raft configuration's, read through {@code node} now: autopilot's voter list lags the configuration by its
     * refresh, and would still count a removed leader whose process has gone.
     */
    private Sample withAnswers(Sample s, VaultNode through) {
        if (!s.ok()) {
            return s;
        }
        Optional<List<String>> voters = voters(through);
        if (voters.isEmpty()) {
            return new Sample(s.at(), true, s.leader(), s.term(), s.failureTolerance(), s.voters(), -1);
        }
        int answering = 0;
        for (String id : voters.get()) {
            VaultNode node = cluster.runningNodes().stream().filter(n -> n.instanceId().equals(id)).findFirst().orElse(null);
            if (node != null && (answers(node, CUT) || answers(node, RETRY_CUT))) {
                answering++;
            }
        }
        // The probes take a moment: a voter removed (and its process stopped) meanwhile would count as a lost voter
        // of a configuration that no longer holds it. Such a sample straddles a change and says nothing either way.
        if (!voters.equals(voters(through))) {
            return new Sample(s.at(), true, s.leader(), s.term(), s.failureTolerance(), s.voters(), -1);
        }
        return new Sample(s.at(), true, s.leader(), s.term(), s.failureTolerance(), s.voters(),
                answeringFailureTolerance(answering, voters.get().size()));
    }

    /** The Raft configuration's voters, read through {@code node}; empty when it could not be read. */
    private Optional<List<String>> voters(VaultNode through) {
        try {
            VaultHttp.Reply configuration = cluster.http().send(through.apiAddress(), "GET",
                    "sys/storage/raft/configuration", cluster.rootToken(), null, CUT);
            if (!configuration.ok()) {
                return Optional.empty();
            }
            List<String> voters = new ArrayList<>();
            for (JsonNode server : configuration.data().path("config").path("servers")) {
                if (server.path("voter").asBoolean(false)) {
                    voters.add(server.path("node_id").asText());
                }
            }
            voters.sort(null);
            return Optional.of(voters);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * Whether the node's own sys/health answers unsealed within {@code cut}. A node that does not answer in the first
     * cut is asked once more with {@link #RETRY_CUT} before it counts as down: on a loaded machine (2 cores running a
     * cluster, a load and a roll) a slow answer is not a lost voter, while a dead process is refused at once, twice.
     */
    private boolean answers(VaultNode node, Duration cut) {
        try {
            return cluster.http().send(node.apiAddress(), "GET", "sys/health?standbyok=true&perfstandbyok=true", null,
                    null, cut).status() == 200;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Voters that answer, less a quorum of the voters; at least 0. */
    static int answeringFailureTolerance(int answering, int voters) {
        return Math.max(0, answering - (voters / 2 + 1));
    }

    /** A sample from autopilot's state: its leader, the leader's last_term, failure_tolerance and voters. */
    static Sample parse(Instant at, JsonNode state) {
        if (state == null || !state.has("failure_tolerance")) {
            return Sample.failed(at);
        }
        String leader = state.path("leader").asText("");
        long term = leader.isEmpty() ? 0 : state.path("servers").path(leader).path("last_term").asLong(0);
        return new Sample(at, true, leader, term, state.path("failure_tolerance").asInt(-1),
                state.path("voters").size());
    }

    // ---- the pure part ---------------------------------------------------------------------------------

    /** The figures from the samples, the instance sets, the load's operations in the window and the lost count. */
    static Result result(List<Sample> samples, Set<String> start, Set<String> end, List<KvLoad.Op> ops,
                         WriteAvailability.Window window, int lostWrites, Duration duration) {
        int nodes = samples.stream().filter(Sample::ok).findFirst().map(Sample::voters).orElse(0);
        return new Result(nodes, replaced(start, end), elections(samples), lostWrites, minFailureTolerance(samples),
                longestStall(ops, window), duration, samples.stream().filter(Sample::ok)
                .filter(s -> s.failureTolerance() >= 0).mapToInt(Sample::failureTolerance).min().orElse(-1));
    }

    /**
     * Elections over the samples (in time order) that name a leader: the rise of the leader's term from the first such
     * sample to the highest seen (every election begins a term), or the number of times the leader differs from the
     * previous sample's, whichever is more (terms not reported, 0, leave the leader changes alone to count).
     */
    static long elections(List<Sample> samples) {
        long firstTerm = -1;
        long maxTerm = -1;
        long changes = 0;
        String previous = null;
        for (Sample s : samples) {
            if (!s.ok() || s.leader().isEmpty()) {
                continue;
            }
            if (s.term() > 0) {
                firstTerm = firstTerm < 0 ? s.term() : firstTerm;
                maxTerm = Math.max(maxTerm, s.term());
            }
            if (previous != null && !previous.equals(s.leader())) {
                changes++;
            }
            previous = s.leader();
        }
        return Math.max(firstTerm < 0 ? 0 : maxTerm - firstTerm, changes);
    }

    /** The lowest failure tolerance by the voters' own answers a readable sample showed; -1 without one. */
    static int minFailureTolerance(List<Sample> samples) {
        return samples.stream().filter(Sample::ok).filter(s -> s.answeringFailureTolerance() >= 0)
                .mapToInt(Sample::answeringFailureTolerance).min().orElse(-1);
    }

    /** Instances of {@code start} not in {@code end}. */
    static int replaced(Set<String> start, Set<String> end) {
        return (int) start.stream().filter(id -> !end.contains(id)).count();
    }

    /** The longest interval in the window without an acknowledged write (the window's whole length without one). */
    static Duration longestStall(List<KvLoad.Op> ops, WriteAvailability.Window window) {
        return Chaos.longestStall(ops, window).map(WriteAvailability.Stall::length).orElse(Duration.ZERO);
    }

    private static boolean sleep(long millis) {
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
