package dev.raftlifecycle.roll;

import dev.raftlifecycle.contract.HandlerNames;
import dev.raftlifecycle.decisions.RollStep;
import dev.raftlifecycle.ports.AutoScalingPort;
import dev.raftlifecycle.ports.AwsClients;
import dev.raftlifecycle.ports.CloudWatchPort;
import dev.raftlifecycle.roll.ports.OperatorClients;
import dev.raftlifecycle.roll.ports.StackPort;
import dev.raftlifecycle.roll.ports.StatusFunctionPort;
import java.io.PrintStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;

/**
 * scripts/rolling-upgrade: rolls a new launch template version through a cluster's groups (see {@link #USAGE}). The
 * judgement is {@link RollStep}'s; this class parses, builds the AWS clients and hands over to {@link RollProcedure}.
 * Progress goes to stderr ({@code HH:MM:SS rolling-upgrade: ...}), the dry run's plan to stdout. No credential is
 * ever printed: the SDK's default chain reads them, nothing here touches them.
 */
public final class RollCommand {
    static final String USAGE = """
            usage: scripts/rolling-upgrade --stack NAME [options]
                   scripts/rolling-upgrade --groups G1,G2,... --status-function NAME [--cluster NAME] [options]

            Replaces every instance of a Raft cluster's Auto Scaling groups that does not run its group's launch template
            version (a new AMI, instance type or configuration), gated on the cluster's own status (the publisher's
            {"status":true} entry point: leader, healthy voters, failure tolerance) and its alarms before each step.

              --stack NAME            read ServerGroupNames, GateAlarmNames, ClusterName, StatusFunctionName from the stack
              --groups LIST           the Auto Scaling groups, comma-separated, in this order
              --status-function NAME  the publisher function to invoke with {"status":true} (with --groups)
              --qualifier Q           the alias (or version) of the status function every invoke names (default %s,
                                      the alias the stack's functions are invoked through)
              --cluster NAME          the cluster name, for the alarm gate (default: the stack's, or <cluster>-servers-N)
              --order leader-last     (default) per instance, launch before terminate, followers first, the leader last:
                                      raise desired by one, wait for the new instance to be InService and a healthy voter,
                                      terminate the old one (decrementing desired); one election per roll
                                      (a terminate that would take failure tolerance below the promise: exit 4)
              --order as-aws          one instance refresh per group in the given order (MinHealthyPercentage 100,
                                      MaxHealthyPercentage 200, SkipMatching): Auto Scaling picks the order; a refresh
                                      already Pending/InProgress in a group (a resumed run) is adopted and followed
              --region R              AWS region (default: AWS_REGION, AWS_DEFAULT_REGION or the profile's)
              --endpoint-url URL      send every AWS call to this endpoint (an emulator, the lab)
              --poll S                seconds between observations (default %d)
              --timeout S             give up on one step after this many seconds (default %d)
              --settle S              how long the cluster may be unhealthy (or below the promise) before a step counts
                                      as failed; also how long a throttled status invoke is retried, with exponential
                                      backoff and jitter (default %d)
              --instance-warmup S     as-aws: the refresh's instance warmup (default %d)
              --no-alarm-gate         step on while alarms of the cluster are in ALARM
              --dry-run               print the plan (instances in the order they would be replaced, the leader marked)
                                      and change nothing
              -h, --help              this text

            Promise: failure tolerance never below min(its value at the start, (sum of MinSize - 1) / 2), so a
            resumed half-done roll's extra instances do not inflate it.
            Old: an InService instance on another launch template (id) or version than its group's.
            Resume: run it again. The state is read, not remembered: instances already on the group's version are left
            alone, a replacement already in service lets its old instance go first. ABANDON evidence: activities that
            mention ABANDON and had not ended when the run started (by id, no clock).
            Needs: every group of the cluster (a leader outside the groups given is refused, exit 4), groups on a numeric
            launch template version (the stack's), MaxSize >= desired + 1, and IAM for
            cloudformation:DescribeStacks, cloudwatch:DescribeAlarms, lambda:InvokeFunction (the status function's
            alias: function:NAME:%s),
            autoscaling:DescribeAutoScalingGroups, DescribeScalingActivities, SetDesiredCapacity,
            TerminateInstanceInAutoScalingGroup (leader-last), Start/Describe/CancelInstanceRefresh (as-aws).

            exit codes: 0 every instance of every group runs its group's launch template version
                        1 an AWS call failed (the status function or its --qualifier not found among them), a step
                          timed out, an instance refresh failed or was cancelled, the status function still throttled
                          (TooManyRequestsException) when --settle ran out, the stack missing or without an output
                          the roll reads (an older stack: deploy it, or give --groups and --status-function)
                        2 a lifecycle action was ABANDONed or an instance retained (RUNBOOK.md#lifecycle-abandon);
                          after an abandoned launch desired is set back, never below the instances live right then
                        3 an alarm of the cluster is firing
                        4 refused or stopped for the cluster: not healthy (after --settle), failure tolerance below the
                          promise, the leader outside the groups given, the status function returned a FunctionError
                          (the cluster cannot be classified), or a state it cannot classify ($Latest/$Default, an
                          instance without a version, ...)
                        64 usage
            """.formatted(HandlerNames.ALIAS_NAME, RollProcedure.DEFAULT_POLL.toSeconds(),
            RollProcedure.DEFAULT_TIMEOUT.toSeconds(), RollProcedure.DEFAULT_SETTLE.toSeconds(),
            RollProcedure.DEFAULT_WARMUP.toSeconds(), HandlerNames.ALIAS_NAME);

