package dev.raftlifecycle.ports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.autoscaling.endpoints.AutoScalingEndpointParams;
import software.amazon.awssdk.services.autoscaling.endpoints.AutoScalingEndpointProvider;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.endpoints.Ec2EndpointParams;
import software.amazon.awssdk.services.ec2.endpoints.Ec2EndpointProvider;
import software.amazon.awssdk.services.ec2.model.Filter;

/**
 * This project's Query-protocol calls against the AWS SDK's own generated clients as the independent model of the
 * wire format: the same operation sends the same form parameters, the same answer reads as the same values, the
 * same region resolves to the same endpoint. Retries and errors against scripted answers.
 */
class AwsQueryTest {
    private static final StaticCredentialsProvider CREDENTIALS = StaticCredentialsProvider.create(
            AwsSessionCredentials.create("AKIATESTTESTTESTTEST", "secret", "session-token"));
    private static final URI ENDPOINT = URI.create("http://127.0.0.1:4566");

    private static AwsQuery query(String service, String version, ScriptedHttp http) {
        return new AwsQuery(new AwsSignedPost(service, "eu-west-1", Optional.of(ENDPOINT), CREDENTIALS, http, Clock.systemUTC()),
                version);
    }

    private static Ec2Client sdkEc2(ScriptedHttp http) {
        return Ec2Client.builder().region(Region.EU_WEST_1).credentialsProvider(CREDENTIALS).httpClient(http)
                .endpointOverride(ENDPOINT).overrideConfiguration(c -> c.retryStrategy(RetryMode.STANDARD)).build();
    }

    private static AutoScalingClient sdkAutoScaling(ScriptedHttp http) {
        return AutoScalingClient.builder().region(Region.EU_WEST_1).credentialsProvider(CREDENTIALS).httpClient(http)
                .endpointOverride(ENDPOINT).build();
    }

    /** A DescribeInstances answer as EC2 gives it: the instance's own address beside its interfaces' addresses. */
    private static final String INSTANCES = """
            <?xml version="1.0" encoding="UTF-8"?>
            <DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
              <requestId>8f7724cf-496f-496e-8fe3-example</requestId>
              <reservationSet>
                <item>
                  <reservationId>r-1234567890abcdef0</reservationId>
                  <ownerId>123456789012</ownerId>
                  <groupSet/>
                  <instancesSet>
                    <item>
                      <instanceId>i-1234567890abcdef0</instanceId>
                      <imageId>ami-bff32ccc</imageId>
                      <instanceState><code>16</code><name>running</name></instanceState>
                      <privateDnsName>ip-192-168-1-88.eu-west-1.compute.internal</privateDnsName>
                      <placement><availabilityZone>eu-west-1c</availabilityZone><groupName/><tenancy>default</tenancy></placement>
                      <privateIpAddress>192.168.1.88</privateIpAddress>
                      <groupSet><item><groupId>sg-e4076980</groupId><groupName>SecurityGroup1</groupName></item></groupSet>
                      <tagSet>
                        <item><key>aws:autoscaling:groupName</key><value>vault-a</value></item>
                        <item><key>raft-lifecycle:cluster</key><value>prod</value></item>
                        <item><key>empty</key><value/></item>
                      </tagSet>
                      <networkInterfaceSet>
                        <item>
                          <networkInterfaceId>eni-0f62d866</networkInterfaceId>
                          <privateIpAddress>192.168.1.99</privateIpAddress>
                          <privateIpAddressesSet><item><privateIpAddress>192.168.1.100</privateIpAddress><primary>true</primary></item></privateIpAddressesSet>
                        </item>
                      </networkInterfaceSet>
                    </item>
                    <item>
                      <instanceId>i-0598c7d356eba48d7</instanceId>
                      <instanceState><code>48</code><name>terminated</name></instanceState>
                      <placement><availabilityZone>eu-west-1a</availabilityZone></placement>
                    </item>
                  </instancesSet>
                </item>
              </reservationSet>
            </DescribeInstancesResponse>
            """;

