package dev.raftlifecycle.decisions;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * A truth model that tries to break the quorum guard. The model keeps its own account of the cluster — which nodes
 * are truly alive, the Raft configuration, who leads — and builds the snapshot a handler would get from it: each
 * node's sys/health true at read time, and autopilot's flags lagging the truth by a random delay (a dead node stays
 * "healthy" until last_contact_threshold plus an update interval have passed). Random sequences of crashes,
 * recoveries, terminations with and without their event, duplicate and late deliveries, expired actions, launches,
 * scale-ins, decommissioning one group or all of them, back-to-back (lock-serialized) terminations and Spot
 * interruption warnings (an instance that dies whatever is decided: the departure of an EC2 event) are played
 * through the production decisions, and after every step the outcome is checked against the truth:
 * <ul>
 *   <li>a removal never leaves a configuration whose truly alive voters are below its majority when the cluster had
 *       quorum before (ABANDON would have kept it), unless the whole cluster is being decommissioned;</li>
 *   <li>a removal never takes a truly alive voter below the floor (⌊expected / 2⌋ + 1), unless decommissioning or
 *       the instance dies anyway (a Spot warning: keeping its peer would only leave a dead voter);</li>
 *   <li>no peer is ever removed but the one of the terminating instance being handled with an open action, or of the
 *       instance a Spot warning is for (never the peer of a retained instance, of an expired action, or of any other
 *       running instance);</li>
 *   <li>a launch is never let through while the node is not in the configuration;</li>
 *   <li>no claim that the model's AWS truth contradicts ever leads to a removal: events may be false — a state
 *       change to terminated for a running instance, a Spot warning for an on-demand instance or one whose request
 *       EC2 does not show interrupted, a terminate event for an instance in service (with another action's open
 *       token), a terminate event of another hook, a duplicate of an old event — and each is played through the
 *       production check ({@link EventClaim}) before the production decision, as the handlers play it;</li>
 *   <li>and, so that refusing everything does not pass: a healthy, settled cluster above the floor lets a follower go.</li>
 * </ul>
 * The expectations are computed from the model's truth only; no production formula (RemovalSafety, HealthyVoters) is
 * called to compute them. Not modelled: a node that answers the handler but is partitioned from the leader (it
 * counts healthy until autopilot's last_contact passes the bound) and a node dying between the snapshot and the
 * remove-peer a few milliseconds later; both are limits of any observer, written down in the README.
 */
class QuorumGuardModelTest {
    private static final Instant EPOCH = Instant.parse("2026-12-01T00:00:00Z");
    private static final Duration THRESHOLD = Duration.ofSeconds(10);
    private static final Duration STABILIZATION = Duration.ofSeconds(10);
    private static final SafetyRules RULES = SafetyRules.DEFAULTS;
    private static final List<String> GROUPS = List.of("vault-a", "vault-b", "vault-c");

    /** This cluster's terminate hook, and another tool's on the same groups. */
    private static final String OUR_HOOK = "raft-lifecycle-terminate";
    private static final String OTHER_HOOK = "another-teams-drain";

    enum Op { CRASH, RECOVER, TERMINATE, TERMINATE_NO_EVENT, DUPLICATE, EXPIRE, LAUNCH, SCALE_IN, DECOMMISSION_GROUP,
        DECOMMISSION_ALL, BACK_TO_BACK, SPOT_WARNING, TICK,
        // EC2 terminates an instance outside the hooks (a failed host, an API call); its state change follows.
        EC2_TERMINATES,
        // False claims: a state change to terminated for a running instance; a Spot warning EC2 never sent (for an
        // on-demand instance, or a Spot one it has not scheduled); a terminate event naming an instance in service
        // with the token of another open action; one of another hook; an old state change or warning replayed.
        FORGED_STATE_CHANGE, FORGED_SPOT_WARNING, FORGED_TERMINATE, OTHER_HOOK_TERMINATE, REPLAY }

    record Step(Op op, int pick, int pick2, int millis) {
        @Override
        public String toString() {
            return op + "(" + pick + "," + pick2 + (op == Op.TICK ? "," + millis + "ms" : "") + ")";
        }
    }

    @Provide
    Arbitrary<List<Step>> steps() {
        Arbitrary<Op> ops = Arbitraries.frequency(
                net.jqwik.api.Tuple.of(6, Op.CRASH), net.jqwik.api.Tuple.of(3, Op.RECOVER),
                net.jqwik.api.Tuple.of(6, Op.TERMINATE), net.jqwik.api.Tuple.of(2, Op.TERMINATE_NO_EVENT),
                net.jqwik.api.Tuple.of(3, Op.DUPLICATE), net.jqwik.api.Tuple.of(2, Op.EXPIRE),
                net.jqwik.api.Tuple.of(4, Op.LAUNCH), net.jqwik.api.Tuple.of(2, Op.SCALE_IN),
                net.jqwik.api.Tuple.of(1, Op.DECOMMISSION_GROUP), net.jqwik.api.Tuple.of(1, Op.DECOMMISSION_ALL),
                net.jqwik.api.Tuple.of(3, Op.BACK_TO_BACK), net.jqwik.api.Tuple.of(3, Op.SPOT_WARNING),
                net.jqwik.api.Tuple.of(6, Op.TICK), net.jqwik.api.Tuple.of(2, Op.EC2_TERMINATES),
                net.jqwik.api.Tuple.of(3, Op.FORGED_STATE_CHANGE), net.jqwik.api.Tuple.of(3, Op.FORGED_SPOT_WARNING),
                net.jqwik.api.Tuple.of(3, Op.FORGED_TERMINATE), net.jqwik.api.Tuple.of(2, Op.OTHER_HOOK_TERMINATE),
                net.jqwik.api.Tuple.of(2, Op.REPLAY));
        Arbitrary<Step> step = Combinators.combine(ops, Arbitraries.integers().between(0, 99),
                Arbitraries.integers().between(0, 99), Arbitraries.integers().between(0, 15_000)).as(Step::new);
        return step.list().ofMinSize(1).ofMaxSize(40);
    }

    @Property(tries = 3000)
    void theGuardNeverBreaksQuorumWhateverTheOrderOfEvents(@ForAll("steps") List<Step> steps,
                                                          @ForAll @IntRange(min = 0, max = 1) int size,
                                                          @ForAll long seed) {
        Model model = new Model(size == 0 ? 3 : 5, new Random(seed), true);
        for (Step step : steps) {
            model.apply(step);
        }
    }

    /**
     * The mutation check: with the claims trusted as they were before they were checked (the event's word taken for
     * AWS's), the same model finds a sequence that removes a peer AWS's truth says must stay — without being told
     * which. So the property above would catch that defect coming back.
     */
    @net.jqwik.api.Example
    void withClaimsTrustedTheModelFindsARemovalAwsContradicts() {
        Random random = new Random(20261207);
        Op[] ops = Op.values();
        int found = 0;
        String first = null;
        for (int run = 0; run < 500 && found == 0; run++) {
            Model model = new Model(random.nextBoolean() ? 3 : 5, new Random(random.nextLong()), false);
            try {
                for (int i = 0; i < 20; i++) {
                    model.apply(new Step(ops[random.nextInt(ops.length)], random.nextInt(100), random.nextInt(100),
                            random.nextInt(15_000)));
                }
            } catch (AssertionError e) {
                if (e.getMessage() != null && e.getMessage().contains("AWS")) {
                    found++;
                    first = e.getMessage();
                }
            }
        }
        assertThat(found).as("a removal on a claim AWS contradicts, with the claims trusted").isPositive();
        assertThat(first).contains("that AWS");
    }

    // ---- the model ------------------------------------------------------------------------------------------

    enum Lifecycle { IN_SERVICE, TERMINATING_WAIT, RETAINED, TERMINATED }

    static final class Node {
        final String id;
        final int group;
        final String ip;
        boolean alive = true;
        Instant diedAt;
        /** When autopilot will have noticed the death (threshold plus a random share of the update interval). */
        Instant autopilotNoticesAt;
        Lifecycle lifecycle = Lifecycle.IN_SERVICE;
        Instant joinedAt;
        /** A Spot instance (EC2's InstanceLifecycle spot), else on-demand. */
        boolean spot;
        /** EC2 has scheduled its interruption: its Spot request shows marked-for-termination. */
        boolean interruptionScheduled;
        /** EC2 terminated it outside the hooks (its state change is genuine). */
        boolean terminatedByEc2;

        Node(String id, int group, String ip) {
            this.id = id;
            this.group = group;
            this.ip = ip;
        }

        boolean running() {
            return lifecycle != Lifecycle.TERMINATED;
        }
    }

    static final class Action {
        final String instanceId;
        boolean open = true;
        boolean waitingForFloor;
        /** The hook the action is for: this cluster's, or another tool's on the same group. */
        final String hook;

        Action(String instanceId) {
            this(instanceId, OUR_HOOK);
        }

        Action(String instanceId, String hook) {
            this.instanceId = instanceId;
            this.hook = hook;
        }
    }

    static final class Model {
        final Random random;
        final Map<String, Node> nodes = new LinkedHashMap<>();
        /** The Raft configuration: node id → voter. */
        final Map<String, Boolean> config = new LinkedHashMap<>();
        final int[] desired = new int[GROUPS.size()];
        boolean tagged;
        String leader;
        Instant now = EPOCH;
        final List<Action> actions = new ArrayList<>();
        int counter;
        final List<String> trace = new ArrayList<>();
        /** false: the claims are trusted, as before they were checked (the mutation check). */
        final boolean checkClaims;
        /** Events delivered before, for replays: a state change (instance) or a Spot warning (instance). */
        final List<String> pastStateChanges = new ArrayList<>();
        final List<String> pastWarnings = new ArrayList<>();

        Model(int size, Random random, boolean checkClaims) {
            this.random = random;
            this.checkClaims = checkClaims;
            for (int i = 0; i < size; i++) {
                Node n = newNode(i % GROUPS.size());
                n.joinedAt = now.minusSeconds(3600);
                config.put(n.id, true);
                desired[n.group]++;
            }
            leader = config.keySet().iterator().next();
        }

        Node newNode(int group) {
            counter++;
            Node n = new Node(String.format("i-%017x", counter), group, "10.0." + (group + 1) + "." + counter);
            n.spot = random.nextBoolean();
            nodes.put(n.id, n);
            return n;
        }

        // ---- truth ----------------------------------------------------------------------------------------

        List<String> voters() {
            return config.entrySet().stream().filter(Map.Entry::getValue).map(Map.Entry::getKey).toList();
        }

        long aliveVoters() {
            return voters().stream().filter(id -> nodes.get(id).alive).count();
        }

        boolean quorum() {
            return 2 * aliveVoters() > voters().size();
        }

        int expected() {
            int sum = 0;
            for (int d : desired) {
                sum += d;
            }
            return sum;
        }

        boolean decommissioning() {
            return expected() == 0 || tagged;
        }

        /** The functions' rules: DECOMMISSION=true once the deployment declared the cluster decommissioned. */
        SafetyRules rules() {
            return new SafetyRules(RULES.maxVoterLastContact(), RULES.minQuorum(), tagged);
        }

        /** Raft: a leader exists while a majority of voters is alive; a dead leader is replaced by an alive voter. */
        void elect() {
            if (!quorum()) {
                leader = null;
                return;
            }
            if (leader == null || !nodes.get(leader).alive || !config.getOrDefault(leader, false)) {
                leader = voters().stream().filter(id -> nodes.get(id).alive).findFirst().orElse(null);
            }
        }

        // ---- the view a handler gets -------------------------------------------------------------------------

        ClusterSnapshot snapshot() {
            elect();
            List<GroupState> groups = new ArrayList<>();
            for (int g = 0; g < GROUPS.size(); g++) {
                groups.add(new GroupState(GROUPS.get(g), desired[g], Map.of())
                        .withTerminateHookAbandon(Optional.of(RetainPolicy.RETAIN)));
            }
            List<ClusterInstance> instances = new ArrayList<>();
            Map<String, NodeHealth> health = new HashMap<>();
            for (Node n : nodes.values()) {
                String lifecycle = switch (n.lifecycle) {
                    case IN_SERVICE -> "InService";
                    case TERMINATING_WAIT -> "Terminating:Wait";
                    case RETAINED -> "Terminating:Retained";
                    case TERMINATED -> "Terminated";
                };
                instances.add(new ClusterInstance(n.id, GROUPS.get(n.group), lifecycle,
                        n.running() ? "running" : "terminated", Optional.of(n.ip), "zone-" + n.group,
                        n.spot ? ClusterInstance.SPOT : "", n.spot ? Optional.of(n.interruptionScheduled
                        ? "marked-for-termination" : "fulfilled") : Optional.empty()));
                if (!n.running()) {
                    continue;
                }
                NodeHealth.State state = !n.alive ? NodeHealth.State.UNREACHABLE
                        : !config.containsKey(n.id) ? NodeHealth.State.UNINITIALIZED
                        : n.id.equals(leader) ? NodeHealth.State.ACTIVE : NodeHealth.State.STANDBY;
                health.put(n.id, state == NodeHealth.State.UNREACHABLE ? NodeHealth.unreachable(n.id, n.ip, "refused")
                        : new NodeHealth(n.id, n.ip, state, Optional.of("1.14.10"), "HTTP"));
            }
            Optional<ClusterView> view = Optional.empty();
            Set<ReadFailure> failures = Set.of();
            if (leader != null) {
                List<RaftPeer> peers = new ArrayList<>();
                Map<String, AutopilotServer> servers = new HashMap<>();
                for (Map.Entry<String, Boolean> e : config.entrySet()) {
                    Node n = nodes.get(e.getKey());
                    boolean isLeader = n.id.equals(leader);
                    peers.add(new RaftPeer(n.id, n.ip + ":8201", isLeader, e.getValue()));
                    boolean autopilotHealthy = n.alive || now.isBefore(n.autopilotNoticesAt);
                    Duration contact = isLeader ? Duration.ZERO : n.alive
                            ? Duration.ofMillis(random.nextInt(7000))
                            : Duration.between(n.diedAt, now).plusMillis(random.nextInt(5000));
                    Instant stable = n.joinedAt == null ? now : n.joinedAt;
                    servers.put(n.id, new AutopilotServer(n.id, n.ip + ":8201", autopilotHealthy ? "alive" : "failed",
                            contact, 5, 100, autopilotHealthy, Optional.of(stable),
                            isLeader ? "leader" : e.getValue() ? "voter" : "non-voter", "1.14.10"));
                }
                view = Optional.of(new ClusterView(peers, new AutopilotState(true, 0, leader, voters(), servers),
                        new AutopilotSettings(STABILIZATION, THRESHOLD)));
            } else {
                failures = Set.of(ReadFailure.NO_LEADER);
            }
            return new ClusterSnapshot(GROUPS, groups, instances, now, health, Map.of(), now, view,
                    Optional.ofNullable(leader).map(id -> nodes.get(id).ip), view.isPresent() ? Optional.of(now) : Optional.empty(),
                    failures, 1, true);
        }

        // ---- the steps --------------------------------------------------------------------------------------

        <T> Optional<T> pick(List<T> from, int index) {
            return from.isEmpty() ? Optional.empty() : Optional.of(from.get(index % from.size()));
        }

        List<Node> where(java.util.function.Predicate<Node> p) {
            return nodes.values().stream().filter(p).toList();
        }

        void apply(Step step) {
            trace.add(step.toString());
            switch (step.op()) {
                case CRASH -> pick(where(n -> n.running() && n.alive), step.pick()).ifPresent(this::crash);
                case RECOVER -> pick(where(n -> n.running() && !n.alive), step.pick()).ifPresent(n -> {
                    n.alive = true;
                    n.autopilotNoticesAt = null;
                });
                case TERMINATE -> pick(where(n -> n.lifecycle == Lifecycle.IN_SERVICE), step.pick())
                        .ifPresent(n -> deliver(open(n)));
                case TERMINATE_NO_EVENT -> pick(where(n -> n.lifecycle == Lifecycle.IN_SERVICE), step.pick())
                        .ifPresent(this::open); // EventBridge lost the event: nobody handles it until it expires
                case DUPLICATE -> pick(actions, step.pick()).ifPresent(this::deliver);
                case EXPIRE -> pick(actions.stream().filter(a -> a.open).toList(), step.pick()).ifPresent(a -> {
                    a.open = false;
                    nodes.get(a.instanceId).lifecycle = Lifecycle.RETAINED; // the retain policy keeps it running
                });
                case LAUNCH -> launch(step.pick());
                case SCALE_IN -> {
                    int g = step.pick() % GROUPS.size();
                    if (desired[g] > 0) {
                        desired[g]--;
                        pick(where(n -> n.group == g && n.lifecycle == Lifecycle.IN_SERVICE), step.pick2())
                                .ifPresent(n -> deliver(open(n)));
                    }
                }
                case DECOMMISSION_GROUP -> {
                    int g = step.pick() % GROUPS.size();
                    desired[g] = 0;
                    where(n -> n.group == g && n.lifecycle == Lifecycle.IN_SERVICE).forEach(n -> deliver(open(n)));
                }
                case DECOMMISSION_ALL -> {
                    if (step.pick2() % 2 == 0) {
                        java.util.Arrays.fill(desired, 0);
                    } else {
                        tagged = true;
                    }
                    where(n -> n.lifecycle == Lifecycle.IN_SERVICE).forEach(n -> deliver(open(n)));
                }
                case BACK_TO_BACK -> {
                    // Two terminations at the same moment: the lock serializes them, nothing advances time between.
                    List<Node> inService = where(n -> n.lifecycle == Lifecycle.IN_SERVICE);
                    Optional<Node> first = pick(inService, step.pick());
                    Optional<Node> second = pick(inService, step.pick2()).filter(n -> first.map(f -> f != n).orElse(false));
                    Optional<Action> a = first.map(this::open);
                    Optional<Action> b = second.map(this::open);
                    a.ifPresent(this::deliver);
                    b.ifPresent(this::deliver);
                }
                case SPOT_WARNING -> pick(where(n -> n.lifecycle == Lifecycle.IN_SERVICE && n.spot), step.pick())
                        .ifPresent(this::spotWarning);
                case TICK -> tick(Duration.ofMillis(step.millis()));
                case EC2_TERMINATES -> pick(where(n -> n.lifecycle == Lifecycle.IN_SERVICE), step.pick()).ifPresent(n -> {
                    n.lifecycle = Lifecycle.TERMINATED;
                    n.terminatedByEc2 = true;
                    n.alive = false;
                    n.diedAt = now;
                    n.autopilotNoticesAt = now.plus(THRESHOLD);
                    elect();
                    stateChange(n);
                });
                case FORGED_STATE_CHANGE -> pick(where(Node::running), step.pick()).ifPresent(this::stateChange);
                case FORGED_SPOT_WARNING -> pick(where(n -> n.running() && !n.interruptionScheduled), step.pick())
                        .ifPresent(this::warning);
                case FORGED_TERMINATE -> {
                    // The token of an open action of ours (Auto Scaling accepts its heartbeat), another instance named.
                    Optional<Action> token = pick(actions.stream().filter(a -> a.open && a.hook.equals(OUR_HOOK)).toList(),
                            step.pick());
                    Optional<Node> named = pick(where(n -> n.lifecycle == Lifecycle.IN_SERVICE), step.pick2());
                    if (token.isPresent() && named.isPresent()) {
                        deliver(token.get(), named.get(), OUR_HOOK);
                    }
                }
                case OTHER_HOOK_TERMINATE -> pick(where(n -> n.lifecycle == Lifecycle.IN_SERVICE), step.pick())
                        .ifPresent(n -> {
                            Action theirs = new Action(n.id, OTHER_HOOK);
                            n.lifecycle = Lifecycle.TERMINATING_WAIT; // waiting in their hook, not ours
                            actions.add(theirs);
                            deliver(theirs, n, OTHER_HOOK);
                            if (theirs.open) {
                                theirs.open = false; // their tool completes it: the instance goes on
                                n.lifecycle = Lifecycle.IN_SERVICE;
                            }
                        });
                case REPLAY -> {
                    if (step.pick2() % 2 == 0) {
                        pick(pastStateChanges, step.pick()).map(nodes::get).ifPresent(this::stateChange);
                    } else {
                        pick(pastWarnings, step.pick()).map(nodes::get).ifPresent(this::warning);
                    }
                }
            }
        }

        /** Whether the production check confirms the claim on this snapshot (always, with the claims trusted). */
        boolean confirmed(EventClaim claim, ClusterSnapshot s) {
            return !checkClaims || EventClaim.check(claim, s, GROUPS).confirmed();
        }

        /**
         * A state change to terminated (genuine or not), played as the reconciler plays it: the claim checked, then
         * the departure of an EC2 event (the instance goes whatever is decided). Removal only if AWS's truth has the
         * instance terminated.
         */
        void stateChange(Node subject) {
            pastStateChanges.add(subject.id);
            ClusterSnapshot s = snapshot();
            if (!confirmed(new EventClaim.StateChange(subject.id, "terminated"), s)) {
                return;
            }
            TerminationDecision d = TerminationDecision.decide(s, subject.id, rules(), true);
            if (d instanceof TerminationDecision.Remove remove && !remove.stepDownFirst()) {
                assertThat(subject.lifecycle).as(context("removed the peer of an instance that AWS reports running,"
                        + " on a state change")).isEqualTo(Lifecycle.TERMINATED);
                boolean hadQuorum = quorum();
                config.remove(remove.peer().nodeId());
                if (!decommissioning() && hadQuorum) {
                    assertThat(2 * aliveVoters()).as(context("a state change left fewer truly alive voters than a"
                            + " majority of " + voters().size())).isGreaterThan(voters().size());
                }
                elect();
            }
        }

        /** A Spot warning EC2 did not send (or a replay): played as the interruption handler plays every warning. */
        void warning(Node subject) {
            pastWarnings.add(subject.id);
            ClusterSnapshot s = snapshot();
            if (!confirmed(new EventClaim.SpotInterruption(subject.id), s)) {
                return;
            }
            TerminationDecision d = TerminationDecision.decide(s, subject.id, rules(), true);
            if (d instanceof TerminationDecision.Remove remove && !remove.stepDownFirst()) {
                assertThat(subject.spot && subject.interruptionScheduled && subject.running())
                        .as(context("removed the peer of an instance on a Spot warning that AWS does not confirm")).isTrue();
                boolean hadQuorum = quorum();
                config.remove(remove.peer().nodeId());
                if (!decommissioning() && hadQuorum) {
                    assertThat(2 * aliveVoters()).as(context("a warning left fewer truly alive voters than a majority"
                            + " of " + voters().size())).isGreaterThan(voters().size());
                }
                elect();
            }
        }

        /**
         * A Spot interruption warning, played as the interruption handler plays it (the departure of an EC2 event:
         * no action to complete, the instance goes whatever is decided); then Spot takes the instance.
         */
        void spotWarning(Node subject) {
            subject.interruptionScheduled = true; // EC2 marks the request, then warns
            pastWarnings.add(subject.id);
            boolean steppedDown = false;
            for (int round = 0; round < 3; round++) {
                ClusterSnapshot s = snapshot();
                if (!confirmed(new EventClaim.SpotInterruption(subject.id), s)) {
                    break;
                }
                TerminationDecision d = TerminationDecision.decide(s, subject.id, rules(), true);
                if (d instanceof TerminationDecision.Remove remove) {
                    if (remove.stepDownFirst()) {
                        if (steppedDown) {
                            break;
                        }
                        steppedDown = true;
                        String old = leader;
                        leader = voters().stream().filter(id -> !id.equals(old) && nodes.get(id).alive).findFirst().orElse(null);
                        if (leader == null) {
                            leader = old;
                            break;
                        }
                        continue;
                    }
                    assertThat(remove.peer().nodeId()).as(context("a Spot warning removed another instance's peer"))
                            .isEqualTo(subject.id);
                    boolean hadQuorum = quorum();
                    config.remove(subject.id);
                    if (!decommissioning() && hadQuorum) {
                        assertThat(2 * aliveVoters()).as(context("a Spot warning left fewer truly alive voters than a"
                                + " majority of " + voters().size())).isGreaterThan(voters().size());
                    }
                    if (subject.id.equals(leader)) {
                        leader = null;
                    }
                    elect();
                }
                break;
            }
            // Spot takes it: nothing replaces it at once (the group launches one later: LAUNCH).
            subject.lifecycle = Lifecycle.TERMINATED;
            subject.alive = false;
            subject.diedAt = now;
            subject.autopilotNoticesAt = now.plus(THRESHOLD);
            elect();
        }

        void crash(Node n) {
            n.alive = false;
            n.diedAt = now;
            n.autopilotNoticesAt = now.plus(THRESHOLD).plusMillis(random.nextInt(2000));
        }

        Action open(Node n) {
            n.lifecycle = Lifecycle.TERMINATING_WAIT;
            Action a = new Action(n.id);
            actions.add(a);
            return a;
        }

        void tick(Duration dt) {
            now = now.plus(dt);
            elect();
            // Autopilot promotes non-voters that have been stable long enough, if a leader can commit it.
            if (leader != null) {
                for (Map.Entry<String, Boolean> e : config.entrySet()) {
                    Node n = nodes.get(e.getKey());
                    if (!e.getValue() && n.alive && n.joinedAt != null && !now.isBefore(n.joinedAt.plus(STABILIZATION))) {
                        e.setValue(true);
                    }
                }
            }
            // The terminating handler's floor wait: it looks again while its action is open.
            for (Action a : List.copyOf(actions)) {
                if (a.open && a.waitingForFloor) {
                    deliver(a);
                }
            }
        }

        /** A new instance in a group with room: its Vault joins (as a non-voter) if there is a leader. */
        void launch(int pick) {
            List<Integer> withRoom = new ArrayList<>();
            for (int g = 0; g < GROUPS.size(); g++) {
                int g2 = g;
                long live = nodes.values().stream().filter(n -> n.group == g2 && (n.lifecycle == Lifecycle.IN_SERVICE
                        || n.lifecycle == Lifecycle.TERMINATING_WAIT)).count();
                if (live < desired[g]) {
                    withRoom.add(g);
                }
            }
            pick(withRoom, pick).ifPresent(g -> {
                Node n = newNode(g);
                elect();
                boolean joins = leader != null && pick % 3 != 0; // a third of launches have not joined yet when checked
                if (joins) {
                    config.put(n.id, false);
                    n.joinedAt = now;
                }
                ClusterSnapshot s = snapshot();
                LaunchReadiness.Verdict v = LaunchReadiness.evaluate(s, n.id,
                        new LaunchReadiness.Expectations(false, Optional.empty()), now);
                if (v instanceof LaunchReadiness.Ready || v instanceof LaunchReadiness.ClusterUninitialized) {
                    assertThat(config).as(context("a launch let through a node not in the configuration")).containsKey(n.id);
                }
            });
        }

        /** One delivery of a terminate event, played as the terminating handler plays it. */
        void deliver(Action action) {
            deliver(action, nodes.get(action.instanceId), action.hook);
        }

        /**
         * One delivery of a terminate event naming {@code subject} and {@code hook}, whose token is {@code action}'s
         * (Auto Scaling answers the heartbeat by token): the claim checked on each snapshot before anything is
         * decided.
         */
        void deliver(Action action, Node subject, String hook) {
            if (!action.open) {
                return; // the opening heartbeat (and every re-check) finds the action ended: nothing is changed
            }
            action.waitingForFloor = false;
            boolean steppedDown = false;
            for (int round = 0; round < 3; round++) {
                ClusterSnapshot s = snapshot();
                if (!confirmed(new EventClaim.Termination(subject.id, GROUPS.get(subject.group), hook, OUR_HOOK), s)) {
                    return; // not this cluster's action to complete: nothing changed, nothing completed
                }
                TerminationDecision d = TerminationDecision.decide(s, subject.id, rules());
                checkLiveness(s, subject, d);
                if (d instanceof TerminationDecision.Remove remove) {
                    if (remove.stepDownFirst()) {
                        if (steppedDown) {
                            abandon(action);
                            return;
                        }
                        steppedDown = true;
                        String old = leader;
                        leader = voters().stream().filter(id -> !id.equals(old) && nodes.get(id).alive).findFirst().orElse(null);
                        if (leader == null) {
                            leader = old;
                            abandon(action);
                            return;
                        }
                        continue; // decided again on the view after the new leader
                    }
                    remove(action, remove.peer().nodeId(), hook);
                    release(action);
                    return;
                }
                if (d instanceof TerminationDecision.Release) {
                    release(action);
                    return;
                }
                if (d instanceof TerminationDecision.AwaitReplacement) {
                    action.waitingForFloor = true; // the handler waits, heartbeating, and looks again
                    return;
                }
                abandon(action);
                return;
            }
            abandon(action);
        }

        void remove(Action action, String peer, String hook) {
            assertThat(action.open).as(context("removed the peer of an action that had ended")).isTrue();
            assertThat(peer).as(context("removed the peer of an instance in service that AWS reports not terminating"
                    + " (a forged terminate event)")).isEqualTo(action.instanceId);
            assertThat(hook).as(context("removed a peer on a terminate event of another hook, that AWS reports not"
                    + " this cluster's")).isEqualTo(OUR_HOOK);
            Node n = nodes.get(peer);
            assertThat(n.lifecycle).as(context("removed the peer of an instance that AWS reports not terminating"))
                    .isEqualTo(Lifecycle.TERMINATING_WAIT);
            boolean hadQuorum = quorum();
            boolean wasAliveVoter = config.getOrDefault(peer, false) && n.alive;
            int floor = expected() / 2 + 1;
            config.remove(peer);
            if (!decommissioning()) {
                if (hadQuorum) {
                    assertThat(2 * aliveVoters()).as(context("left fewer truly alive voters than a majority of "
                            + voters().size())).isGreaterThan(voters().size());
                }
                if (wasAliveVoter) {
                    assertThat(aliveVoters()).as(context("took the alive voters below the floor " + floor))
                            .isGreaterThanOrEqualTo(floor);
                }
            }
            if (peer.equals(leader)) {
                leader = null;
            }
            elect();
        }

        void release(Action action) {
            action.open = false;
            Node n = nodes.get(action.instanceId);
            n.lifecycle = Lifecycle.TERMINATED;
            n.alive = false;
            n.diedAt = now;
            n.autopilotNoticesAt = now.plus(THRESHOLD);
            elect();
        }

        void abandon(Action action) {
            action.open = false;
            nodes.get(action.instanceId).lifecycle = Lifecycle.RETAINED;
        }

        /** A healthy, settled cluster above the floor lets a follower go: the guard must not refuse everything. */
        void checkLiveness(ClusterSnapshot s, Node subject, TerminationDecision d) {
            boolean settled = nodes.values().stream().filter(Node::running).allMatch(n -> n.alive)
                    && config.keySet().stream().allMatch(id -> nodes.get(id).alive && nodes.get(id).running());
            boolean follower = config.getOrDefault(subject.id, false) && !subject.id.equals(leader);
            int votersAfter = voters().size() - 1;
            if (settled && follower && leader != null && votersAfter >= expected() / 2 + 1 && votersAfter >= 1) {
                assertThat(d).as(context("a healthy cluster refused to let a follower go")).isInstanceOf(TerminationDecision.Remove.class);
            }
        }

        String context(String what) {
            Set<String> alive = nodes.values().stream().filter(n -> n.alive).map(n -> n.id).collect(Collectors.toSet());
            return what + " — steps " + trace + "; config " + config + "; alive " + alive + "; leader " + leader
                    + "; desired " + java.util.Arrays.toString(desired) + (tagged ? " (tagged)" : "");
        }
    }
}
