package dev.raftlifecycle.roll;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raftlifecycle.decisions.ClusterStatus;
import dev.raftlifecycle.ports.AutoScalingPort;
import dev.raftlifecycle.ports.CloudWatchPort;
import dev.raftlifecycle.roll.ports.StackPort;
import dev.raftlifecycle.roll.ports.StatusFunctionPort;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingGroup;
import software.amazon.awssdk.services.autoscaling.model.CancelInstanceRefreshRequest;
import software.amazon.awssdk.services.autoscaling.model.CancelInstanceRefreshResponse;
import software.amazon.awssdk.services.autoscaling.model.DescribeInstanceRefreshesRequest;
import software.amazon.awssdk.services.autoscaling.model.DescribeInstanceRefreshesResponse;
import software.amazon.awssdk.services.autoscaling.model.InstanceRefresh;
import software.amazon.awssdk.services.autoscaling.model.StartInstanceRefreshRequest;
import software.amazon.awssdk.services.autoscaling.model.StartInstanceRefreshResponse;
import software.amazon.awssdk.services.autoscaling.model.DescribeAutoScalingGroupsRequest;
import software.amazon.awssdk.services.autoscaling.model.DescribeAutoScalingGroupsResponse;
import software.amazon.awssdk.services.autoscaling.model.DescribeScalingActivitiesRequest;
import software.amazon.awssdk.services.autoscaling.model.DescribeScalingActivitiesResponse;
import software.amazon.awssdk.services.autoscaling.model.Instance;
import software.amazon.awssdk.services.autoscaling.model.LaunchTemplateSpecification;
import software.amazon.awssdk.services.autoscaling.model.SetDesiredCapacityRequest;
import software.amazon.awssdk.services.autoscaling.model.SetDesiredCapacityResponse;
import software.amazon.awssdk.services.autoscaling.model.TerminateInstanceInAutoScalingGroupRequest;
import software.amazon.awssdk.services.autoscaling.model.TerminateInstanceInAutoScalingGroupResponse;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.CloudFormationException;
import software.amazon.awssdk.services.cloudformation.model.DescribeStacksRequest;
import software.amazon.awssdk.services.cloudformation.model.DescribeStacksResponse;
import software.amazon.awssdk.services.cloudformation.model.Output;
import software.amazon.awssdk.services.cloudformation.model.Stack;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.model.DescribeAlarmsRequest;
import software.amazon.awssdk.services.cloudwatch.model.DescribeAlarmsResponse;
import software.amazon.awssdk.services.cloudwatch.model.MetricAlarm;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvokeRequest;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;
import software.amazon.awssdk.services.lambda.model.TooManyRequestsException;

/**
 * The command over stubbed AWS clients (the SDK's generated interfaces, so the ports' requests are the ones checked):
 * a small world of three groups whose time passes only when the command sleeps.
 */
class RollCommandTest {
    static final String[] GROUPS = {"--groups", "c-servers-1,c-servers-2,c-servers-3", "--status-function", "c-pub"};
    static final ObjectMapper JSON = new ObjectMapper();

    /** Three groups 1/2/1 on version 1, the template at 2, c-servers-1's instance leading. */
    static class World {
        record Node(String id, String group, String version) {
        }

