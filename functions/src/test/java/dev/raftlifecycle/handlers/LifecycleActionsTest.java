package dev.raftlifecycle.handlers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.events.LifecycleEvent;
import dev.raftlifecycle.ports.AutoScalingPort;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingException;
import software.amazon.awssdk.services.autoscaling.model.RecordLifecycleActionHeartbeatResponse;

/**
 * Heartbeat cadence and failure handling, against a stub of the one Auto Scaling call involved (the emulator has
 * no lifecycle actions; the rig's recording front covers them end to end in the integration tests).
 */
class LifecycleActionsTest {
    private static final Duration INTERVAL = Duration.ofSeconds(60);
    private static final LifecycleEvent EVENT = new LifecycleEvent(LifecycleEvent.Kind.TERMINATE, "event-1", "group-a",
            "terminate-hook", "i-0123456789abcdef0", "token-1", "autoscaling:EC2_INSTANCE_TERMINATING",
            Optional.empty(), Optional.empty(), Optional.empty());

    /** A clock the test moves. */
    private static final class TestClock extends Clock {
        private Instant now = Instant.parse("2026-12-01T10:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private final TestClock clock = new TestClock();
    private final List<Instant> beats = new ArrayList<>();
    private final Deque<Supplier<RecordLifecycleActionHeartbeatResponse>> answers = new ArrayDeque<>();

    private LifecycleActions actions() {
        AutoScalingClient client = (AutoScalingClient) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {AutoScalingClient.class}, (proxy, method, args) -> {
                    if (method.getName().equals("recordLifecycleActionHeartbeat")) {
                        beats.add(clock.instant());
                        Supplier<RecordLifecycleActionHeartbeatResponse> next = answers.poll();
                        return next == null ? RecordLifecycleActionHeartbeatResponse.builder().build() : next.get();
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        return new LifecycleActions(new AutoScalingPort(client), EVENT, clock, INTERVAL);
    }

    /** The next heartbeat call fails with this exception. */
    private void failNextWith(RuntimeException failure) {
        answers.add(() -> {
            throw failure;
        });
    }

    @Test
    void beatsOnlyWhenAnIntervalHasPassed() {
        LifecycleActions actions = actions();
        actions.heartbeatIfDue();
        clock.advance(Duration.ofSeconds(59));
        actions.heartbeatIfDue();
        assertThat(beats).isEmpty();
        clock.advance(Duration.ofSeconds(1));
        actions.heartbeatIfDue();
        clock.advance(Duration.ofSeconds(30));
        actions.heartbeatIfDue();
        assertThat(beats).hasSize(1);
        clock.advance(Duration.ofSeconds(30));
        actions.heartbeatIfDue();
        assertThat(beats).hasSize(2);
        assertThat(actions.heartbeats()).isEqualTo(2);
    }

    @Test
    void aFailedHeartbeatIsCountedNotThrownAndTriedAgainAfterHalfAnInterval() {
        LifecycleActions actions = actions();
        failNextWith(SdkClientException.create("connection reset"));
        clock.advance(INTERVAL);
        actions.heartbeatIfDue();
        assertThat(actions.failedHeartbeats()).isEqualTo(1);
        assertThat(actions.endedElsewhere()).isFalse();
        clock.advance(Duration.ofSeconds(29));
        actions.heartbeatIfDue();
        assertThat(beats).hasSize(1);
        clock.advance(Duration.ofSeconds(1));
        actions.heartbeatIfDue();
        assertThat(beats).hasSize(2);
        assertThat(actions.failedHeartbeats()).isEqualTo(1);
    }

    @Test
    void noActiveLifecycleActionMeansItEndedElsewhere() {
        LifecycleActions actions = actions();
        failNextWith(AutoScalingException.builder().statusCode(400)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode("ValidationError")
                        .errorMessage("No active Lifecycle Action found with instance ID i-0123456789abcdef0").build())
                .build());
        assertThat(actions.stillOpen()).isFalse();
        assertThat(actions.endedElsewhere()).isTrue();
        clock.advance(INTERVAL.multipliedBy(3));
        actions.heartbeatIfDue();
        assertThat(beats).hasSize(1); // no more heartbeats for an ended action
    }

    @Test
    void stillOpenAsksAtOnceAndAFailureCountsAsOpen() {
        LifecycleActions actions = actions();
        assertThat(actions.stillOpen()).isTrue();
        failNextWith(SdkClientException.create("timeout"));
        assertThat(actions.stillOpen()).isTrue();
        assertThat(beats).hasSize(2);
        assertThat(actions.failedHeartbeats()).isEqualTo(1);
    }
}