    @Test
    void describeInstancesSendsWhatTheSdkSendsAndReadsWhatItReads() {
        List<String> groups = List.of("vault-a", "vault b/1:x");
        ScriptedHttp ours = new ScriptedHttp().defaultBody(INSTANCES);
        Map<String, Ec2Port.Instance> described = new Ec2Port(query("ec2", Ec2Port.API_VERSION, ours)).describeGroupMembers(groups);

        ScriptedHttp theirs = new ScriptedHttp().defaultBody(INSTANCES);
        var sdk = sdkEc2(theirs).describeInstances(r -> r.filters(Filter.builder().name("tag:aws:autoscaling:groupName")
                .values(groups).build()));
        assertThat(ours.sent().get(0).form()).isEqualTo(theirs.sent().get(0).form());
        assertThat(ours.sent().get(0).form()).containsEntry("Filter.1.Value.2", "vault b/1:x");

        assertThat(described).hasSize(2);
        var sdkInstances = sdk.reservations().get(0).instances();
        for (var i : sdkInstances) {
            Ec2Port.Instance mine = described.get(i.instanceId());
            assertThat(mine.state()).isEqualTo(i.state().nameAsString());
            assertThat(mine.privateIp()).isEqualTo(Optional.ofNullable(i.privateIpAddress()));
            assertThat(mine.availabilityZone()).isEqualTo(i.placement().availabilityZone());
        }
        assertThat(described.get("i-1234567890abcdef0").privateIp()).contains("192.168.1.88");
        assertThat(described.get("i-0598c7d356eba48d7").privateIp()).isEmpty();

        Optional<Ec2Port.Membership> membership = new Ec2Port(query("ec2", Ec2Port.API_VERSION, ours))
                .membership("i-1234567890abcdef0");
        assertThat(membership).get().satisfies(m -> {
            assertThat(m.groupName()).contains("vault-a");
            assertThat(m.clusterName()).contains("prod");
        });
        assertThat(new Ec2Port(query("ec2", Ec2Port.API_VERSION, ours)).membership("i-unknown")).isEmpty();
    }

    @Test
    void describeInstancesFollowsNextToken() {
        String first = INSTANCES.replace("</reservationSet>", "</reservationSet><nextToken>page 2+/=</nextToken>");
        String second = "<DescribeInstancesResponse><requestId>x</requestId><reservationSet><item><instancesSet><item>"
                + "<instanceId>i-0000000000000000a</instanceId><instanceState><name>pending</name></instanceState>"
                + "</item></instancesSet></item></reservationSet></DescribeInstancesResponse>";
        ScriptedHttp http = new ScriptedHttp().answer(200, first).answer(200, second);
        Map<String, Ec2Port.Instance> described = new Ec2Port(query("ec2", Ec2Port.API_VERSION, http))
                .describe(List.of("i-1234567890abcdef0", "i-0000000000000000a"));
        assertThat(described).containsOnlyKeys("i-1234567890abcdef0", "i-0598c7d356eba48d7", "i-0000000000000000a");
        assertThat(described.get("i-0000000000000000a").availabilityZone()).isEmpty();
        assertThat(http.sent()).hasSize(2);
        assertThat(http.sent().get(1).form()).containsEntry("NextToken", "page 2+/=")
                .containsEntry("Filter.1.Name", "instance-id");
    }

    private static final String GROUPS = """
            <DescribeAutoScalingGroupsResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/">
              <DescribeAutoScalingGroupsResult>
                <AutoScalingGroups>
                  <member>
                    <AutoScalingGroupName>vault-a</AutoScalingGroupName>
                    <DesiredCapacity>2</DesiredCapacity>
                    <HealthCheckType>ELB</HealthCheckType>
                    <CapacityRebalance>true</CapacityRebalance>
                    <Instances>
                      <member><InstanceId>i-1</InstanceId><LifecycleState>InService</LifecycleState><AvailabilityZone>eu-west-1a</AvailabilityZone><HealthStatus>Healthy</HealthStatus></member>
                      <member><InstanceId>i-2</InstanceId><LifecycleState>Terminating:Wait</LifecycleState><AvailabilityZone>eu-west-1a</AvailabilityZone></member>
                    </Instances>
                    <Tags>
                      <member><Key>raft-lifecycle:cluster</Key><Value>prod</Value><ResourceId>vault-a</ResourceId></member>
                      <member><Key>blank</Key><Value></Value></member>
                    </Tags>
                  </member>
                  <member>
                    <AutoScalingGroupName>vault-b</AutoScalingGroupName>
                    <DesiredCapacity>0</DesiredCapacity>
                    <Instances/>
                    <Tags/>
                  </member>
                </AutoScalingGroups>
              </DescribeAutoScalingGroupsResult>
              <ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata>
            </DescribeAutoScalingGroupsResponse>
            """;

