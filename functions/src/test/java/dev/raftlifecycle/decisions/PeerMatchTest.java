package dev.raftlifecycle.decisions;

import static dev.raftlifecycle.decisions.Fixtures.threeVoters;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Peer matching, with expectations written by hand from the rule: node_id first; else the one peer whose address's
 * host is the instance's private IP or (ignoring case and one trailing dot) its private DNS name, unless another
 * running instance's address is the same, more than one peer is there, or the peer is named after another instance;
 * with no match, a peer tied to no instance at all makes the match impossible.
 */
class PeerMatchTest {
    private static final String A = "i-0aaaaaaaaaaaaaaa1";
    private static final String B = "i-0bbbbbbbbbbbbbbb2";
    private static final String C = "i-0ccccccccccccccc3";

    private static ClusterInstance instance(String id, String ec2State, String ip, String dns) {
        return new ClusterInstance(id, "g-a", "InService", ec2State, Optional.ofNullable(ip), "zone-a", "",
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.ofNullable(dns), Optional.empty());
    }

    private static RaftPeer peer(String nodeId, String address) {
        return new RaftPeer(nodeId, address, false, true);
    }

    @Test
    void matchesByNodeIdFirst() {
        PeerMatch m = PeerMatch.find(Fixtures.id(2), threeVoters(),
                List.of(instance(Fixtures.id(2), "running", "10.0.1.3", null)));
        assertThat(m).isInstanceOf(PeerMatch.ById.class);
        assertThat(m.matched()).get().extracting(RaftPeer::nodeId).isEqualTo(Fixtures.id(2));
        assertThat(m.describe()).isEqualTo("node_id " + Fixtures.id(2));
    }

    @Test
    void fallsBackToThePrivateIpWhenExactlyOnePeerHasItAndNoOtherInstanceOwnsIt() {
        List<RaftPeer> peers = List.of(peer("vault-legacy-2", "10.0.1.2:8201"));
        PeerMatch m = PeerMatch.find(A, peers, List.of(instance(A, "running", "10.0.1.2", "ip-10-0-1-2.ec2.internal"),
                instance(B, "running", "10.0.1.7", "ip-10-0-1-7.ec2.internal")));
        assertThat(m).isInstanceOfSatisfying(PeerMatch.ByAddress.class,
                b -> assertThat(b.basis()).isEqualTo(PeerMatch.Basis.PRIVATE_IP));
        assertThat(m.describe()).isEqualTo("private-ip 10.0.1.2");
    }

    @Test
    void aUuidPeerAtThePrivateDnsNameIsTheInstance() {
        List<RaftPeer> peers = List.of(peer("3f2b9c1e-5d0a-4c7e-9a51-0c2d6f1e8b77", "ip-10-0-1-5.ec2.internal:8201"),
                peer("a1c4e7f0-1111-4222-8333-944455566677", "ip-10-0-1-6.ec2.internal:8201"));
        List<ClusterInstance> instances = List.of(instance(A, "running", "10.0.1.5", "ip-10-0-1-5.ec2.internal"),
                instance(B, "running", "10.0.1.6", "ip-10-0-1-6.ec2.internal"));
        PeerMatch m = PeerMatch.find(A, peers, instances);
        assertThat(m.matched()).get().extracting(RaftPeer::nodeId).isEqualTo("3f2b9c1e-5d0a-4c7e-9a51-0c2d6f1e8b77");
        assertThat(m.describe()).isEqualTo("private-dns-name ip-10-0-1-5.ec2.internal");
        assertThat(PeerMatch.find(B, peers, instances).describe()).isEqualTo("private-dns-name ip-10-0-1-6.ec2.internal");
    }

    @Test
    void aDnsNameMatchesInAnyCaseAndWithOneTrailingDot() {
        List<ClusterInstance> instances = List.of(instance(A, "running", "10.0.1.5", "ip-10-0-1-5.ec2.internal"));
        assertThat(PeerMatch.find(A, List.of(peer("n1", "IP-10-0-1-5.EC2.Internal:8201")), instances))
                .isInstanceOf(PeerMatch.ByAddress.class);
        assertThat(PeerMatch.find(A, List.of(peer("n1", "ip-10-0-1-5.ec2.internal.:8201")), instances))
                .isInstanceOf(PeerMatch.ByAddress.class);
        // EC2 reporting the name with a trailing dot is the same name.
        assertThat(PeerMatch.find(A, List.of(peer("n1", "ip-10-0-1-5.ec2.internal:8201")),
                List.of(instance(A, "running", "10.0.1.5", "IP-10-0-1-5.ec2.internal.")))).isInstanceOf(PeerMatch.ByAddress.class);
        // Two dots, another zone, a prefix: other names.
        assertThat(PeerMatch.find(A, List.of(peer("n1", "ip-10-0-1-5.ec2.internal..:8201")), instances))
                .isNotInstanceOf(PeerMatch.ByAddress.class);
        assertThat(PeerMatch.find(A, List.of(peer("n1", "ip-10-0-1-5.eu-west-1.compute.internal:8201")), instances))
                .isNotInstanceOf(PeerMatch.ByAddress.class);
        assertThat(PeerMatch.find(A, List.of(peer("n1", "ip-10-0-1-5:8201")), instances))
                .isNotInstanceOf(PeerMatch.ByAddress.class);
    }

