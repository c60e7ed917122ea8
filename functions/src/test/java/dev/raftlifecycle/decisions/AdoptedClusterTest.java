package dev.raftlifecycle.decisions;

import static dev.raftlifecycle.decisions.ForeignCluster.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.contract.ClusterSystem;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The decisions on a cluster not built by this project (UUID node_ids, Raft addresses that are the instances' private
 * DNS names), with expectations written by hand: which peer each instance is, who counts healthy, what is removed,
 * kept or admitted, and what the status says.
 */
class AdoptedClusterTest {
    private static final String A = "i-0aaaaaaaaaaaaaaa1";
    private static final String B = "i-0bbbbbbbbbbbbbbb2";
    private static final String C = "i-0ccccccccccccccc3";
    private static final String D = "i-0ddddddddddddddd4";
    private static final String UUID_A = "3f2b9c1e-5d0a-4c7e-9a51-0c2d6f1e8b71";
    private static final String UUID_B = "3f2b9c1e-5d0a-4c7e-9a51-0c2d6f1e8b72";
    private static final String UUID_C = "3f2b9c1e-5d0a-4c7e-9a51-0c2d6f1e8b73";
    private static final SafetyRules RULES = SafetyRules.DEFAULTS;

    @Test
    void aFollowerIsRemovedByItsDnsNameAndTheDecisionSaysSo() {
        ForeignCluster c = ForeignCluster.ofThree();
        c.node(B).lifecycle = "Terminating:Wait";
        TerminationDecision d = TerminationDecision.decide(c.build(), B, RULES);
        assertThat(d).isInstanceOfSatisfying(TerminationDecision.Remove.class, r -> {
            assertThat(r.peer().nodeId()).isEqualTo(UUID_B);
            assertThat(r.stepDownFirst()).isFalse();
            assertThat(r.reason()).isEqualTo(Reason.VOTER_REMOVED);
        });
        // Three voters, every one answering through its instance's probe: removing one keeps two of two.
        assertThat(d.assessment().get().healthyVotersAfter()).isEqualTo(2);
        assertThat(d.matched()).contains("private-dns-name ip-10-0-1-6.ec2.internal");
    }

    @Test
    void theLeaderIsSteppedDownFirst() {
        ForeignCluster c = ForeignCluster.ofThree();
        c.node(A).lifecycle = "Terminating:Wait";
        TerminationDecision d = TerminationDecision.decide(c.build(), A, RULES);
        assertThat(d).isInstanceOfSatisfying(TerminationDecision.Remove.class, r -> {
            assertThat(r.peer().nodeId()).isEqualTo(UUID_A);
            assertThat(r.stepDownFirst()).isTrue();
            assertThat(r.reason()).isEqualTo(Reason.LEADER_REMOVED);
        });
    }

    @Test
    void aPeersHealthIsItsInstancesAnswer() {
        ForeignCluster c = ForeignCluster.ofThree();
        c.node(C).answer = NodeHealth.State.SEALED;
        ClusterSnapshot s = c.build();
        assertThat(s.healthOfPeer(UUID_C)).get().extracting(NodeHealth::state).isEqualTo(NodeHealth.State.SEALED);
        assertThat(s.healthOfPeer(UUID_B)).get().extracting(NodeHealth::instanceId).isEqualTo(B);
        assertThat(HealthyVoters.judge(s, RULES)).isEqualTo(Map.of(UUID_A, HealthyVoters.Doubt.NONE,
                UUID_B, HealthyVoters.Doubt.NONE, UUID_C, HealthyVoters.Doubt.NOT_SERVING));
    }

    @Test
    void anOldPeerNamedAfterAGoneInstanceNeverAnswersWithTheInstanceNowAtItsAddress() {
        ForeignCluster c = ForeignCluster.ofThree();
        // The old node's peer at A's IP (A reused it): A's answer is A's, not the old peer's.
        c.extraPeers.add(new RaftPeer("i-0999999999999999f", "10.0.1.5:8201", false, true));
        ClusterSnapshot s = c.build();
        assertThat(s.healthOfPeer("i-0999999999999999f")).isEmpty();
        assertThat(HealthyVoters.judge(s, RULES).get("i-0999999999999999f")).isEqualTo(HealthyVoters.Doubt.NO_ANSWER);
        // A's own peer (by its DNS name) still answers as A.
        assertThat(s.healthOfPeer(UUID_A)).get().extracting(NodeHealth::instanceId).isEqualTo(A);
    }

