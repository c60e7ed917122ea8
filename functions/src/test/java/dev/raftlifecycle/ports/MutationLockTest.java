package dev.raftlifecycle.ports;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** Releasing is best effort: the lease runs out on its own (the real table is exercised by the rig's ITs). */
class MutationLockTest {

    @Test
    void aReleaseThatCannotReachDynamoDbReportsFalseInsteadOfThrowing() {
        DynamoDbClient unreachable = (DynamoDbClient) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {DynamoDbClient.class}, (proxy, method, args) -> {
                    if (method.getName().equals("deleteItem")) {
                        throw SdkClientException.create("Unable to execute HTTP request: connect timed out");
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        MutationLock lock = new MutationLock(unreachable, "lock-table", "vault", java.time.Clock.systemUTC());

        assertThat(lock.release("terminating:i-0123456789abcdef0:1")).isFalse();
    }
}
