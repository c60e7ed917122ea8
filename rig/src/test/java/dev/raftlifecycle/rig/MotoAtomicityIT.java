package dev.raftlifecycle.rig;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/**
 * The emulator's DynamoDB keeps DynamoDB's per-item atomicity, which the handlers' mutation lock relies on: of many
 * conditional writes for one item at the same instant, on busy cores, exactly one passes. moto alone evaluates the
 * condition and stores the item as two steps on many threads and let two through under load (5 of 150 rounds here;
 * a CI run's QuorumGuardIT removed two voters below the floor that way); the rig starts moto through
 * {@value MotoServer#LAUNCHER}, which serializes its writes. This test is what catches that regressing.
 */
class MotoAtomicityIT {
    private static final int CONTENDERS = 6;
    private static final int ROUNDS = 150;

    @Test
    void ofConcurrentConditionalWritesForOneItemOnBusyCoresExactlyOnePasses() throws Exception {
        DynamoDbClient dynamo = Rig.shared().dynamoDb();
        String table = "atomicity-" + UUID.randomUUID().toString().substring(0, 8);
        dynamo.createTable(r -> r.tableName(table).billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(AttributeDefinition.builder().attributeName("k").attributeType(ScalarAttributeType.S).build())
                .keySchema(KeySchemaElement.builder().attributeName("k").keyType(KeyType.HASH).build()));
        ExecutorService threads = Executors.newFixedThreadPool(CONTENDERS);
        AtomicBoolean busy = new AtomicBoolean(true);
        List<Thread> burners = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            // Without load on the cores the race almost never shows; with it, moto alone loses it every few rounds.
            Thread burner = new Thread(() -> {
                long x = 0;
                while (busy.get()) {
                    x += System.nanoTime() & 7;
                }
                assertThat(x).isNotNegative();
            }, "burner-" + i);
            burner.setDaemon(true);
            burner.start();
            burners.add(burner);
        }
        int doubleWins = 0;
        try {
            for (int round = 0; round < ROUNDS; round++) {
                CyclicBarrier start = new CyclicBarrier(CONTENDERS);
                List<CompletableFuture<Boolean>> writes = new ArrayList<>();
                for (int c = 0; c < CONTENDERS; c++) {
                    String owner = "round-" + round + "-" + c;
                    writes.add(CompletableFuture.supplyAsync(() -> {
                        await(start);
                        return conditionalPut(dynamo, table, owner);
                    }, threads));
                }
                long wins = writes.stream().map(CompletableFuture::join).filter(Boolean::booleanValue).count();
                assertThat(wins).as("round %d: the free item is taken by someone", round).isPositive();
                if (wins > 1) {
                    doubleWins++;
                }
                dynamo.deleteItem(r -> r.tableName(table).key(Map.of("k", AttributeValue.fromS("lock"))));
            }
        } finally {
            busy.set(false);
            for (Thread burner : burners) {
                burner.join();
            }
            threads.shutdownNow();
        }
        assertThat(doubleWins).as("rounds in which two conditional writes for the same free item both passed").isZero();
    }

    /** The mutation lock's kind of write: take the item if it is absent or its lease has run out. */
    private static boolean conditionalPut(DynamoDbClient dynamo, String table, String owner) {
        long now = System.currentTimeMillis();
        try {
            dynamo.putItem(r -> r.tableName(table)
                    .item(Map.of("k", AttributeValue.fromS("lock"), "owner", AttributeValue.fromS(owner),
                            "lease", AttributeValue.fromN(Long.toString(now + 60_000))))
                    .conditionExpression("attribute_not_exists(#k) OR #lease < :now")
                    .expressionAttributeNames(Map.of("#k", "k", "#lease", "lease"))
                    .expressionAttributeValues(Map.of(":now", AttributeValue.fromN(Long.toString(now)))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