        final Map<String, int[]> sizes = new LinkedHashMap<>(); // min, max, desired
        final Map<String, String> state = new LinkedHashMap<>();
        final Map<String, Node> nodes = new LinkedHashMap<>();
        final Set<String> voters = new LinkedHashSet<>();
        String leader = "i-1-old";
        final List<String> mutations = new ArrayList<>();
        int launches;
        boolean loseNextSetDesiredAnswer;
        String functionError;
        List<String> firing = List.of();
        Instant now = Instant.parse("2026-11-22T12:00:00Z");
        /** The groups' launch template (id, version) and the scaling activities, newest first. */
        String groupTemplateId = "lt-1";
        String groupVersion = "2";
        final List<software.amazon.awssdk.services.autoscaling.model.Activity> activities = new ArrayList<>();
        /** Status invokes still to be throttled (TooManyRequestsException); negative: every one. */
        int throttleNext;
        /** Every status invoke's function name and qualifier, as sent. */
        final List<String> invoked = new ArrayList<>();
        /** Instance refreshes by group: {id, status}; one in progress replaces the group's old instances at advance. */
        final Map<String, String[]> refreshes = new LinkedHashMap<>();
        /** Advances an in-progress refresh needs before it ends; how it ends per group (default Successful). */
        int refreshTicks = 1;
        final Map<String, String> refreshEnds = new LinkedHashMap<>();
        final Map<String, Integer> refreshAge = new LinkedHashMap<>();
        /** The StartInstanceRefresh requests; per start, the other groups' refreshes as they stood then. */
        final List<StartInstanceRefreshRequest> refreshStarts = new ArrayList<>();
        final List<String> refreshStartsSaw = new ArrayList<>();
        /** DescribeInstanceRefreshes by id (the polls of one refresh), by group. */
        final Map<String, Integer> refreshPolls = new LinkedHashMap<>();
        /** CloudFormation: stack name -> outputs; a stack not here does not exist. */
        final Map<String, Map<String, String>> stacks = new LinkedHashMap<>();
        /** The DescribeAlarms requests. */
        final List<DescribeAlarmsRequest> alarmRequests = new ArrayList<>();
        /** Terminates Auto Scaling applies but whose answer is lost: instance id -> what the client throws instead. */
        final Map<String, RuntimeException> loseTerminateAnswer = new LinkedHashMap<>();
        /** Terminates lost on the way, Auto Scaling never saw them: instance id -> what the client throws. */
        final Map<String, RuntimeException> dropTerminate = new LinkedHashMap<>();

        World() {
            for (int g = 1; g <= 3; g++) {
                sizes.put("c-servers-" + g, new int[] {1, 2, 1});
                add(new Node("i-" + g + "-old", "c-servers-" + g, "1"), "InService");
                voters.add("i-" + g + "-old");
            }
        }

        void add(Node n, String s) {
            nodes.put(n.id(), n);
            state.put(n.id(), s);
        }

        /** Time passes: a launch is admitted and joins, a terminating instance goes (stepping down if it leads). */
        void advance() {
            now = now.plusSeconds(15);
            for (String id : List.copyOf(state.keySet())) {
                if (state.get(id).equals("Pending:Wait")) {
                    state.put(id, "InService");
                    voters.add(id);
                } else if (state.get(id).equals("Terminating:Wait")) {
                    voters.remove(id);
                    if (id.equals(leader)) {
                        leader = voters.iterator().next();
                    }
                    state.remove(id);
                    nodes.remove(id);
                }
            }
            refreshes.forEach((group, r) -> {
                if (!r[1].equals("InProgress") || refreshAge.merge(group, 1, Integer::sum) < refreshTicks) {
                    return;
                }
                String end = refreshEnds.getOrDefault(group, "Successful");
                r[1] = end;
                if (!end.equals("Successful")) {
                    return;
                }
                for (Node n : List.copyOf(nodes.values())) {
                    if (n.group().equals(group) && !n.version().equals(groupVersion)) {
                        Node fresh = new Node(n.id() + "-r", group, groupVersion);
                        add(fresh, "InService");
                        voters.add(fresh.id());
                        voters.remove(n.id());
                        nodes.remove(n.id());
                        state.remove(n.id());
                        if (n.id().equals(leader)) {
                            leader = fresh.id();
                        }
                    }
                }
            });
        }

