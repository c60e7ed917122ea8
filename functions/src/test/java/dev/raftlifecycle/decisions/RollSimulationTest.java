package dev.raftlifecycle.decisions;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A roll played against a model of the cluster and its groups: each decided step is applied to the model (a launch
 * appears Pending, then joins as a voter; a terminate steps the leader down if it leads, removes its peer, then the
 * instance goes), until Done. What a roll must guarantee is asserted on the model, not on the steps' wording.
 */
class RollSimulationTest {
    static final String OLD = "1";
    static final String NEW = "2";

    static final class Node {
        final String id;
        final String group;
        final String version;
        String state;

        Node(String id, String group, String version, String state) {
            this.id = id;
            this.group = group;
            this.version = version;
            this.state = state;
        }
    }

    static final class Model {
        final List<String> order = new ArrayList<>();
        final Map<String, int[]> sizes = new java.util.LinkedHashMap<>(); // min, max, desired
        final List<Node> nodes = new ArrayList<>();
        final Set<String> voters = new LinkedHashSet<>();
        String leader;
        int elections;
        int launched;
        final List<String> terminated = new ArrayList<>();
        final List<String> leaderAtTermination = new ArrayList<>();

        Model group(String name, int count) {
            order.add(name);
            sizes.put(name, new int[] {count, 2 * count, count});
            for (int i = 1; i <= count; i++) {
                Node n = new Node("i-" + name + "-old" + i, name, OLD, "InService");
                nodes.add(n);
                voters.add(n.id);
            }
            return this;
        }

        Model leader(String id) {
            leader = id;
            return this;
        }

        List<RollStep.Group> describe() {
            List<RollStep.Group> groups = new ArrayList<>();
            for (String g : order) {
                int[] s = sizes.get(g);
                groups.add(new RollStep.Group(g, s[0], s[1], s[2], NEW, nodes.stream().filter(n -> n.group.equals(g))
                        .map(n -> new RollStep.Member(n.id, n.state, n.version, "Healthy")).toList()));
            }
            return groups;
        }

        ClusterStatus status() {
            List<ClusterStatus.Instance> instances = nodes.stream().map(n -> new ClusterStatus.Instance(n.id, n.group,
                    n.state, n.version, voters.contains(n.id) ? "node-" + n.id : null, voters.contains(n.id),
                    n.id.equals(leader), "ACTIVE", voters.contains(n.id), "1.14.10")).toList();
            boolean healthy = leader != null && nodes.stream().filter(n -> n.state.equals("InService"))
                    .allMatch(n -> voters.contains(n.id));
            int v = voters.size();
            return new ClusterStatus("2026-11-22T12:00:00Z", "vault", healthy, List.of(),
                    leader == null ? null : new ClusterStatus.Leader("node-" + leader, leader), v, v, v - (v / 2 + 1),
                    Map.of(), List.of(), instances, List.of(), List.of());
        }

        long pending() {
            return nodes.stream().filter(n -> n.state.startsWith("Pending")).count();
        }

        /** Time passes: a Pending instance is admitted (joins as a voter), a terminating one goes. */
        boolean advance() {
            boolean changed = false;
            for (Node n : List.copyOf(nodes)) {
                if (n.state.equals("Pending:Wait")) {
                    n.state = "InService";
                    voters.add(n.id);
                    changed = true;
                } else if (n.state.equals("Terminating:Wait")) {
                    nodes.remove(n);
                    changed = true;
                }
            }
            return changed;
        }

        void apply(RollStep step) {
            if (step instanceof RollStep.Launch l) {
                sizes.get(l.group())[2] = l.newDesired();
                nodes.add(new Node("i-" + l.group() + "-new" + (++launched), l.group(), NEW, "Pending:Wait"));
            } else if (step instanceof RollStep.Terminate t) {
                Node n = nodes.stream().filter(x -> x.id.equals(t.instanceId())).findFirst().orElseThrow();
                n.state = "Terminating:Wait";
                sizes.get(t.group())[2]--;
                terminated.add(n.id);
                leaderAtTermination.add(leader);
                if (n.id.equals(leader)) { // the terminate hook steps it down: a new-version voter wins
                    voters.remove(n.id);
                    leader = voters.stream().filter(v -> v.contains("-new")).findFirst().orElse(voters.iterator().next());
                    elections++;
                } else {
                    voters.remove(n.id);
                }
            }
        }
    }

    record Outcome(List<RollStep> mutations, Model model) {
    }

