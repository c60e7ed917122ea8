package dev.raftlifecycle.ports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raftlifecycle.contract.LockTable;
import dev.raftlifecycle.decisions.LeaderChanges;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * The lock's and the records' DynamoDB calls against the AWS SDK's own DynamoDB client as the independent model of
 * the JSON protocol: the same write sends the same document to the same target, the same refusal reads as the same
 * failed condition, the same item reads as the same values.
 */
class DynamoDbTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final StaticCredentialsProvider CREDENTIALS = StaticCredentialsProvider.create(
            AwsBasicCredentials.create("AKIATESTTESTTESTTEST", "secret"));
    private static final URI ENDPOINT = URI.create("http://127.0.0.1:4566");
    private static final String CONDITION_FAILED = "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException\","
            + "\"message\":\"The conditional request failed\"}";

    private static DynamoDb ours(ScriptedHttp http) {
        return new DynamoDb(new AwsSignedPost("dynamodb", "eu-west-1", Optional.of(ENDPOINT), CREDENTIALS, http, Clock.systemUTC()));
    }

    private static DynamoDbClient sdk(ScriptedHttp http) {
        return DynamoDbClient.builder().region(Region.EU_WEST_1).credentialsProvider(CREDENTIALS).httpClient(http)
                .endpointOverride(ENDPOINT).build();
    }

    private static Map<String, Object> body(ScriptedHttp.Sent sent) throws Exception {
        @SuppressWarnings("unchecked")
        Map<String, Object> tree = JSON.readValue(sent.body(), Map.class);
        return tree;
    }

    @Test
    void theLocksWritesAreTheSdksDocuments() throws Exception {
        Instant now = Instant.parse("2026-12-03T10:00:00Z");
        Instant until = now.plus(Duration.ofMinutes(5));
        ScriptedHttp mine = new ScriptedHttp().defaultBody("{}");
        MutationLock lock = new MutationLock(ours(mine), "locks", "prod", Clock.systemUTC());
        assertThat(lock.tryAcquire("me", now, until)).isTrue();
        assertThat(lock.release("me")).isTrue();

        ScriptedHttp theirs = new ScriptedHttp().defaultBody("{}");
        try (DynamoDbClient sdk = sdk(theirs)) {
            Map<String, AttributeValue> key = Map.of(LockTable.PARTITION_KEY, AttributeValue.fromS(LockTable.MUTATION_PREFIX + "prod"));
            Map<String, AttributeValue> item = new java.util.HashMap<>(key);
            item.put("Owner", AttributeValue.fromS("me"));
            item.put("LeaseUntilMs", AttributeValue.fromN(Long.toString(until.toEpochMilli())));
            item.put(LockTable.TTL_ATTRIBUTE, AttributeValue.fromN(Long.toString(until.plus(Duration.ofHours(1)).getEpochSecond())));
            sdk.putItem(r -> r.tableName("locks").item(item)
                    .conditionExpression("attribute_not_exists(#k) OR #lease < :now OR #owner = :me")
                    .expressionAttributeNames(Map.of("#k", LockTable.PARTITION_KEY, "#lease", "LeaseUntilMs", "#owner", "Owner"))
                    .expressionAttributeValues(Map.of(":now", AttributeValue.fromN(Long.toString(now.toEpochMilli())),
                            ":me", AttributeValue.fromS("me"))));
            sdk.deleteItem(r -> r.tableName("locks").key(key).conditionExpression("#owner = :me")
                    .expressionAttributeNames(Map.of("#owner", "Owner"))
                    .expressionAttributeValues(Map.of(":me", AttributeValue.fromS("me"))));
        }
        for (int k = 0; k < 2; k++) {
            assertThat(body(mine.sent().get(k))).as("request %d", k).isEqualTo(body(theirs.sent().get(k)));
            assertThat(mine.sent().get(k).request().firstMatchingHeader("X-Amz-Target"))
                    .isEqualTo(theirs.sent().get(k).request().firstMatchingHeader("X-Amz-Target"));
            assertThat(mine.sent().get(k).request().firstMatchingHeader("Content-Type"))
                    .isEqualTo(theirs.sent().get(k).request().firstMatchingHeader("Content-Type"));
        }
    }

    @Test
    void aFailedConditionIsFalseWhereTheSdkThrowsItsConditionException() {
        ScriptedHttp mine = new ScriptedHttp().answer(400, CONDITION_FAILED).answer(400, CONDITION_FAILED);
        MutationLock lock = new MutationLock(ours(mine), "locks", "prod", Clock.systemUTC());
        Instant now = Instant.now();
        assertThat(lock.tryAcquire("me", now, now.plusSeconds(60))).isFalse();
        assertThat(lock.release("me")).isFalse();
        assertThat(mine.sent()).as("a failed condition is not retried").hasSize(2);

        ScriptedHttp theirs = new ScriptedHttp().answer(400, CONDITION_FAILED);
        try (DynamoDbClient sdk = sdk(theirs)) {
            assertThatThrownBy(() -> sdk.deleteItem(r -> r.tableName("locks").key(Map.of("Pk", AttributeValue.fromS("x")))))
                    .isInstanceOf(ConditionalCheckFailedException.class);
        }
    }

    @Test
    void anotherRefusalIsAnErrorWithItsCode() {
        ScriptedHttp http = new ScriptedHttp().answer(400,
                "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException\",\"message\":\"Requested resource not found\"}");
        assertThatThrownBy(() -> new ClusterRecords(ours(http), "missing", "prod").initializedRecorded())
                .isInstanceOfSatisfying(AwsCallException.class, e -> {
                    assertThat(e.code()).isEqualTo("ResourceNotFoundException");
                    assertThat(e.getMessage()).contains("Requested resource not found");
                });
    }

    @Test
    void recordsReadWhatTheSdkReads() throws Exception {
        String stale = "{\"Item\":{\"Pk\":{\"S\":\"stale#prod\"},\"FirstSeenMs\":{\"M\":{\"i-1\":{\"N\":\"1764756000000\"},"
                + "\"i-2\":{\"N\":\"1764756060000\"}}},\"ExpiresAt\":{\"N\":\"1765360800\"}}}";
        ScriptedHttp mine = new ScriptedHttp().answer(200, stale).answer(200, "{}")
                .answer(200, "{\"Item\":{\"Pk\":{\"S\":\"leader#prod\"},\"LeaderId\":{\"S\":\"i-9\"},\"Term\":{\"N\":\"7\"},"
                        + "\"SeenAtMs\":{\"N\":\"1764756000000\"}}}");
        ClusterRecords records = new ClusterRecords(ours(mine), "locks", "prod");
        Map<String, Instant> since = records.staleSince();
        assertThat(records.initializedRecorded()).as("no item: never recorded").isFalse();
        assertThat(records.lastLeader()).contains(new LeaderChanges.Leader("i-9", 7, Instant.ofEpochMilli(1764756000000L)));

        ScriptedHttp theirs = new ScriptedHttp().answer(200, stale);
        try (DynamoDbClient sdk = sdk(theirs)) {
            var item = sdk.getItem(r -> r.tableName("locks").consistentRead(true)
                    .key(Map.of(LockTable.PARTITION_KEY, AttributeValue.fromS(LockTable.STALE_PREFIX + "prod")))).item();
            Map<String, Instant> expected = new java.util.HashMap<>();
            item.get("FirstSeenMs").m().forEach((id, v) -> expected.put(id, Instant.ofEpochMilli(Long.parseLong(v.n()))));
            assertThat(since).isEqualTo(expected).hasSize(2);
            assertThat(body(mine.sent().get(0))).isEqualTo(body(theirs.sent().get(0)));
        }
    }

    @Test
    void aLockWriteWhoseAnswerWasLostIsSentAgainWithTheSameOwnerCondition() throws Exception {
        // The first attempt may have landed: the retry carries the same "#owner = :me" clause, under which
        // DynamoDB accepts it again rather than calling our own lease someone else's.
        ScriptedHttp http = new ScriptedHttp().fail(new java.io.IOException("connection reset")).answer(200, "{}");
        Instant now = Instant.now();
        assertThat(new MutationLock(ours(http), "locks", "prod", Clock.systemUTC()).tryAcquire("me", now, now.plusSeconds(60)))
                .isTrue();
        assertThat(http.sent()).hasSize(2);
        assertThat(body(http.sent().get(1))).isEqualTo(body(http.sent().get(0)));
        assertThat(http.sent().get(1).body()).contains("#owner = :me");
    }
}