    @Test
    void aPeerUnderACustomHostnameMakesTheMatchImpossibleAndIsNotCountedHealthy() {
        ForeignCluster c = ForeignCluster.ofThree();
        c.node(C).nodeId = "vault-c";
        c.node(C).address = "vault-c.corp.example:8201";
        c.node(C).lifecycle = "Terminating:Wait";
        ClusterSnapshot s = c.build();
        TerminationDecision d = TerminationDecision.decide(s, C, RULES);
        assertThat(d).isInstanceOf(TerminationDecision.Refuse.class);
        assertThat(d.label()).isEqualTo("peer-names-unmatchable");
        assertThat(d.subjectPeer()).isEmpty();
        assertThat(d.matched()).get().asString().startsWith("unmatchable: ")
                .contains("peer vault-c (vault-c.corp.example:8201)").contains("set node_id")
                .contains("to the instance's private IP or private DNS name");
        // Nothing answered as vault-c in this look: a voter not counted healthy, so B cannot go without breaking quorum.
        assertThat(HealthyVoters.judge(s, RULES).get("vault-c")).isEqualTo(HealthyVoters.Doubt.NO_ANSWER);
        assertThat(TerminationDecision.decide(s, B, RULES).reason()).isEqualTo(Reason.QUORUM_WOULD_BREAK);
    }

    @Test
    void anAddressAnotherRunningInstanceReusedIsNotTheGoneInstancesPeer() {
        ForeignCluster c = ForeignCluster.ofThree();
        c.node(C).ec2State = "terminated";
        c.node(C).lifecycle = "";
        // D got C's IP (and so its DNS name) and has not joined yet.
        ForeignCluster.Node d = c.add(D, "unused", "10.0.1.7");
        d.inRaft = false;
        d.lifecycle = "Pending:Wait";
        d.answer = NodeHealth.State.UNINITIALIZED;
        ClusterSnapshot s = c.build();
        TerminationDecision gone = TerminationDecision.decide(s, C, RULES);
        assertThat(gone.reason()).isEqualTo(Reason.NOT_A_MEMBER);
        assertThat(gone.matched()).get().asString().contains("belongs to another running instance, " + D);
        // The reconciler: the peer's address is a running instance's now: never stale.
        assertThat(StalePeers.classify(s)).filteredOn(f -> f.peer().nodeId().equals(UUID_C))
                .singleElement().extracting(StalePeers.PeerFate::fate).isEqualTo(StalePeers.Fate.RUNNING);
        // The launch gate: D is not the old peer at its address (it is doubly not: the old one has been stable since
        // before D was launched).
        LaunchReadiness.Verdict v = LaunchReadiness.evaluate(s, D, new LaunchReadiness.Expectations(false,
                java.util.Optional.empty()), NOW);
        assertThat(v).isInstanceOf(LaunchReadiness.Waiting.class);
    }

    @Test
    void aForeignPeerTiedToATerminatedInstanceIsRemovedAndOneTiedToNothingIsLeftAlone() {
        ForeignCluster c = ForeignCluster.ofThree();
        c.node(C).ec2State = "terminated";
        c.node(C).lifecycle = "";
        c.node(C).autopilotHealthy = false;
        c.extraPeers.add(new RaftPeer("vault-z", "vault-z.corp.example:8201", false, false));
        ClusterSnapshot s = c.build();
        assertThat(StalePeers.classify(s)).extracting(StalePeers.PeerFate::fate).containsExactly(StalePeers.Fate.RUNNING,
                StalePeers.Fate.RUNNING, StalePeers.Fate.TERMINATED, StalePeers.Fate.UNMANAGED);
        StalePeers.Plan plan = StalePeers.plan(StalePeers.classify(s), Map.of(), NOW, Duration.ofMinutes(5), true, s, RULES);
        assertThat(plan.remove()).extracting(r -> r.peer().nodeId()).containsExactly(UUID_C);
        // The same instance once EC2 no longer reports its address: nothing ties the peer to it, left alone.
        c.node(C).ip = null;
        c.node(C).dns = null;
        ClusterSnapshot later = c.build();
        assertThat(StalePeers.classify(later).get(2).fate()).isEqualTo(StalePeers.Fate.UNMANAGED);
        assertThat(StalePeers.plan(StalePeers.classify(later), Map.of(), NOW, Duration.ofMinutes(5), true, later, RULES)
                .remove()).isEmpty();
    }