        ClusterStatus status() {
            List<ClusterStatus.Instance> instances = nodes.values().stream().map(n -> new ClusterStatus.Instance(n.id(),
                    n.group(), state.get(n.id()), n.version(), n.id(), voters.contains(n.id()), n.id().equals(leader),
                    "ACTIVE", voters.contains(n.id()), "1.14.10")).toList();
            boolean healthy = nodes.keySet().stream().filter(id -> state.get(id).equals("InService"))
                    .allMatch(voters::contains);
            int v = voters.size();
            return new ClusterStatus(now.toString(), "vault", healthy, List.of(), new ClusterStatus.Leader(leader,
                    leader), v, v, v - (v / 2 + 1), Map.of(), List.of(), instances, List.of(), List.of());
        }

        RollCommand.Ports ports() {
            AutoScalingClient asg = new AutoScalingClient() {
                @Override
                public DescribeAutoScalingGroupsResponse describeAutoScalingGroups(DescribeAutoScalingGroupsRequest r) {
                    List<AutoScalingGroup> groups = new ArrayList<>();
                    sizes.forEach((name, s) -> {
                        if (r.autoScalingGroupNames().contains(name)) {
                            groups.add(AutoScalingGroup.builder().autoScalingGroupName(name).minSize(s[0]).maxSize(s[1])
                                    .desiredCapacity(s[2]).launchTemplate(LaunchTemplateSpecification.builder()
                                            .launchTemplateId(groupTemplateId).version(groupVersion).build())
                                    .instances(nodes.values().stream().filter(n -> n.group().equals(name))
                                            .map(n -> Instance.builder().instanceId(n.id())
                                                    .lifecycleState(state.get(n.id())).healthStatus("Healthy")
                                                    .launchTemplate(LaunchTemplateSpecification.builder()
                                                            .launchTemplateId("lt-1").version(n.version()).build())
                                                    .build()).toList())
                                    .build());
                        }
                    });
                    return DescribeAutoScalingGroupsResponse.builder().autoScalingGroups(groups).build();
                }

                @Override
                public DescribeScalingActivitiesResponse describeScalingActivities(DescribeScalingActivitiesRequest r) {
                    return DescribeScalingActivitiesResponse.builder().activities(activities.stream()
                            .filter(a -> a.autoScalingGroupName().equals(r.autoScalingGroupName())).toList()).build();
                }

                @Override
                public SetDesiredCapacityResponse setDesiredCapacity(SetDesiredCapacityRequest r) {
                    mutations.add("SetDesiredCapacity " + r.autoScalingGroupName() + " " + r.desiredCapacity());
                    int[] s = sizes.get(r.autoScalingGroupName());
                    for (int i = s[2]; i < r.desiredCapacity(); i++) {
                        add(new Node("i-" + r.autoScalingGroupName().substring(10) + "-new" + (++launches),
                                r.autoScalingGroupName(), "2"), "Pending:Wait");
                    }
                    s[2] = r.desiredCapacity();
                    if (loseNextSetDesiredAnswer) {
                        loseNextSetDesiredAnswer = false;
                        throw SdkClientException.create("Read timed out");
                    }
                    return SetDesiredCapacityResponse.builder().build();
                }

                @Override
                public TerminateInstanceInAutoScalingGroupResponse terminateInstanceInAutoScalingGroup(
                        TerminateInstanceInAutoScalingGroupRequest r) {
                    mutations.add("Terminate " + r.instanceId() + " decrement=" + r.shouldDecrementDesiredCapacity());
                    RuntimeException dropped = dropTerminate.remove(r.instanceId());
                    if (dropped != null) {
                        throw dropped;
                    }
                    sizes.get(nodes.get(r.instanceId()).group())[2]--;
                    state.put(r.instanceId(), "Terminating:Wait");
                    RuntimeException lost = loseTerminateAnswer.remove(r.instanceId());
                    if (lost != null) {
                        throw lost;
                    }
                    return TerminateInstanceInAutoScalingGroupResponse.builder().build();
                }

                @Override
                public DescribeInstanceRefreshesResponse describeInstanceRefreshes(DescribeInstanceRefreshesRequest r) {
                    String[] refresh = refreshes.get(r.autoScalingGroupName());
                    if (r.hasInstanceRefreshIds()) {
                        refreshPolls.merge(r.autoScalingGroupName(), 1, Integer::sum);
                    }
                    return DescribeInstanceRefreshesResponse.builder().instanceRefreshes(refresh == null ? List.of()
                            : List.of(InstanceRefresh.builder().instanceRefreshId(refresh[0]).status(refresh[1])
                                    .statusReason(refresh[1].equals("Successful") ? null : "stub: " + refresh[1])
                                    .autoScalingGroupName(r.autoScalingGroupName()).build())).build();
                }

                @Override
                public StartInstanceRefreshResponse startInstanceRefresh(StartInstanceRefreshRequest r) {
                    mutations.add("StartInstanceRefresh " + r.autoScalingGroupName());
                    refreshStarts.add(r);
                    StringBuilder saw = new StringBuilder(r.autoScalingGroupName());
                    refreshes.forEach((g, x) -> saw.append(" ").append(g).append("=").append(x[1]));
                    refreshStartsSaw.add(saw.toString());
                    String id = "ir-" + r.autoScalingGroupName();
                    refreshes.put(r.autoScalingGroupName(), new String[] {id, "InProgress"});
                    return StartInstanceRefreshResponse.builder().instanceRefreshId(id).build();
                }

                @Override
                public CancelInstanceRefreshResponse cancelInstanceRefresh(CancelInstanceRefreshRequest r) {
                    mutations.add("CancelInstanceRefresh " + r.autoScalingGroupName());
                    refreshes.get(r.autoScalingGroupName())[1] = "Cancelled";
                    return CancelInstanceRefreshResponse.builder().build();
                }

                @Override
                public String serviceName() {
                    return "autoscaling";
                }

                @Override
                public void close() {
                }
            };
            LambdaClient lambda = new LambdaClient() {
                @Override
                public InvokeResponse invoke(InvokeRequest r) {
                    assertThat(r.payload().asUtf8String()).isEqualTo(StatusFunctionPort.STATUS_REQUEST);
                    invoked.add(r.functionName() + ":" + r.qualifier());
                    if (throttleNext != 0) {
                        throttleNext--;
                        throw TooManyRequestsException.builder().message("Rate Exceeded.").statusCode(429).build();
                    }
                    try {
                        return functionError != null
                                ? InvokeResponse.builder().statusCode(200).functionError("Unhandled")
                                        .payload(SdkBytes.fromUtf8String(functionError)).build()
                                : InvokeResponse.builder().statusCode(200)
                                        .payload(SdkBytes.fromUtf8String(JSON.writeValueAsString(status()))).build();
                    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                        throw new IllegalStateException(e);
                    }
                }

                @Override
                public String serviceName() {
                    return "lambda";
                }

                @Override
                public void close() {
                }
            };
            CloudWatchClient cloudWatch = new CloudWatchClient() {
                @Override
                public DescribeAlarmsResponse describeAlarms(DescribeAlarmsRequest r) {
                    alarmRequests.add(r);
                    return DescribeAlarmsResponse.builder().metricAlarms(firing.stream()
                            .filter(n -> r.hasAlarmNames() ? r.alarmNames().contains(n)
                                    : n.startsWith(r.alarmNamePrefix()))
                            .map(n -> MetricAlarm.builder().alarmName(n).build()).toList()).build();
                }

                @Override
                public String serviceName() {
                    return "monitoring";
                }

                @Override
                public void close() {
                }
            };
            CloudFormationClient cloudFormation = new CloudFormationClient() {
                @Override
                public DescribeStacksResponse describeStacks(DescribeStacksRequest r) {
                    Map<String, String> outputs = stacks.get(r.stackName());
                    if (outputs == null) {
                        String message = "Stack with id " + r.stackName() + " does not exist";
                        throw CloudFormationException.builder().statusCode(400).message(message)
                                .awsErrorDetails(AwsErrorDetails.builder().errorCode("ValidationError")
                                        .errorMessage(message).serviceName("CloudFormation").build()).build();
                    }
                    return DescribeStacksResponse.builder().stacks(Stack.builder().stackName(r.stackName())
                            .outputs(outputs.entrySet().stream().map(e -> Output.builder().outputKey(e.getKey())
                                    .outputValue(e.getValue()).build()).toList()).build()).build();
                }

                @Override
                public String serviceName() {
                    return "cloudformation";
                }

                @Override
                public void close() {
                }
            };
            return new RollCommand.Ports(new AutoScalingPort(asg), new CloudWatchPort(cloudWatch),
                    new StackPort(cloudFormation), new StatusFunctionPort(lambda));
        }

