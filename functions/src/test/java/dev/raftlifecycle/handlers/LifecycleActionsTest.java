package dev.raftlifecycle.handlers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.events.LifecycleEvent;
import dev.raftlifecycle.ports.AutoScalingPort;
import dev.raftlifecycle.ports.AwsClients;
import dev.raftlifecycle.ports.ScriptedHttp;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * Heartbeat cadence and failure handling, against scripted HTTP answers to the one Auto Scaling call involved (the
 * emulator has no lifecycle actions; the rig's recording front covers them end to end in the integration tests).
 */
class LifecycleActionsTest {
    private static final Duration INTERVAL = Duration.ofSeconds(60);
    private static final LifecycleEvent EVENT = new LifecycleEvent(LifecycleEvent.Kind.TERMINATE, "event-1", "123456789012", "group-a",
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
    /** Records every heartbeat request sent (a call that fails on the connection is retried: one per attempt). */
    private final ScriptedHttp http = new ScriptedHttp();

    /** The SDK's standard retry mode: three attempts. */
    private static final int SDK_ATTEMPTS = 3;

    private LifecycleActions actions() {
        AwsClients clients = new AwsClients("eu-west-1", Optional.of(URI.create("http://127.0.0.1:1")),
                StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIATESTTESTTESTTEST", "test")), http);
        return new LifecycleActions(new AutoScalingPort(clients.autoScaling()), EVENT, clock, INTERVAL);
    }

    /** The next heartbeat fails on the connection, on every attempt the client makes. */
    private void failNextOnTheConnection(String message) {
        for (int i = 0; i < SDK_ATTEMPTS; i++) {
            http.fail(new IOException(message));
        }
    }

    @Test
    void beatsOnlyWhenAnIntervalHasPassed() {
        LifecycleActions actions = actions();
        actions.heartbeatIfDue();
        clock.advance(Duration.ofSeconds(59));
        actions.heartbeatIfDue();
        assertThat(http.sent()).isEmpty();
        clock.advance(Duration.ofSeconds(1));
        actions.heartbeatIfDue();
        clock.advance(Duration.ofSeconds(30));
        actions.heartbeatIfDue();
        assertThat(http.sent()).hasSize(1);
        clock.advance(Duration.ofSeconds(30));
        actions.heartbeatIfDue();
        assertThat(http.sent()).hasSize(2);
        assertThat(actions.heartbeats()).isEqualTo(2);
    }

    @Test
    void aFailedHeartbeatIsCountedNotThrownAndTriedAgainAfterHalfAnInterval() {
        LifecycleActions actions = actions();
        failNextOnTheConnection("connection reset");
        clock.advance(INTERVAL);
        actions.heartbeatIfDue();
        assertThat(actions.failedHeartbeats()).isEqualTo(1);
        assertThat(actions.endedElsewhere()).isFalse();
        clock.advance(Duration.ofSeconds(29));
        actions.heartbeatIfDue();
        assertThat(http.sent()).as("the failed heartbeat's attempts").hasSize(SDK_ATTEMPTS);
        clock.advance(Duration.ofSeconds(1));
        actions.heartbeatIfDue();
        assertThat(http.sent()).hasSize(SDK_ATTEMPTS + 1);
        assertThat(actions.failedHeartbeats()).isEqualTo(1);
    }

    @Test
    void noActiveLifecycleActionMeansItEndedElsewhere() {
        LifecycleActions actions = actions();
        http.answer(400, "<ErrorResponse xmlns=\"http://autoscaling.amazonaws.com/doc/2011-01-01/\"><Error><Type>Sender</Type>"
                + "<Code>ValidationError</Code><Message>No active Lifecycle Action found with instance ID i-0123456789abcdef0"
                + "</Message></Error><RequestId>r-1</RequestId></ErrorResponse>");
        assertThat(actions.check()).isEqualTo(LifecycleActions.ActionState.ENDED);
        assertThat(actions.endedElsewhere()).isTrue();
        clock.advance(INTERVAL.multipliedBy(3));
        actions.heartbeatIfDue();
        assertThat(http.sent()).hasSize(1); // no more heartbeats for an ended action
    }

    @Test
    void checkAsksAtOnceAndAFailureIsUnknownNeverOpen() {
        LifecycleActions actions = actions();
        assertThat(actions.check()).isEqualTo(LifecycleActions.ActionState.OPEN);
        failNextOnTheConnection("timeout");
        assertThat(actions.check()).isEqualTo(LifecycleActions.ActionState.UNKNOWN);
        assertThat(http.sent()).as("one call, then one failing on every attempt").hasSize(1 + SDK_ATTEMPTS);
        assertThat(actions.failedHeartbeats()).isEqualTo(1);
        assertThat(actions.lastFailure()).contains("timeout");
        assertThat(actions.endedElsewhere()).isFalse();
        // A refusal that is not "No active Lifecycle Action found" (here: access denied) says nothing of the action.
        http.answer(403, "<ErrorResponse xmlns=\"http://autoscaling.amazonaws.com/doc/2011-01-01/\"><Error><Type>Sender</Type>"
                + "<Code>AccessDenied</Code><Message>User is not authorized to perform: autoscaling:RecordLifecycleActionHeartbeat"
                + "</Message></Error><RequestId>r-2</RequestId></ErrorResponse>");
        assertThat(actions.check()).isEqualTo(LifecycleActions.ActionState.UNKNOWN);
        assertThat(actions.check()).as("asked again: open").isEqualTo(LifecycleActions.ActionState.OPEN);
    }
}