    @Test
    void aPeerNamedAfterAnInstanceEc2DoesNotKnowAtANameIsNeverRemovedOnAnUnprobedName() {
        ForeignCluster c = ForeignCluster.ofThree();
        c.extraPeers.add(new RaftPeer("i-0eeeeeeeeeeeeeee5", "ip-10-0-1-9.ec2.internal:8201", false, true));
        ClusterSnapshot s = c.build();
        assertThat(StalePeers.classify(s).get(3).fate()).isEqualTo(StalePeers.Fate.UNKNOWN);
        StalePeers.Plan plan = StalePeers.plan(StalePeers.classify(s), Map.of("i-0eeeeeeeeeeeeeee5",
                NOW.minus(Duration.ofHours(1))), NOW, Duration.ofMinutes(5), true, s, RULES);
        assertThat(plan.remove()).isEmpty();
        assertThat(plan.kept()).singleElement().extracting(StalePeers.Kept::reason).isEqualTo(Reason.PEER_NAMES_UNMATCHABLE);
        // At an IP, as before: removed once the grace period is over.
        ForeignCluster ip = ForeignCluster.ofThree();
        ip.extraPeers.add(new RaftPeer("i-0eeeeeeeeeeeeeee5", "10.0.1.9:8201", false, false));
        ClusterSnapshot t = ip.build();
        assertThat(StalePeers.plan(StalePeers.classify(t), Map.of("i-0eeeeeeeeeeeeeee5", NOW.minus(Duration.ofHours(1))),
                NOW, Duration.ofMinutes(5), true, t, RULES).remove()).hasSize(1);
    }

    private static ForeignCluster launching(Instant launched, Instant stableSince) {
        ForeignCluster c = ForeignCluster.ofThree();
        ForeignCluster.Node d = c.add(D, "3f2b9c1e-5d0a-4c7e-9a51-0c2d6f1e8b74", "10.0.1.8");
        d.lifecycle = "Pending:Wait";
        d.launched = launched;
        d.stableSince = stableSince;
        return c;
    }

    private static LaunchReadiness.Verdict launch(ClusterSnapshot s) {
        return LaunchReadiness.evaluate(s, D, new LaunchReadiness.Expectations(false, java.util.Optional.empty()), NOW);
    }

    @Test
    void aLaunchIsAdmittedOnceItsOwnPeerIsStableSinceAfterItsLaunch() {
        LaunchReadiness.Verdict v = launch(launching(NOW.minusSeconds(120), NOW.minusSeconds(60)).build());
        assertThat(v).isInstanceOfSatisfying(LaunchReadiness.Ready.class,
                r -> assertThat(r.matched()).isEqualTo("private-dns-name ip-10-0-1-8.ec2.internal"));
    }

    @Test
    void aPeerStableSinceBeforeTheLaunchIsAnOldNodeAtAReusedAddress() {
        LaunchReadiness.Verdict v = launch(launching(NOW.minusSeconds(120), NOW.minusSeconds(3600)).build());
        assertThat(v).isInstanceOfSatisfying(LaunchReadiness.Waiting.class, w -> {
            assertThat(w.reason()).isEqualTo(Reason.NOT_IN_RAFT);
            assertThat(w.detail()).contains("before the instance was launched");
        });
        ForeignCluster unknownLaunch = launching(NOW.minusSeconds(120), NOW.minusSeconds(60));
        unknownLaunch.node(D).launched = null;
        assertThat(launch(unknownLaunch.build()).reason()).isEqualTo(Reason.NOT_IN_RAFT);
    }