    @Test
    void autoScalingCallsSendWhatTheSdkSendsAndReadWhatItReads() {
        ScriptedHttp ours = new ScriptedHttp().defaultBody(GROUPS);
        AutoScalingPort port = new AutoScalingPort(query("autoscaling", AutoScalingPort.API_VERSION, ours));
        List<AutoScalingPort.Group> groups = port.describe(List.of("vault-a", "vault-b"));
        port.heartbeat("vault-a", "hook", "token-1", "i-1");
        port.complete("vault-a", "hook", "token-1", "i-1", "ABANDON");
        port.setHealthCheckType("vault-a", "ELB");

        ScriptedHttp theirs = new ScriptedHttp().defaultBody(GROUPS);
        try (AutoScalingClient sdk = sdkAutoScaling(theirs)) {
            var described = sdk.describeAutoScalingGroups(r -> r.autoScalingGroupNames("vault-a", "vault-b"));
            sdk.recordLifecycleActionHeartbeat(r -> r.autoScalingGroupName("vault-a").lifecycleHookName("hook")
                    .lifecycleActionToken("token-1").instanceId("i-1"));
            sdk.completeLifecycleAction(r -> r.autoScalingGroupName("vault-a").lifecycleHookName("hook")
                    .lifecycleActionToken("token-1").instanceId("i-1").lifecycleActionResult("ABANDON"));
            sdk.updateAutoScalingGroup(r -> r.autoScalingGroupName("vault-a").healthCheckType("ELB"));
            for (int k = 0; k < 4; k++) {
                assertThat(ours.sent().get(k).form()).as("request %d", k).isEqualTo(theirs.sent().get(k).form());
            }
            assertThat(groups).hasSize(described.autoScalingGroups().size());
            for (int g = 0; g < groups.size(); g++) {
                var mine = groups.get(g);
                var sdkGroup = described.autoScalingGroups().get(g);
                assertThat(mine.name()).isEqualTo(sdkGroup.autoScalingGroupName());
                assertThat(mine.desiredCapacity()).isEqualTo(sdkGroup.desiredCapacity());
                assertThat(mine.capacityRebalance()).isEqualTo(Boolean.TRUE.equals(sdkGroup.capacityRebalance()));
                assertThat(mine.members()).extracting(AutoScalingPort.Member::instanceId, AutoScalingPort.Member::lifecycleState,
                        AutoScalingPort.Member::availabilityZone).containsExactlyElementsOf(sdkGroup.instances().stream()
                        .map(i -> org.assertj.core.groups.Tuple.tuple(i.instanceId(), i.lifecycleStateAsString(), i.availabilityZone()))
                        .toList());
                sdkGroup.tags().forEach(t -> assertThat(mine.tags()).containsEntry(t.key(), t.value() == null ? "" : t.value()));
                assertThat(mine.tags()).hasSameSizeAs(sdkGroup.tags());
            }
        }
        assertThat(groups.get(0).healthCheckType()).isEqualTo("ELB");
        assertThat(groups.get(1).healthCheckType()).as("absent: EC2, as before").isEqualTo("EC2");
    }

    @Test
    void eachRequestIsSignedForTheServiceAndRegionWithTheSessionToken() {
        ScriptedHttp http = new ScriptedHttp();
        query("autoscaling", AutoScalingPort.API_VERSION, http).call("DescribeAutoScalingGroups", Map.of());
        var request = http.sent().get(0).request();
        assertThat(request.firstMatchingHeader("Authorization")).get().asString()
                .startsWith("AWS4-HMAC-SHA256 Credential=AKIATESTTESTTESTTEST/")
                .contains("/eu-west-1/autoscaling/aws4_request", "SignedHeaders=", "host");
        assertThat(request.firstMatchingHeader("X-Amz-Security-Token")).contains("session-token");
        assertThat(request.firstMatchingHeader("Host")).contains("127.0.0.1:4566");
        assertThat(http.sent().get(0).body()).isEqualTo("Action=DescribeAutoScalingGroups&Version=2011-01-01");
    }

