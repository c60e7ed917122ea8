package dev.raftlifecycle.decisions;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CertificateCheckTest {
    private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");
    private static final NodeHealth STANDBY = new NodeHealth("i-1", "10.0.1.1", NodeHealth.State.STANDBY, Optional.of("1.14.10"), "HTTP 429");
    private static final NodeHealth SILENT = NodeHealth.unreachable("i-1", "10.0.1.1", "timed out");

    @Test
    void aVerifiedCertificateLeavesTheAnswerAsItIs() {
        assertThat(CertificateCheck.verified("i-1", "10.0.1.1", NOW.plusSeconds(60)).applyTo(STANDBY)).isEqualTo(STANDBY);
    }

    @Test
    void aRefusedCertificateMakesAnAnsweringNodeUnusable() {
        NodeHealth h = CertificateCheck.refused("i-1", "10.0.1.1", "PKIX path building failed").applyTo(STANDBY);
        assertThat(h.state()).isEqualTo(NodeHealth.State.TLS_FAILURE);
        assertThat(h.answered()).isFalse();
        assertThat(h.somethingAnswers()).isTrue();
        assertThat(h.detail()).contains("certificate not verifiable by a new client");
    }

    @Test
    void newConnectionsFailingWhileAnOldOneAnswersIsUnusableToo() {
        NodeHealth h = CertificateCheck.noAnswer("i-1", "10.0.1.1", "no connection: timed out").applyTo(STANDBY);
        assertThat(h.state()).isEqualTo(NodeHealth.State.TLS_FAILURE);
        assertThat(h.detail()).contains("a new connection fails");
        // Nothing answered either way: the probe's own word stands (unreachable, not alive).
        assertThat(CertificateCheck.noAnswer("i-1", "10.0.1.1", "refused").applyTo(SILENT)).isEqualTo(SILENT);
    }

    @Test
    void daysLeftRoundDown() {
        CertificateCheck c = CertificateCheck.verified("i-1", "10.0.1.1", NOW.plus(Duration.ofDays(3)).minusSeconds(1));
        assertThat(c.daysLeft(NOW)).contains(2L);
        assertThat(CertificateCheck.refused("i-1", "10.0.1.1", "x").daysLeft(NOW)).isEmpty();
    }
}