    @Test
    void anOldPeerNamedAfterItsInstanceAtTheReusedIpIsNotTheNewInstance() {
        ForeignCluster c = launching(NOW.minusSeconds(120), NOW.minusSeconds(60));
        c.node(D).nodeId = "i-0999999999999999f";
        c.node(D).address = "10.0.1.8:8201";
        assertThat(launch(c.build())).isInstanceOfSatisfying(LaunchReadiness.Waiting.class,
                w -> assertThat(w.reason()).isEqualTo(Reason.NOT_IN_RAFT));
    }

    @Test
    void twoPeersAtTheNewInstancesAddressAndUnmatchableNamesWait() {
        ForeignCluster c = launching(NOW.minusSeconds(120), NOW.minusSeconds(60));
        c.extraPeers.add(new RaftPeer("old-uuid", "10.0.1.8:8201", false, true));
        assertThat(launch(c.build()).reason()).isEqualTo(Reason.AMBIGUOUS_MATCH);
        ForeignCluster custom = launching(NOW.minusSeconds(120), NOW.minusSeconds(60));
        custom.node(D).address = "vault-d.corp.example:8201";
        assertThat(launch(custom.build()).reason()).isEqualTo(Reason.PEER_NAMES_UNMATCHABLE);
    }

    @Test
    void theStatusSaysHowEachInstanceWasMatched() {
        ClusterStatus status = ClusterStatus.of(ForeignCluster.ofThree().build(), RULES, ClusterSystem.VAULT, NOW);
        assertThat(status.problems()).isEmpty();
        assertThat(status.healthy()).isTrue();
        assertThat(status.healthyVoters()).isEqualTo(3);
        assertThat(status.leader()).isEqualTo(new ClusterStatus.Leader(UUID_A, A));
        assertThat(status.instances()).extracting(ClusterStatus.Instance::nodeId).containsExactly(UUID_A, UUID_B, UUID_C);
        assertThat(status.instances()).extracting(ClusterStatus.Instance::matched).containsExactly(
                "private-dns-name ip-10-0-1-5.ec2.internal", "private-dns-name ip-10-0-1-6.ec2.internal",
                "private-dns-name ip-10-0-1-7.ec2.internal");
        assertThat(status.unmatchedPeers()).isEmpty();

        ForeignCluster custom = ForeignCluster.ofThree();
        custom.node(C).address = "vault-c.corp.example:8201";
        ClusterStatus unmatchable = ClusterStatus.of(custom.build(), RULES, ClusterSystem.VAULT, NOW);
        assertThat(unmatchable.healthy()).isFalse();
        assertThat(unmatchable.instances().get(2).matched()).startsWith("unmatchable: ");
        assertThat(unmatchable.problems()).anyMatch(p -> p.startsWith("instance " + C + " cannot be matched safely"));
        assertThat(unmatchable.unmatchedPeers()).extracting(ClusterStatus.Peer::nodeId).containsExactly(UUID_C);
    }

    @Test
    void aTerminatedInstancesReusedAddressThatAnswersIsNotItsPeer() {
        // C was terminated (EC2 still reports its IP; its own peer is gone), and a server outside the groups, which
        // this look does not see as an instance, now sits at 10.0.1.7 and has joined as a voter.
        ForeignCluster c = ForeignCluster.ofThree();
        c.node(C).ec2State = "terminated";
        c.node(C).lifecycle = "";
        c.node(C).dns = null;
        c.node(C).inRaft = false;
        String uuidE = "3f2b9c1e-5d0a-4c7e-9a51-0c2d6f1e8b75";
        c.add(null, uuidE, "10.0.1.7").address = "10.0.1.7:8201";
        // The observer's probe at the peer's address: a live member answers there.
        c.peerHealth.put(uuidE, new NodeHealth(uuidE, "10.0.1.7", NodeHealth.State.STANDBY, java.util.Optional.of("1.14.10"),
                "HTTP"));
        ClusterSnapshot s = c.build();
        // The state change of C (doomed): the live voter at C's old address is not C's peer to remove.
        TerminationDecision d = TerminationDecision.decide(s, C, RULES, true);
        assertThat(d).isNotInstanceOf(TerminationDecision.Remove.class);
        assertThat(d.reason()).isEqualTo(Reason.PEER_ANSWERS);
        // The schedule: kept because something answers at its address.
        StalePeers.Plan plan = StalePeers.plan(StalePeers.classify(s), Map.of(), NOW, Duration.ofMinutes(5), true, s, RULES);
        assertThat(plan.remove()).isEmpty();
        assertThat(plan.kept()).singleElement().extracting(StalePeers.Kept::reason).isEqualTo(Reason.PEER_ANSWERS);
        // Nothing answering there: C's own old peer at its address, removed.
        c.peerHealth.put(uuidE, NodeHealth.unreachable(uuidE, "10.0.1.7", "connection refused"));
        ClusterSnapshot dead = c.build();
        assertThat(TerminationDecision.decide(dead, C, RULES, true)).isInstanceOfSatisfying(TerminationDecision.Remove.class,
                r -> assertThat(r.peer().nodeId()).isEqualTo(uuidE));
    }