    @Test
    void publicEndpointsAreTheSdksForEveryPartition() {
        for (String region : List.of("us-east-1", "eu-west-1", "ap-southeast-2", "cn-north-1", "us-gov-west-1", "us-iso-east-1")) {
            URI ec2 = Ec2EndpointProvider.defaultProvider().resolveEndpoint(Ec2EndpointParams.builder()
                    .region(Region.of(region)).build()).join().url();
            URI autoScaling = AutoScalingEndpointProvider.defaultProvider().resolveEndpoint(AutoScalingEndpointParams.builder()
                    .region(Region.of(region)).build()).join().url();
            URI monitoring = software.amazon.awssdk.services.cloudwatch.endpoints.CloudWatchEndpointProvider.defaultProvider()
                    .resolveEndpoint(software.amazon.awssdk.services.cloudwatch.endpoints.CloudWatchEndpointParams.builder()
                            .region(Region.of(region)).build()).join().url();
            URI dynamodb = software.amazon.awssdk.services.dynamodb.endpoints.DynamoDbEndpointProvider.defaultProvider()
                    .resolveEndpoint(software.amazon.awssdk.services.dynamodb.endpoints.DynamoDbEndpointParams.builder()
                            .region(Region.of(region)).build()).join().url();
            assertThat(AwsSignedPost.publicEndpoint("ec2", region)).as(region).isEqualTo(ec2);
            assertThat(AwsSignedPost.publicEndpoint("autoscaling", region)).as(region).isEqualTo(autoScaling);
            assertThat(AwsSignedPost.publicEndpoint("monitoring", region)).as(region).isEqualTo(monitoring);
            assertThat(AwsSignedPost.publicEndpoint("dynamodb", region)).as(region).isEqualTo(dynamodb);
        }
    }

    private static final String VALIDATION = "<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code>"
            + "<Message>Group x not found</Message></Error><RequestId>req-9</RequestId></ErrorResponse>";