    /** Lambda's pattern for a Qualifier (an alias name or a version, $LATEST included). */
    private static final Pattern QUALIFIER = Pattern.compile("[a-zA-Z0-9$_-]{1,128}");

    public enum Order {
        LEADER_LAST("leader-last"), AS_AWS("as-aws");

        final String flag;

        Order(String flag) {
            this.flag = flag;
        }

        /** The --order value that names it. */
        public String value() {
            return flag;
        }
    }

    /**
     * The parsed command line.
     *
     * @param stack          the stack to read the rest from, or empty with {@code groups}
     * @param statusFunction with --groups; else the stack's output
     * @param qualifier      the status function's alias or version, on every invoke (--qualifier, default live)
     */
    public record Options(Optional<String> stack, List<String> groups, Optional<String> statusFunction,
                          String qualifier,
                          Optional<String> cluster, Order order, Optional<String> region, Optional<URI> endpoint,
                          Duration poll, Duration timeout, Duration settle, Duration instanceWarmup, boolean alarmGate,
                          boolean dryRun) {
        public Options {
            groups = List.copyOf(groups);
        }
    }

    /** The AWS ports the roll uses, one per system. */
    public record Ports(AutoScalingPort autoScaling, CloudWatchPort cloudWatch, StackPort stacks,
                        StatusFunctionPort status) {
    }

