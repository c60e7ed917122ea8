package dev.raftlifecycle.ports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class GoDurationTest {
    @Test
    void parsesWhatVaultPrints() {
        assertThat(GoDuration.parse("0s")).isEqualTo(Duration.ZERO);
        assertThat(GoDuration.parse("1.738459882s")).isEqualTo(Duration.ofNanos(1_738_459_882));
        assertThat(GoDuration.parse("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(GoDuration.parse("1m2.5s")).isEqualTo(Duration.ofMillis(62_500));
        assertThat(GoDuration.parse("24h0m0s")).isEqualTo(Duration.ofHours(24));
        assertThat(GoDuration.parse("800µs")).isEqualTo(Duration.ofNanos(800_000));
        assertThat(GoDuration.parse("-3s")).isEqualTo(Duration.ofSeconds(-3));
    }

    @Test
    void rejectsWhatIsNotADuration() {
        assertThatThrownBy(() -> GoDuration.parse("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GoDuration.parse("10")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GoDuration.parse("5 s")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GoDuration.parse("5sx")).isInstanceOf(IllegalArgumentException.class);
    }
}
