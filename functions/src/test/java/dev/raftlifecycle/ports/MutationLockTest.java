package dev.raftlifecycle.ports;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/** Releasing is best effort: the lease runs out on its own (the real table is exercised by the rig's ITs). */
class MutationLockTest {

    @Test
    void aReleaseThatCannotReachDynamoDbReportsFalseInsteadOfThrowing() {
        ScriptedHttp unreachable = new ScriptedHttp();
        for (int i = 0; i < AwsSignedPost.MAX_ATTEMPTS; i++) {
            unreachable.fail(new IOException("connect timed out"));
        }
        DynamoDb dynamo = new DynamoDb(new AwsSignedPost("dynamodb", "eu-west-1", Optional.of(URI.create("http://127.0.0.1:1")),
                StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIATESTTESTTESTTEST", "test")), unreachable,
                Clock.systemUTC()));
        MutationLock lock = new MutationLock(dynamo, "lock-table", "vault", Clock.systemUTC());

        assertThat(lock.release("terminating:i-0123456789abcdef0:1")).isFalse();
        assertThat(unreachable.sent()).hasSize(AwsSignedPost.MAX_ATTEMPTS);
        assertThat(unreachable.sent().get(0).request().firstMatchingHeader("X-Amz-Target")).contains("DynamoDB_20120810.DeleteItem");
    }
}