    private RollCommand() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** The whole command against AWS (or --endpoint-url); returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, out, err, RollCommand::awsPorts, Clock.systemUTC(), RollProcedure.Sleeper.REAL);
    }

    /** The command over given ports, clock and sleeper (the tests'). */
    static int run(String[] args, PrintStream out, PrintStream err, Function<Options, Ports> ports, Clock clock,
                   RollProcedure.Sleeper sleeper) {
        RollProcedure.Log log = new RollProcedure.Log(err, clock);
        if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
            out.print(USAGE);
            return RollStep.EXIT_DONE;
        }
        Options options;
        try {
            options = parse(args);
        } catch (RollException e) {
            log.line(e.getMessage() + " (scripts/rolling-upgrade --help)");
            return e.exitCode();
        }
        try {
            Ports built = ports.apply(options);
            return new RollProcedure(options, built, clock, sleeper, log, out).run();
        } catch (RollException e) {
            log.line(e.getMessage());
            return e.exitCode();
        } catch (SdkException e) {
            log.line("an AWS call failed: " + e.getMessage());
            return RollStep.EXIT_AWS;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            log.line("interrupted; run again to resume");
            return RollStep.EXIT_AWS;
        }
    }

    static Ports awsPorts(Options options) {
        String region = options.region().orElseGet(() -> {
            try {
                return new DefaultAwsRegionProviderChain().getRegion().id();
            } catch (SdkException e) {
                throw new RollException(RollStep.EXIT_USAGE, "no region: give --region or set AWS_REGION");
            }
        });
        AwsClients clients = new AwsClients(region, options.endpoint(), DefaultCredentialsProvider.builder().build());
        return new Ports(new AutoScalingPort(clients.autoScaling()), new CloudWatchPort(clients.cloudWatch()),
                new StackPort(OperatorClients.cloudFormation(clients)),
                new StatusFunctionPort(OperatorClients.lambda(clients)));
    }

    public static Options parse(String[] args) throws RollException {
        Map<String, String> values = new HashMap<>();
        List<String> flags = new ArrayList<>();
        List<String> withValue = List.of("--stack", "--groups", "--status-function", "--qualifier", "--cluster",
                "--order", "--region",
                "--endpoint-url", "--poll", "--timeout", "--settle", "--instance-warmup");
        List<String> switches = List.of("--no-alarm-gate", "--dry-run");
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (switches.contains(arg)) {
                flags.add(arg);
            } else if (withValue.contains(arg)) {
                if (i + 1 >= args.length || args[i + 1].isBlank()) {
                    throw usage(arg + " needs a value");
                }
                if (values.put(arg, args[++i]) != null) {
                    throw usage(arg + " given twice");
                }
            } else {
                throw usage("unknown argument: " + arg);
            }
        }
        Optional<String> stack = Optional.ofNullable(values.get("--stack"));
        if (stack.isPresent() == values.containsKey("--groups")) {
            throw usage("give --stack NAME or --groups LIST (one of them)");
        }
        List<String> groups = List.of();
        if (values.containsKey("--groups")) {
            groups = Arrays.stream(values.get("--groups").split(",")).map(String::strip).filter(s -> !s.isEmpty())
                    .toList();
            if (groups.isEmpty()) {
                throw usage("--groups names no group");
            }
            if (!values.containsKey("--status-function")) {
                throw usage("--groups needs --status-function NAME (the publisher, invoked with {\"status\":true})");
            }
        }
        Order order = Order.LEADER_LAST;
        if (values.containsKey("--order")) {
            order = Arrays.stream(Order.values()).filter(o -> o.flag.equals(values.get("--order"))).findFirst()
                    .orElseThrow(() -> usage("--order must be leader-last or as-aws"));
        }
        Optional<URI> endpoint = Optional.empty();
        if (values.containsKey("--endpoint-url")) {
            try {
                URI uri = new URI(values.get("--endpoint-url"));
                if (uri.getScheme() == null || uri.getHost() == null) {
                    throw usage("--endpoint-url must be an absolute URL, e.g. http://127.0.0.1:4566");
                }
                endpoint = Optional.of(uri);
            } catch (URISyntaxException e) {
                throw usage("--endpoint-url is not a URL: " + values.get("--endpoint-url"));
            }
        }
        String qualifier = values.getOrDefault("--qualifier", HandlerNames.ALIAS_NAME);
        if (!QUALIFIER.matcher(qualifier).matches()) {
            throw usage("--qualifier must be an alias or version of the function (letters, digits, $, _ and -), "
                    + "e.g. " + HandlerNames.ALIAS_NAME);
        }
        return new Options(stack, groups, Optional.ofNullable(values.get("--status-function")), qualifier,
                Optional.ofNullable(values.get("--cluster")), order, Optional.ofNullable(values.get("--region")),
                endpoint, seconds(values, "--poll", RollProcedure.DEFAULT_POLL, 1),
                seconds(values, "--timeout", RollProcedure.DEFAULT_TIMEOUT, 1),
                seconds(values, "--settle", RollProcedure.DEFAULT_SETTLE, 0),
                seconds(values, "--instance-warmup", RollProcedure.DEFAULT_WARMUP, 0),
                !flags.contains("--no-alarm-gate"), flags.contains("--dry-run"));
    }

    private static Duration seconds(Map<String, String> values, String name, Duration fallback, int min) {
        String value = values.get(name);
        if (value == null) {
            return fallback;
        }
        try {
            long n = Long.parseLong(value);
            if (n < min || n > 86_400) {
                throw usage(name + " must be between " + min + " and 86400 seconds");
            }
            return Duration.ofSeconds(n);
        } catch (NumberFormatException e) {
            throw usage(name + " is not a number of seconds: " + value);
        }
    }

    private static RollException usage(String message) {
        return new RollException(RollStep.EXIT_USAGE, message);
    }
}