        Clock clock() {
            return new Clock() {
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
            };
        }
    }

    record Result(int code, String out, String err) {
    }

    static Result run(World world, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = RollCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), o -> world.ports(), world.clock(),
                d -> world.advance());
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static String[] args(String... more) {
        String[] all = java.util.Arrays.copyOf(GROUPS, GROUPS.length + more.length);
        System.arraycopy(more, 0, all, GROUPS.length, more.length);
        return all;
    }

    @Test
    void usageErrorsExit64AndHelpExits0() {
        World world = new World();
        assertThat(run(world).code()).isEqualTo(64);
        assertThat(run(world, "--stack", "s", "--groups", "a").code()).isEqualTo(64);
        assertThat(run(world, "--groups", "a,b").code()).isEqualTo(64); // no --status-function
        assertThat(run(world, args("--order", "random")).code()).isEqualTo(64);
        assertThat(run(world, args("--poll", "soon")).code()).isEqualTo(64);
        assertThat(run(world, args("--timeout")).code()).isEqualTo(64);
        assertThat(run(world, args("--endpoint-url", "localhost")).code()).isEqualTo(64);
        assertThat(run(world, args("--qualifier", "live alias")).code()).isEqualTo(64);
        assertThat(run(world, args("--frobnicate")).code()).isEqualTo(64);
        assertThat(run(world, "--groups", "a", "--status-function", "f").code()).isEqualTo(64); // no cluster for the gate
        Result help = run(world, "--help");
        assertThat(help.code()).isZero();
        assertThat(help.out()).contains("exit codes").contains("--dry-run").contains("--endpoint-url")
                .contains("--qualifier Q").contains("(default live,").contains("function:NAME:live");
        assertThat(world.mutations).isEmpty();
    }

    @Test
    void dryRunPrintsThePlanLeaderLastAndMutatesNothing() {
        World world = new World();
        Result result = run(world, args("--dry-run"));
        assertThat(result.code()).isZero();
        assertThat(result.out()).contains("1. c-servers-2 i-2-old version 1 -> 2")
                .contains("2. c-servers-3 i-3-old version 1 -> 2")
                .contains("3. c-servers-1 i-1-old version 1 -> 2  (leader)");
        assertThat(world.mutations).isEmpty();
        assertThat(world.nodes.values()).allSatisfy(n -> assertThat(n.version()).isEqualTo("1"));
    }

    @Test
    void rollsEveryInstanceLeaderLastAndLogsWhy() {
        World world = new World();
        Result result = run(world, args("--poll", "1"));
        assertThat(result.code()).as(result.err()).isZero();
        assertThat(world.mutations).containsExactly(
                "SetDesiredCapacity c-servers-2 2", "Terminate i-2-old decrement=true",
                "SetDesiredCapacity c-servers-3 2", "Terminate i-3-old decrement=true",
                "SetDesiredCapacity c-servers-1 2", "Terminate i-1-old decrement=true");
        assertThat(world.nodes.values()).hasSize(3).allSatisfy(n -> assertThat(n.version()).isEqualTo("2"));
        // Every status invoke through the stack's alias, never the unqualified function ($LATEST).
        assertThat(world.invoked).isNotEmpty().allSatisfy(i -> assertThat(i).isEqualTo("c-pub:live"));
        assertThat(result.err()).matches("(?s)\\d\\d:\\d\\d:\\d\\d rolling-upgrade: .*")
                .contains("step 1: launch a replacement for i-2-old (a follower; i-1-old leads)")
                .contains("the leader, last");
    }

    @Test
    void unknownSetDesiredOutcomeIsObservedAgainNotRepeated() {
        World world = new World();
        world.loseNextSetDesiredAnswer = true; // applied by Auto Scaling, the answer lost
        Result result = run(world, args());
        assertThat(result.code()).as(result.err()).isZero();
        assertThat(world.mutations.stream().filter(m -> m.startsWith("SetDesiredCapacity c-servers-2"))).hasSize(1);
        assertThat(world.launches).isEqualTo(3); // one replacement per node, none launched twice
        assertThat(result.err()).contains("outcome unknown").contains("describing again");
    }

    @Test
    void statusFunctionErrorStops4WithoutMutating() {
        World world = new World();
        world.functionError = "{\"errorMessage\":\"vault sealed\",\"errorType\":\"IllegalStateException\"}";
        Result result = run(world, args());
        assertThat(result.code()).isEqualTo(4);
        assertThat(result.err()).contains("cannot classify").contains("vault sealed");
        assertThat(world.mutations).isEmpty();
    }

    @Test
    void firingAlarmStops3BeforeAnyMutationButSloWindowsDoNotGate() {
        World world = new World();
        world.firing = List.of("c-slo-60m", "c-leader-changes");
        Result result = run(world, args());
        assertThat(result.code()).isEqualTo(3);
        assertThat(result.err()).contains("c-leader-changes").doesNotContain("c-slo-60m");
        assertThat(world.mutations).isEmpty();

        World sloOnly = new World();
        sloOnly.firing = List.of("c-slo-60m");
        assertThat(run(sloOnly, args()).code()).isZero();

        // The alarms a roll remedies never stop it, even from a gate built from the cluster's name prefix.
        World remedied = new World();
        remedied.firing = List.of("c-roll-stopped", "c-tls-failures", "c-certificate-expiry");
        assertThat(run(remedied, args()).code()).isZero();
    }

    @Test
    void groupMissingFromTheDescribeIsRefused() {
        World world = new World();
        // A group the describe does not return: refused before anything changes.
        Result result = run(world, "--groups", "c-servers-1,c-servers-9", "--status-function", "c-pub");
        assertThat(result.code()).isEqualTo(4);
        assertThat(result.err()).contains("c-servers-9");
        assertThat(world.mutations).isEmpty();
    }

    @Test
    void stepTimeoutExits1() {
        World world = new World() {
            @Override
            void advance() {
                now = now.plusSeconds(15); // the launch is never admitted
            }
        };
        Result result = run(world, args("--timeout", "60"));
        assertThat(result.code()).isEqualTo(1);
        assertThat(result.err()).contains("--timeout 60s");
        assertThat(world.mutations).containsExactly("SetDesiredCapacity c-servers-2 2");
    }

    @Test
    void unusedDurationsStayDefaults() {
        RollCommand.Options options = RollCommand.parse(GROUPS);
        assertThat(options.poll()).isEqualTo(Duration.ofSeconds(15));
        assertThat(options.timeout()).isEqualTo(Duration.ofSeconds(1800));
        assertThat(options.settle()).isEqualTo(Duration.ofSeconds(120));
        assertThat(options.order()).isEqualTo(RollCommand.Order.LEADER_LAST);
        assertThat(options.qualifier()).isEqualTo(dev.raftlifecycle.contract.HandlerNames.ALIAS_NAME).isEqualTo("live");
    }

    @Test
    void qualifierGivenIsOnEveryStatusInvoke() {
        World world = new World();
        Result result = run(world, args("--qualifier", "7", "--dry-run"));
        assertThat(result.code()).as(result.err()).isZero();
        assertThat(world.invoked).isNotEmpty().allSatisfy(i -> assertThat(i).isEqualTo("c-pub:7"));
        assertThat(result.err()).contains("status from c-pub:7");
    }
}
