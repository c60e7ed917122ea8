package dev.raftlifecycle.decisions;

import static dev.raftlifecycle.decisions.Fixtures.threeVoters;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PeerMatchTest {
    @Test
    void matchesByNodeIdFirst() {
        PeerMatch m = PeerMatch.find("i-00000000000000002", Optional.of("10.0.1.3"), threeVoters(), Set.of());
        assertThat(m).isInstanceOf(PeerMatch.ById.class);
        assertThat(m.matched()).get().extracting(RaftPeer::nodeId).isEqualTo("i-00000000000000002");
    }

    @Test
    void fallsBackToTheAddressWhenExactlyOnePeerHasItAndNoOtherInstanceOwnsIt() {
        List<RaftPeer> peers = List.of(new RaftPeer("vault-legacy-2", "10.0.1.2:8201", false, true));
        assertThat(PeerMatch.find("i-0aaaaaaaaaaaaaaa2", Optional.of("10.0.1.2"), peers, Set.of("10.0.1.7")))
                .isInstanceOf(PeerMatch.ByAddress.class);
    }

    @Test
    void anAddressReusedByAnotherRunningInstanceIsNotThisInstance() {
        List<RaftPeer> peers = List.of(new RaftPeer("i-0bbbbbbbbbbbbbbb1", "10.0.1.2:8201", false, true));
        assertThat(PeerMatch.find("i-0aaaaaaaaaaaaaaa2", Optional.of("10.0.1.2"), peers, Set.of("10.0.1.2")))
                .isInstanceOf(PeerMatch.NotMember.class);
    }

    @Test
    void twoPeersAtTheSameAddressAreAmbiguous() {
        List<RaftPeer> peers = List.of(new RaftPeer("a", "10.0.1.2:8201", false, true),
                new RaftPeer("b", "10.0.1.2:8202", false, true));
        assertThat(PeerMatch.find("i-0aaaaaaaaaaaaaaa2", Optional.of("10.0.1.2"), peers, Set.of()))
                .isInstanceOf(PeerMatch.Ambiguous.class);
    }

    @Test
    void noIdAndNoAddressIsNotAMember() {
        assertThat(PeerMatch.find("i-0ccccccccccccccc9", Optional.empty(), threeVoters(), Set.of()))
                .isInstanceOf(PeerMatch.NotMember.class);
        assertThat(PeerMatch.find("i-0ccccccccccccccc9", Optional.of("10.9.9.9"), threeVoters(), Set.of()))
                .isInstanceOf(PeerMatch.NotMember.class);
    }

    @Test
    void ipv6AddressesAreCompared() {
        List<RaftPeer> peers = List.of(new RaftPeer("x", "[fd00::5]:8201", false, true));
        assertThat(PeerMatch.find("i-0aaaaaaaaaaaaaaa2", Optional.of("fd00::5"), peers, Set.of()))
                .isInstanceOf(PeerMatch.ByAddress.class);
    }
}