    @Test
    void anIpReusedByAnotherRunningInstanceIsNotThisInstance() {
        List<RaftPeer> peers = List.of(peer("vault-2", "10.0.1.2:8201"));
        // This instance is going (EC2 still reports its IP); a new running instance has the same IP.
        assertThat(PeerMatch.find(A, peers, List.of(instance(A, "shutting-down", "10.0.1.2", null),
                instance(B, "running", "10.0.1.2", null)))).isInstanceOf(PeerMatch.NotMember.class);
    }

    @Test
    void aDnsNameReusedByAnotherRunningInstanceIsNotThisInstance() {
        List<RaftPeer> peers = List.of(peer("3f2b9c1e", "ip-10-0-1-2.ec2.internal:8201"));
        PeerMatch m = PeerMatch.find(A, peers, List.of(instance(A, "shutting-down", "10.0.1.2", "ip-10-0-1-2.ec2.internal"),
                instance(B, "running", "10.0.1.2", "ip-10-0-1-2.ec2.internal")));
        assertThat(m).isInstanceOf(PeerMatch.NotMember.class);
        assertThat(m.describe()).contains("belongs to another running instance, " + B);
        // The same with the reusing instance stopped: not running, so the address is this instance's.
        assertThat(PeerMatch.find(A, peers, List.of(instance(A, "running", "10.0.1.2", "ip-10-0-1-2.ec2.internal"),
                instance(B, "stopped", "10.0.1.2", "ip-10-0-1-2.ec2.internal")))).isInstanceOf(PeerMatch.ByAddress.class);
    }

    @Test
    void aPeerNamedAfterAnotherInstanceIsNeverThisOneByAddress() {
        // The old instance's peer at the IP this (new) instance reused: it is i-0bbb…'s, gone or not.
        List<RaftPeer> peers = List.of(peer(B, "10.0.1.2:8201"));
        assertThat(PeerMatch.find(A, peers, List.of(instance(A, "running", "10.0.1.2", "ip-10-0-1-2.ec2.internal"))))
                .isInstanceOf(PeerMatch.NotMember.class);
    }

    @Test
    void twoPeersNamingTheSameInstanceAreAmbiguous() {
        List<ClusterInstance> instances = List.of(instance(A, "running", "10.0.1.2", "ip-10-0-1-2.ec2.internal"));
        assertThat(PeerMatch.find(A, List.of(peer("a", "10.0.1.2:8201"), peer("b", "10.0.1.2:8202")), instances))
                .isInstanceOf(PeerMatch.Ambiguous.class);
        // One by IP, one by DNS name: the same instance twice.
        PeerMatch m = PeerMatch.find(A, List.of(peer("a", "10.0.1.2:8201"), peer("b", "IP-10-0-1-2.ec2.internal:8201")),
                instances);
        assertThat(m).isInstanceOf(PeerMatch.Ambiguous.class);
        assertThat(m.matched()).isEmpty();
    }

    @Test
    void aPeerTiedToNoInstanceMakesTheMatchImpossible() {
        List<RaftPeer> peers = List.of(peer("vault-a", "vault-a.corp.example:8201"),
                peer("vault-b", "ip-10-0-1-6.ec2.internal:8201"));
        List<ClusterInstance> instances = List.of(instance(A, "running", "10.0.1.5", "ip-10-0-1-5.ec2.internal"),
                instance(B, "running", "10.0.1.6", "ip-10-0-1-6.ec2.internal"));
        PeerMatch m = PeerMatch.find(A, peers, instances);
        assertThat(m).isInstanceOfSatisfying(PeerMatch.Unmatchable.class, u -> {
            assertThat(u.suspects()).extracting(RaftPeer::nodeId).containsExactly("vault-a");
            assertThat(u.why()).contains("peer vault-a (vault-a.corp.example:8201)")
                    .contains("node_id not an instance id").contains("to the instance id")
                    .contains("private IP or private DNS name");
        });
        // B's own peer is matched regardless.
        assertThat(PeerMatch.find(B, peers, instances)).isInstanceOf(PeerMatch.ByAddress.class);
    }