    @Test
    void aRefusalFailsAtOnceWithTheServicesCodeAndMessage() {
        ScriptedHttp http = new ScriptedHttp().answer(400, VALIDATION);
        assertThatThrownBy(() -> query("autoscaling", AutoScalingPort.API_VERSION, http).call("UpdateAutoScalingGroup", Map.of()))
                .isInstanceOfSatisfying(AwsCallException.class, e -> {
                    assertThat(e.code()).isEqualTo("ValidationError");
                    assertThat(e.errorMessage()).isEqualTo("Group x not found");
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.getMessage()).contains("req-9");
                });
        assertThat(http.sent()).hasSize(1);
        // EC2's error document has another shape.
        ScriptedHttp ec2 = new ScriptedHttp().answer(400, "<Response><Errors><Error><Code>InvalidParameterValue</Code>"
                + "<Message>bad filter</Message></Error></Errors><RequestID>req-3</RequestID></Response>");
        assertThatThrownBy(() -> query("ec2", Ec2Port.API_VERSION, ec2).call("DescribeInstances", Map.of()))
                .isInstanceOfSatisfying(AwsCallException.class, e -> {
                    assertThat(e.code()).isEqualTo("InvalidParameterValue");
                    assertThat(e.getMessage()).contains("bad filter", "req-3");
                });
    }

    @Test
    void throttlingServerErrorsAndLostConnectionsAreRetriedUpToThreeAttempts() {
        ScriptedHttp http = new ScriptedHttp()
                .answer(400, VALIDATION.replace("ValidationError", "Throttling"))
                .answer(503, "<html>Service Unavailable</html>")
                .answer(200, GROUPS);
        XmlElement answer = query("autoscaling", AutoScalingPort.API_VERSION, http).call("DescribeAutoScalingGroups", Map.of());
        assertThat(answer.text("DescribeAutoScalingGroupsResult", "AutoScalingGroups", "member", "AutoScalingGroupName"))
                .contains("vault-a");
        assertThat(http.sent()).hasSize(3);

        ScriptedHttp lost = new ScriptedHttp().fail(new IOException("reset")).fail(new IOException("reset"))
                .fail(new IOException("connection refused")).answer(200, GROUPS);
        assertThatThrownBy(() -> query("autoscaling", AutoScalingPort.API_VERSION, lost).call("DescribeAutoScalingGroups", Map.of()))
                .isInstanceOfSatisfying(AwsCallException.class, e -> {
                    assertThat(e.code()).isEqualTo("IOException");
                    assertThat(e.status()).isZero();
                    assertThat(e.getMessage()).contains("connection refused");
                });
        assertThat(lost.sent()).as("three attempts, not four").hasSize(AwsSignedPost.MAX_ATTEMPTS);
    }

    @Test
    void aMalformedAnswerIsAnErrorNotAnEmptyResult() {
        ScriptedHttp http = new ScriptedHttp().answer(200, "<DescribeInstancesResponse><reservationSet>");
        assertThatThrownBy(() -> new Ec2Port(query("ec2", Ec2Port.API_VERSION, http)).describe(List.of("i-1")))
                .isInstanceOfSatisfying(AwsCallException.class, e -> assertThat(e.code()).isEqualTo("MalformedResponse"));
    }

    @Test
    void noEntityIsExpandedFromADocument() {
        String xml = "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/hostname\">]><x>&e;</x>";
        try {
            XmlElement parsed = XmlElement.parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
            assertThat(parsed.text()).isEmpty();
        } catch (IllegalArgumentException refused) {
            assertThat(refused).hasMessageContaining("malformed XML");
        }
    }

    @Test
    void putMetricDataSendsWhatTheSdkSends() {
        java.time.Instant at = java.time.Instant.parse("2026-12-03T10:00:00.123456Z");
        ScriptedHttp ours = new ScriptedHttp().defaultBody("<PutMetricDataResponse><ResponseMetadata><RequestId>x</RequestId>"
                + "</ResponseMetadata></PutMetricDataResponse>");
        List<dev.raftlifecycle.decisions.MetricValue> values = List.of(
                new dev.raftlifecycle.decisions.MetricValue(dev.raftlifecycle.contract.MetricName.LEADER_PRESENT, 1.0),
                new dev.raftlifecycle.decisions.MetricValue(dev.raftlifecycle.contract.MetricName.RAFT_COMMIT_TIME_MS, 2.75));
        assertThat(new CloudWatchPort(query("monitoring", CloudWatchPort.API_VERSION, ours)).put("RaftLifecycle/Vault", "prod", at, values))
                .isEqualTo(1);

        ScriptedHttp theirs = new ScriptedHttp().defaultBody("<PutMetricDataResponse/>");
        try (var sdk = software.amazon.awssdk.services.cloudwatch.CloudWatchClient.builder().region(Region.EU_WEST_1)
                .credentialsProvider(CREDENTIALS).httpClient(theirs).endpointOverride(ENDPOINT).build()) {
            var cluster = software.amazon.awssdk.services.cloudwatch.model.Dimension.builder()
                    .name(dev.raftlifecycle.contract.MetricName.CLUSTER_DIMENSION).value("prod").build();
            sdk.putMetricData(r -> r.namespace("RaftLifecycle/Vault").metricData(values.stream().map(v ->
                    software.amazon.awssdk.services.cloudwatch.model.MetricDatum.builder().metricName(v.name().metricName())
                            .unit(v.name().unit().cloudWatchName()).value(v.value()).timestamp(at).dimensions(cluster).build())
                    .toList()));
        }
        assertThat(ours.sent().get(0).form()).isEqualTo(theirs.sent().get(0).form());
        assertThat(ours.sent().get(0).request().firstMatchingHeader("Authorization")).get().asString()
                .contains("/eu-west-1/monitoring/aws4_request");
    }

    @Test
    void aSignatureMismatchThatEchoesTheCanonicalRequestLeavesNoSecretInTheError() {
        ScriptedHttp http = new ScriptedHttp().answer(403, "<ErrorResponse><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code>"
                + "<Message>The request signature we calculated does not match the signature you provided. The Canonical String "
                + "for this request should have been 'POST\n/\n\nhost:127.0.0.1:4566\nx-amz-security-token:session-token\n' "
                + "secret</Message></Error><RequestId>r</RequestId></ErrorResponse>");
        assertThatThrownBy(() -> query("autoscaling", AutoScalingPort.API_VERSION, http).call("DescribeAutoScalingGroups", Map.of()))
                .isInstanceOfSatisfying(AwsCallException.class, e -> {
                    assertThat(e.code()).isEqualTo("SignatureDoesNotMatch");
                    assertThat(e.getMessage()).contains("does not match the signature you provided")
                            .doesNotContain("session-token").doesNotContain("x-amz-security-token");
                });
        assertThat(AwsSignedPost.withoutSecrets("key secret and session-token here",
                software.amazon.awssdk.auth.credentials.AwsSessionCredentials.create("AKIATESTTESTTESTTEST", "secret", "session-token")))
                .isEqualTo("key [secret] and [session token] here");
    }

    @Test
    void aStalledAttemptIsCutAndRetriedWithinTheCallsBudget() {
        ScriptedHttp http = new ScriptedHttp().stall().stall().answer(200, GROUPS);
        AwsQuery query = new AwsQuery(new AwsSignedPost("autoscaling", "eu-west-1", Optional.of(ENDPOINT), CREDENTIALS, http,
                Clock.systemUTC(), java.time.Duration.ofSeconds(5), java.time.Duration.ofMillis(300)), AutoScalingPort.API_VERSION);
        long started = System.nanoTime();
        assertThat(query.call("DescribeAutoScalingGroups", Map.of()).text("DescribeAutoScalingGroupsResult", "AutoScalingGroups",
                "member", "AutoScalingGroupName")).contains("vault-a");
        assertThat(http.sent()).as("two cut attempts, then the answer").hasSize(3);

        ScriptedHttp stalled = new ScriptedHttp().stall().stall().stall();
        AwsQuery budget = new AwsQuery(new AwsSignedPost("autoscaling", "eu-west-1", Optional.of(ENDPOINT), CREDENTIALS, stalled,
                Clock.systemUTC(), java.time.Duration.ofMillis(500), java.time.Duration.ofMillis(400)), AutoScalingPort.API_VERSION);
        long before = System.nanoTime();
        assertThatThrownBy(() -> budget.call("CompleteLifecycleAction", Map.of()))
                .isInstanceOfSatisfying(AwsCallException.class, e -> assertThat(e.getMessage()).contains("attempt cut after"));
        assertThat(java.time.Duration.ofNanos(System.nanoTime() - before)).as("the call's budget holds")
                .isLessThan(java.time.Duration.ofMillis(1500));
        assertThat(stalled.sent().size()).as("the second attempt is cut at the budget's end").isBetween(1, 2);
    }

    @Test
    void credentialsThatCannotBeResolvedFailAsAnAwsCallAfterItsAttempts() {
        software.amazon.awssdk.auth.credentials.AwsCredentialsProvider broken = () -> {
            throw software.amazon.awssdk.core.exception.SdkClientException.create("container credentials endpoint refused");
        };
        ScriptedHttp http = new ScriptedHttp();
        AwsQuery query = new AwsQuery(new AwsSignedPost("autoscaling", "eu-west-1", Optional.of(ENDPOINT), broken, http,
                Clock.systemUTC()), AutoScalingPort.API_VERSION);
        assertThatThrownBy(() -> query.call("DescribeAutoScalingGroups", Map.of()))
                .isInstanceOfSatisfying(AwsCallException.class, e -> assertThat(e.code()).isEqualTo("CredentialsUnavailable"));
        assertThat(http.sent()).as("nothing unsigned is sent").isEmpty();
        DynamoDb dynamo = new DynamoDb(new AwsSignedPost("dynamodb", "eu-west-1", Optional.of(ENDPOINT), broken, http, Clock.systemUTC()));
        assertThat(new MutationLock(dynamo, "locks", "prod", Clock.systemUTC()).release("me"))
                .as("a release never throws").isFalse();
    }

    @Test
    void leafTextIsReadAsTheSdkReadsIt() {
        String tagged = INSTANCES.replace("<value>prod</value>", "<value> prod\n</value>");
        ScriptedHttp ours = new ScriptedHttp().defaultBody(tagged);
        Optional<Ec2Port.Membership> membership = new Ec2Port(query("ec2", Ec2Port.API_VERSION, ours)).membership("i-1234567890abcdef0");
        ScriptedHttp theirs = new ScriptedHttp().defaultBody(tagged);
        var sdk = sdkEc2(theirs).describeInstances(r -> r.filters(Filter.builder().name("instance-id").values("i-1234567890abcdef0").build()));
        String sdkValue = sdk.reservations().get(0).instances().get(0).tags().stream()
                .filter(t -> t.key().equals("raft-lifecycle:cluster")).findFirst().orElseThrow().value();
        assertThat(membership.orElseThrow().clusterName()).contains(sdkValue);
        assertThat(sdkValue).isEqualTo(" prod\n");
    }

    @Test
    void only500502503504And429AreRetriedAmongStatuses() {
        ScriptedHttp http = new ScriptedHttp().answer(501, "<html>Not Implemented</html>").answer(200, GROUPS);
        assertThatThrownBy(() -> query("autoscaling", AutoScalingPort.API_VERSION, http).call("DescribeAutoScalingGroups", Map.of()))
                .isInstanceOfSatisfying(AwsCallException.class, e -> assertThat(e.status()).isEqualTo(501));
        assertThat(http.sent()).hasSize(1);
    }
}