    @Test
    void aPeerNamedAfterThisInstanceAtAnotherRunningInstancesAddressIsNotRemovedForIt() {
        // A config template swapped the node_ids: A's server calls itself B, B's calls itself A.
        ForeignCluster c = ForeignCluster.ofThree();
        c.node(A).nodeId = B;
        c.node(B).nodeId = A;
        c.node(A).address = "10.0.1.5:8201";
        c.node(B).address = "10.0.1.6:8201";
        c.node(B).lifecycle = "Terminating:Wait";
        TerminationDecision d = TerminationDecision.decide(c.build(), B, RULES);
        assertThat(d).isInstanceOf(TerminationDecision.Refuse.class);
        assertThat(d.reason()).isEqualTo(Reason.AMBIGUOUS_MATCH);
        assertThat(d.matched()).get().asString().startsWith("ambiguous: ").contains(A);
    }

    private static Map<String, Double> metrics(ClusterSnapshot s) {
        return HealthMetrics.compute(s, StalePeers.classify(s), RULES).stream()
                .collect(java.util.stream.Collectors.toMap(v -> v.name().metricName(), MetricValue::value));
    }

    @Test
    void theMetricsOfAHealthyAdoptedClusterShowNoMissingPeer() {
        // Every instance is in the configuration, under a UUID at its DNS name: none is missing.
        assertThat(metrics(ForeignCluster.ofThree().build())).containsEntry("MissingPeers", 0.0)
                .containsEntry("StalePeers", 0.0).containsEntry("HealthyVoters", 3.0);
        // An initialized, running instance no peer is: missing.
        ForeignCluster c = ForeignCluster.ofThree();
        c.add(D, "3f2b9c1e-5d0a-4c7e-9a51-0c2d6f1e8b74", "10.0.1.8").inRaft = false;
        assertThat(metrics(c.build())).containsEntry("MissingPeers", 1.0);
    }

    @Test
    void raftAddressesOnIpv6MakeTheMatchImpossibleRatherThanLeaveADeadVoter() {
        // cluster_addr on each instance's IPv6 address: EC2's private IP (IPv4) and DNS name name none of them, and
        // any of them may be the instance's own.
        ForeignCluster c = ForeignCluster.ofThree();
        c.node(A).address = "[2600:1f18:abcd::5]:8201";
        c.node(B).address = "[2600:1f18:abcd::6]:8201";
        c.node(C).address = "[2600:1f18:abcd::7]:8201";
        c.node(B).lifecycle = "Terminating:Wait";
        TerminationDecision d = TerminationDecision.decide(c.build(), B, RULES);
        assertThat(d).isInstanceOf(TerminationDecision.Refuse.class);
        assertThat(d.reason()).isEqualTo(Reason.PEER_NAMES_UNMATCHABLE);
        assertThat(d.matched()).get().asString().contains("[2600:1f18:abcd::6]:8201");
    }