    @Test
    void peersAllTiedToOtherInstancesLeaveThisOneNotAMember() {
        List<RaftPeer> peers = List.of(peer("vault-b", "ip-10-0-1-6.ec2.internal:8201"), peer("vault-c", "10.0.1.7:8201"),
                peer(C, "c.corp.example:8201"));
        List<ClusterInstance> instances = List.of(instance(A, "running", "10.0.1.5", "ip-10-0-1-5.ec2.internal"),
                instance(B, "running", "10.0.1.6", "ip-10-0-1-6.ec2.internal"),
                instance(C, "terminated", "10.0.1.7", null));
        assertThat(PeerMatch.find(A, peers, instances)).isInstanceOf(PeerMatch.NotMember.class);
    }

    @Test
    void withItsAddressUnknownAnyUntiedPeerCouldBeIt() {
        List<ClusterInstance> instances = List.of(instance(A, "running", null, null),
                instance(B, "running", "10.0.1.6", "ip-10-0-1-6.ec2.internal"));
        assertThat(PeerMatch.find(A, List.of(peer("vault-b", "ip-10-0-1-6.ec2.internal:8201"),
                peer("vault-x", "10.0.9.9:8201")), instances)).isInstanceOf(PeerMatch.Unmatchable.class);
        // Built our way: every peer is named after an instance.
        assertThat(PeerMatch.find("i-0ccccccccccccccc9", threeVoters(), List.of())).isInstanceOf(PeerMatch.NotMember.class);
    }

    @Test
    void noIdAndNoAddressIsNotAMember() {
        assertThat(PeerMatch.find("i-0ccccccccccccccc9", threeVoters(),
                List.of(instance("i-0ccccccccccccccc9", "running", "10.9.9.9", null)))).isInstanceOf(PeerMatch.NotMember.class);
    }

    @Test
    void ipv6AddressesAreCompared() {
        List<RaftPeer> peers = List.of(peer("x", "[fd00::5]:8201"));
        assertThat(PeerMatch.find(A, peers, List.of(instance(A, "running", "fd00::5", null))))
                .isInstanceOf(PeerMatch.ByAddress.class);
    }

    @Test
    void theOwnerOfAPeer() {
        List<RaftPeer> peers = List.of(peer(A, "10.0.1.5:8201"), peer("uuid-b", "IP-10-0-1-6.ec2.internal.:8201"),
                peer("uuid-c", "10.0.1.7:8201"), peer("i-0ddddddddddddddd4", "10.0.1.8:8201"));
        ClusterInstance a = instance(A, "running", "10.0.1.5", "ip-10-0-1-5.ec2.internal");
        ClusterInstance b = instance(B, "running", "10.0.1.6", "ip-10-0-1-6.ec2.internal");
        ClusterInstance cGone = instance(C, "terminated", "10.0.1.7", null);
        ClusterInstance reuser = instance("i-0eeeeeeeeeeeeeee5", "running", "10.0.1.8", null);
        List<ClusterInstance> instances = List.of(a, b, cGone, reuser);
        assertThat(PeerMatch.owner(peers.get(0), peers, instances)).contains(new PeerMatch.Owner(a, PeerMatch.Basis.NODE_ID));
        assertThat(PeerMatch.owner(peers.get(1), peers, instances))
                .contains(new PeerMatch.Owner(b, PeerMatch.Basis.PRIVATE_DNS_NAME));
        // Only a terminated instance reports the address: that one.
        assertThat(PeerMatch.owner(peers.get(2), peers, instances))
                .contains(new PeerMatch.Owner(cGone, PeerMatch.Basis.PRIVATE_IP));
        // Named after an instance EC2 does not report: never tied to the instance now at its address.
        assertThat(PeerMatch.owner(peers.get(3), peers, instances)).isEmpty();
    }

    @Test
    void aRunningInstanceOwnsAnAddressBeforeAGoneOneAndTwoPeersThereOwnNothing() {
        ClusterInstance gone = instance(A, "terminated", "10.0.1.5", "ip-10-0-1-5.ec2.internal");
        ClusterInstance now = instance(B, "running", "10.0.1.5", "ip-10-0-1-5.ec2.internal");
        List<RaftPeer> one = List.of(peer("uuid", "ip-10-0-1-5.ec2.internal:8201"));
        assertThat(PeerMatch.owner(one.get(0), one, List.of(gone, now))).map(PeerMatch.Owner::instance).contains(now);
        // Two terminated instances at the address: which one is not known.
        ClusterInstance gone2 = instance(C, "terminated", "10.0.1.5", null);
        List<RaftPeer> ip = List.of(peer("uuid", "10.0.1.5:8201"));
        assertThat(PeerMatch.owner(ip.get(0), ip, List.of(gone, gone2))).isEmpty();
        List<RaftPeer> two = List.of(peer("uuid-1", "10.0.1.5:8201"), peer("uuid-2", "ip-10-0-1-5.ec2.internal:8201"));
        assertThat(PeerMatch.owner(two.get(0), two, List.of(now))).isEmpty();
        assertThat(PeerMatch.owner(two.get(1), two, List.of(now))).isEmpty();
        // An instance that has a peer of its own by node_id is not another peer's.
        List<RaftPeer> own = List.of(peer(B, "10.0.1.5:8201"), peer("old", "10.0.1.5:8201"));
        assertThat(PeerMatch.owner(own.get(1), own, List.of(now))).isEmpty();
    }

