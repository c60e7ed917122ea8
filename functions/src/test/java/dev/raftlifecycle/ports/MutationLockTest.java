package dev.raftlifecycle.ports;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * The lock's answers to what DynamoDB says, against scripted HTTP answers to the SDK's client (the real table is
 * exercised by the rig's ITs).
 */
class MutationLockTest {
    /** The SDK's standard retry mode: three attempts. */
    static final int SDK_ATTEMPTS = 3;

    private final ScriptedHttp http = new ScriptedHttp();

    private MutationLock lock() {
        return new MutationLock(new AwsClients("eu-west-1", Optional.of(URI.create("http://127.0.0.1:1")),
                StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIATESTTESTTESTTEST", "test")), http)
                .dynamoDb(), "lock-table", "vault", Clock.systemUTC());
    }

    @Test
    void aReleaseThatCannotReachDynamoDbReportsFalseInsteadOfThrowing() {
        for (int i = 0; i < SDK_ATTEMPTS; i++) {
            http.fail(new IOException("connect timed out"));
        }
        assertThat(lock().release("terminating:i-0123456789abcdef0:1")).isFalse();
        assertThat(http.sent()).hasSize(SDK_ATTEMPTS);
        assertThat(http.sent().get(0).request().firstMatchingHeader("X-Amz-Target")).contains("DynamoDB_20120810.DeleteItem");
    }

    @Test
    void aFailedConditionIsABusyLockNotAnError() {
        http.answer(400, "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException\","
                + "\"message\":\"The conditional request failed\"}");
        Instant now = Instant.parse("2026-12-01T10:00:00Z");
        assertThat(lock().tryAcquire("me", now, now.plusSeconds(60))).isFalse();
        assertThat(http.sent()).hasSize(1);
    }

    @Test
    void aLockWriteWhoseAnswerWasLostIsSentAgainUnderTheSameOwnerCondition() {
        http.fail(new IOException("connection reset"));
        http.answer(200, "{}");
        Instant now = Instant.parse("2026-12-01T10:00:00Z");
        assertThat(lock().tryAcquire("terminating:i-1:abc", now, now.plusSeconds(60))).isTrue();
        assertThat(http.sent()).hasSize(2);
        assertThat(http.sent().get(1).body()).isEqualTo(http.sent().get(0).body());
        assertThat(http.sent().get(1).body()).contains("#owner = :me").contains("terminating:i-1:abc");
    }

    @Test
    void aLeaseIsHeldOnlyWhileTheItemNamesItsOwnerAndItsEnd() {
        Instant now = Instant.parse("2026-12-01T10:00:00Z");
        MutationLock.Lease lease = new MutationLock.Lease("me", now, now.plusSeconds(60));
        String mine = "{\"Item\":{\"LockId\":{\"S\":\"mutation#vault\"},\"Owner\":{\"S\":\"me\"},"
                + "\"LeaseUntilMs\":{\"N\":\"" + lease.until().toEpochMilli() + "\"}}}";
        http.answer(200, mine);
        assertThat(lock().holding(lease)).isEqualTo(MutationLock.Holding.HELD);
        assertThat(http.sent().get(0).body()).contains("\"ConsistentRead\":true");

        http.answer(200, mine.replace("\"me\"", "\"someone-else\""));
        assertThat(lock().holding(lease)).as("taken over").isEqualTo(MutationLock.Holding.LOST);
        http.answer(200, mine.replace(Long.toString(lease.until().toEpochMilli()), Long.toString(lease.until().toEpochMilli() + 1)));
        assertThat(lock().holding(lease)).as("rewritten with another lease end").isEqualTo(MutationLock.Holding.LOST);
        http.answer(200, "{}");
        assertThat(lock().holding(lease)).as("deleted").isEqualTo(MutationLock.Holding.LOST);
        for (int i = 0; i < SDK_ATTEMPTS; i++) {
            http.fail(new IOException("connect timed out"));
        }
        assertThat(lock().holding(lease)).as("unreadable").isEqualTo(MutationLock.Holding.UNKNOWN);
    }
}