    @Test
    void aSwappedNodeIdIsNotRemovedOnceTheInstanceItNamesNoLongerReportsItsAddress() {
        // node_ids swapped by a template (A's server calls itself B, B's calls itself A); B was killed and EC2 no longer
        // reports its address. The peer called B is A's live server, the only one at A's address.
        ForeignCluster c = ForeignCluster.ofThree();
        c.node(A).nodeId = B;
        c.node(A).address = "10.0.1.5:8201";
        c.node(B).nodeId = A;
        c.node(B).address = "10.0.1.6:8201";
        c.node(B).ec2State = "terminated";
        c.node(B).lifecycle = "";
        c.node(B).ip = null;
        c.node(B).dns = null;
        c.node(B).autopilotHealthy = false;
        // C leads (a leader is never removed by the schedule anyway).
        c.node(A).leader = false;
        c.node(C).leader = true;
        ClusterSnapshot s = c.build();
        TerminationDecision d = TerminationDecision.decide(s, B, RULES, true);
        assertThat(d).isNotInstanceOf(TerminationDecision.Remove.class);
        assertThat(d.reason()).isEqualTo(Reason.PEER_ANSWERS);
        StalePeers.Plan plan = StalePeers.plan(StalePeers.classify(s), Map.of(), NOW, Duration.ofMinutes(5), true, s, RULES);
        assertThat(plan.remove()).isEmpty();
        assertThat(plan.kept()).singleElement().satisfies(k -> {
            assertThat(k.peer().nodeId()).isEqualTo(B);
            assertThat(k.reason()).isEqualTo(Reason.PEER_ANSWERS);
        });
    }

    @Test
    void anOldPeerNamedAfterItsTerminatedInstanceAtAnAddressANewInstanceReusedIsRemovedBeforeItJoins() {
        // Raft refuses two servers at one address: the new instance joins only once the old peer is gone.
        String old = "i-0999999999999999f";
        ForeignCluster c = ForeignCluster.ofThree();
        ForeignCluster.Node x = c.add(old, old, "10.0.1.8");
        x.address = "10.0.1.8:8201";
        x.ec2State = "terminated";
        x.lifecycle = "";
        x.ip = null;
        x.dns = null;
        x.autopilotHealthy = false;
        ForeignCluster.Node d = c.add(D, "unused", "10.0.1.8");
        d.inRaft = false;
        d.lifecycle = "Pending:Wait";
        d.answer = NodeHealth.State.UNINITIALIZED;
        ClusterSnapshot s = c.build();
        assertThat(TerminationDecision.decide(s, old, RULES, true)).isInstanceOfSatisfying(TerminationDecision.Remove.class,
                r -> assertThat(r.peer().nodeId()).isEqualTo(old));
        assertThat(StalePeers.plan(StalePeers.classify(s), Map.of(), NOW, Duration.ofMinutes(5), true, s, RULES).remove())
                .extracting(r -> r.peer().nodeId()).containsExactly(old);
    }

    @Test
    void theHealthCheckAdviceFindsEachInstancesServerByItsPeer() {
        // Every node answers as a standby (or active) and autopilot has had it healthy for ten minutes, under its UUID:
        // ready for the load balancer's checks, as a cluster named after its instances would be.
        HealthCheckSwitch.Plan plan = HealthCheckSwitch.plan(ForeignCluster.ofThree().build(), java.util.Optional.empty(),
                NOW);
        assertThat(plan.why()).doesNotContain("not passing");
        assertThat(plan.status()).isEqualTo(HealthCheckSwitch.Status.READY);
    }

    @Test
    void raftAddressesOnAttachedInterfacesMakeTheMatchImpossibleRatherThanLeaveADeadVoter() {
        // Each server's cluster_addr is the IP of a network interface attached at boot (a stable address), not the
        // instance's primary private IP that EC2 reports.
        ForeignCluster c = ForeignCluster.ofThree();
        c.node(A).address = "10.0.2.5:8201";
        c.node(B).address = "10.0.2.6:8201";
        c.node(C).address = "10.0.2.7:8201";
        c.node(B).lifecycle = "Terminating:Wait";
        TerminationDecision d = TerminationDecision.decide(c.build(), B, RULES);
        assertThat(d).isInstanceOf(TerminationDecision.Refuse.class);
        assertThat(d.reason()).isEqualTo(Reason.PEER_NAMES_UNMATCHABLE);
    }
}