    @Test
    void aPeerNamedAfterThisInstanceAtAnotherRunningInstancesAddressIsAmbiguous() {
        // node_ids swapped by a template: the peer called A is the server at B's IP.
        List<RaftPeer> peers = List.of(peer(B, "10.0.1.5:8201"), peer(A, "10.0.1.6:8201"));
        List<ClusterInstance> instances = List.of(instance(A, "running", "10.0.1.5", "ip-10-0-1-5.ec2.internal"),
                instance(B, "running", "10.0.1.6", "ip-10-0-1-6.ec2.internal"));
        PeerMatch m = PeerMatch.find(A, peers, instances);
        assertThat(m).isInstanceOf(PeerMatch.Ambiguous.class);
        assertThat(m.matched()).isEmpty();
        assertThat(m.describe()).contains("another running instance's, " + B);
        // By DNS name likewise.
        assertThat(PeerMatch.find(A, List.of(peer(A, "ip-10-0-1-6.ec2.internal:8201")), instances))
                .isInstanceOf(PeerMatch.Ambiguous.class);
    }

    @Test
    void aPeerNamedAfterThisInstanceIsItWhereverNoOtherRunningInstanceIs() {
        List<RaftPeer> peers = List.of(peer(A, "10.0.1.7:8201"));
        // Terminated, its IP no longer reported, and a new instance at that IP: the old peer is still A's.
        assertThat(PeerMatch.find(A, peers, List.of(instance(A, "terminated", null, null),
                instance(B, "running", "10.0.1.7", null)))).isInstanceOf(PeerMatch.ById.class);
        // Its own address, even if another instance (not running) reports the same.
        assertThat(PeerMatch.find(A, peers, List.of(instance(A, "shutting-down", "10.0.1.7", null),
                instance(B, "running", "10.0.1.7", null)))).isInstanceOf(PeerMatch.ById.class);
        // At an address that is nobody's (another subnet, a secondary IP), or a stopped instance's.
        assertThat(PeerMatch.find(A, List.of(peer(A, "10.9.9.9:8201")), List.of(instance(A, "running", "10.0.1.5", null))))
                .isInstanceOf(PeerMatch.ById.class);
        assertThat(PeerMatch.find(A, peers, List.of(instance(A, "running", "10.0.1.5", null),
                instance(B, "stopped", "10.0.1.7", null)))).isInstanceOf(PeerMatch.ById.class);
    }

    @Test
    void anIpv6AddressNamingNoInstanceCouldBeThisOne() {
        // EC2's private IP is IPv4: an IPv6 address (the instance's own, perhaps) is never compared, so it ties the
        // peer to nothing, like a name no instance reports.
        List<ClusterInstance> instances = List.of(instance(A, "running", "10.0.1.5", "ip-10-0-1-5.ec2.internal"));
        PeerMatch m = PeerMatch.find(A, List.of(peer("uuid-a", "[2600:1f18::5]:8201")), instances);
        assertThat(m).isInstanceOfSatisfying(PeerMatch.Unmatchable.class,
                u -> assertThat(u.suspects()).extracting(RaftPeer::nodeId).containsExactly("uuid-a"));
    }

    @Test
    void anIpv4AddressNamingNoInstanceCouldBeThisOnesSecondaryAddress() {
        // A network interface attached at boot for a stable address: Raft at 10.0.2.15, EC2's private IP 10.0.1.5.
        List<ClusterInstance> instances = List.of(instance(A, "running", "10.0.1.5", "ip-10-0-1-5.ec2.internal"),
                instance(B, "running", "10.0.1.6", "ip-10-0-1-6.ec2.internal"));
        PeerMatch m = PeerMatch.find(A, List.of(peer("uuid-a", "10.0.2.15:8201"), peer("uuid-b", "10.0.1.6:8201")),
                instances);
        assertThat(m).isInstanceOfSatisfying(PeerMatch.Unmatchable.class,
                u -> assertThat(u.suspects()).extracting(RaftPeer::nodeId).containsExactly("uuid-a"));
        // Peers all tied to other instances: not a member.
        assertThat(PeerMatch.find(A, List.of(peer("uuid-b", "10.0.1.6:8201")), instances))
                .isInstanceOf(PeerMatch.NotMember.class);
    }
}