    /** Runs the roll to Done; {@code afterStep} may disturb the model after each mutation is applied and time passed. */
    static Outcome roll(Model model, java.util.function.BiConsumer<Integer, Model> disturb) {
        int startVoters = model.voters.size();
        int promise = RollStep.promise(model.describe(), model.status()).orElseThrow();
        List<RollStep> mutations = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            RollStep step = RollStep.decide(new RollStep.Input(model.order, model.describe(), model.status(), promise,
                    List.of(), 0, 120));
            switch (step) {
                case RollStep.Done d -> {
                    return new Outcome(mutations, model);
                }
                case RollStep.Stop s -> throw new AssertionError("stopped: " + s);
                case RollStep.Wait w -> assertThat(model.advance()).as("a wait with nothing in flight: " + w).isTrue();
                case RollStep.Launch l -> {
                    assertThat(model.pending()).as("launch outstanding at " + l).isZero();
                    mutations.add(step);
                    model.apply(step);
                }
                case RollStep.Terminate t -> {
                    mutations.add(step);
                    model.apply(step);
                }
            }
            assertThat(model.voters.size()).as("voters after " + step).isGreaterThanOrEqualTo(startVoters);
            disturb.accept(mutations.size(), model);
        }
        throw new AssertionError("no Done in 200 steps");
    }

    static void assertEveryInstanceReplaced(Model model, int nodes) {
        assertThat(model.nodes).hasSize(nodes).allSatisfy(n -> {
            assertThat(n.version).isEqualTo(NEW);
            assertThat(n.state).isEqualTo("InService");
        });
        assertThat(model.terminated).hasSize(nodes);
        model.sizes.values().forEach(s -> assertThat(s[2]).isEqualTo(s[0]));
    }

    @Test
    void threeNodesLeaderLastOneElection() {
        Model model = new Model().group("g-a", 1).group("g-b", 1).group("g-c", 1).leader("i-g-b-old1");
        Outcome outcome = roll(model, (n, m) -> { });
        assertEveryInstanceReplaced(model, 3);
        assertThat(model.terminated.get(model.terminated.size() - 1)).isEqualTo("i-g-b-old1");
        assertThat(model.elections).isEqualTo(1);
        assertThat(outcome.mutations()).hasSize(6); // launch + terminate per node, nothing more
        // Launch before terminate, each time.
        for (int i = 0; i < outcome.mutations().size(); i += 2) {
            assertThat(outcome.mutations().get(i)).isInstanceOf(RollStep.Launch.class);
            assertThat(outcome.mutations().get(i + 1)).isInstanceOf(RollStep.Terminate.class);
        }
    }

    @Test
    void fiveNodesLeaderLastOneElection() {
        Model model = new Model().group("g-a", 2).group("g-b", 2).group("g-c", 1).leader("i-g-a-old1");
        roll(model, (n, m) -> { });
        assertEveryInstanceReplaced(model, 5);
        assertThat(model.terminated.get(4)).isEqualTo("i-g-a-old1");
        assertThat(model.elections).isEqualTo(1);
        // Whoever led at each termination other than the last was not the one terminated.
        for (int i = 0; i < 4; i++) {
            assertThat(model.leaderAtTermination.get(i)).isNotEqualTo(model.terminated.get(i));
        }
    }

    /** The cluster of a test, fresh each time: 3 nodes (1/1/1) or 5 (2/2/1), g-c's instance leading. */
    static Model cluster(int nodes) {
        return nodes == 3 ? new Model().group("g-a", 1).group("g-b", 1).group("g-c", 1).leader("i-g-c-old1")
                : new Model().group("g-a", 2).group("g-b", 2).group("g-c", 1).leader("i-g-c-old1");
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0} nodes")
    @org.junit.jupiter.params.provider.ValueSource(ints = {3, 5})
    void leadershipMovingToTheVictimChangesTheOrder(int nodes) {
        Model undisturbed = cluster(nodes);
        roll(undisturbed, (n, m) -> { });
        String firstVictim = undisturbed.terminated.get(0);

        Model model = cluster(nodes);
        Outcome outcome = roll(model, (mutations, m) -> {
            // After the first launch, before the first terminate: an election makes the first victim the leader.
            if (mutations == 1 && !m.leader.equals(firstVictim)) {
                m.leader = firstVictim;
                m.elections++;
            }
        });
        assertEveryInstanceReplaced(model, nodes);
        assertThat(((RollStep.Launch) outcome.mutations().get(0)).victim()).isEqualTo(firstVictim);
        // The next step replaces another old follower (3 nodes: a launch in another group; 5 nodes: the sibling in
        // the group that already holds the replacement), and the new leader goes last.
        RollStep second = outcome.mutations().get(1);
        if (nodes == 3) {
            assertThat(second).isInstanceOf(RollStep.Launch.class);
            assertThat(((RollStep.Launch) second).victim()).isNotEqualTo(firstVictim);
        } else {
            assertThat(second).isInstanceOf(RollStep.Terminate.class);
            assertThat(((RollStep.Terminate) second).instanceId()).isNotEqualTo(firstVictim);
        }
        assertThat(model.terminated.get(0)).isNotEqualTo(firstVictim);
        assertThat(model.terminated.get(model.terminated.size() - 1)).isEqualTo(firstVictim);
        assertThat(model.elections).isEqualTo(2); // the disturbance's and the final step-down's, none more
    }
}
