package dev.raftlifecycle.roll;

import dev.raftlifecycle.decisions.ClusterStatus;
import dev.raftlifecycle.decisions.RollEvidence;
import dev.raftlifecycle.decisions.RollStep;
import dev.raftlifecycle.ports.AutoScalingPort;
import dev.raftlifecycle.roll.ports.StatusFunctionPort;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * The roll's loop: observe (Auto Scaling, the status function, the activities), ask {@link RollStep}, act, log why;
 * for {@code --order as-aws}, one instance refresh per group with the same gates. Holds no judgement of the cluster:
 * every "is it safe" is RollStep's. What it keeps between observations is only time: when the current step started
 * (--timeout) and since when the cluster has been unfit (--settle).
 */
final class RollProcedure {
    static final Duration DEFAULT_POLL = Duration.ofSeconds(15);
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1800);
    static final Duration DEFAULT_SETTLE = Duration.ofSeconds(120);
    static final Duration DEFAULT_WARMUP = Duration.ofSeconds(60);
    static final String STACK_GROUPS = "ServerGroupNames";
    static final String STACK_GATE_ALARMS = "GateAlarmNames";
    static final String STACK_CLUSTER = "ClusterName";
    static final String STACK_STATUS_FUNCTION = "StatusFunctionName";
    private static final Pattern GROUP_NAME = Pattern.compile("(.+)-servers-[0-9]+");
    private static final Set<String> REFRESH_FAILED = Set.of("Failed", "Cancelled", "Cancelling", "RollbackInProgress",
            "RollbackFailed", "RollbackSuccessful");
    private static final Set<String> REFRESH_ACTIVE = Set.of("Pending", "InProgress", "Cancelling", "Baking");
    /** A refresh found under way that the run follows instead of starting its own. */
    private static final Set<String> REFRESH_ADOPTABLE = Set.of("Pending", "InProgress", "Baking");
    /** The first throttle's wait before jitter; it doubles per attempt up to {@link #THROTTLE_CAP}. */
    static final Duration THROTTLE_BASE = Duration.ofSeconds(2);
    static final Duration THROTTLE_CAP = Duration.ofSeconds(32);

    /** Sleeps between observations; the tests' does not. */
    interface Sleeper {
        Sleeper REAL = d -> Thread.sleep(d.toMillis());

        void sleep(Duration d) throws InterruptedException;
    }

    /** Stderr lines {@code HH:MM:SS rolling-upgrade: ...} (UTC). */
    static final class Log {
        private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);
        private final PrintStream err;
        private final Clock clock;

        Log(PrintStream err, Clock clock) {
            this.err = err;
            this.clock = clock;
        }

        void line(String message) {
            err.println(TIME.format(clock.instant()) + " rolling-upgrade: " + message);
        }
    }

    /** Where the roll acts: resolved from the stack or the command line. */
    record Target(List<String> groups, String statusFunction, Optional<String> cluster, List<String> gateAlarms) {
    }

    private final RollCommand.Options options;
    private final RollCommand.Ports ports;
    private final Clock clock;
    private final Sleeper sleeper;
    private final RandomGenerator jitter = RandomGenerator.getDefault();
    private final Log log;
    private final PrintStream out;

    RollProcedure(RollCommand.Options options, RollCommand.Ports ports, Clock clock, Sleeper sleeper, Log log,
                  PrintStream out) {
        this.options = options;
        this.ports = ports;
        this.clock = clock;
        this.sleeper = sleeper;
        this.log = log;
        this.out = out;
    }

    int run() throws InterruptedException {
        Target target = target();
        log.line("groups " + String.join(", ", target.groups()) + " (cluster " + target.cluster().orElse("unknown")
                + ", order " + options.order().flag + ", status from " + target.statusFunction() + ":" + options.qualifier()
                + ")");
        checkAlarms(target);
        List<RollStep.Group> groups = ports.autoScaling().describeForRoll(target.groups());
        Optional<RollStep.Stop> refusal = RollStep.refusal(target.groups(), groups);
        if (refusal.isPresent()) {
            throw new RollException(refusal.get().exitCode(), "refused: " + refusal.get().reason());
        }
        ClusterStatus status = status(target);
        Optional<RollStep.Stop> outside = RollStep.leaderOutside(target.groups(), groups, status);
        if (outside.isPresent()) {
            throw new RollException(outside.get().exitCode(), "refused: " + outside.get().reason());
        }
        if (options.dryRun()) {
            printPlan(target, groups, status);
            return RollStep.EXIT_DONE;
        }
        Set<String> endedAtStart = endedActivities(target.groups());
        int promise = promise(target);
        log.line("promise: failure tolerance never below " + promise + " (the lower of its value now and (sum of "
                + "MinSize - 1) / 2, the tolerance of the cluster the groups are sized for)");
        return switch (options.order()) {
            case LEADER_LAST -> leaderLast(target, endedAtStart, promise);
            case AS_AWS -> asAws(target, endedAtStart, promise);
        };
    }

    /**
     * The ids of every group's activities that had already ended when the run started: ABANDON evidence is whatever
     * mentions ABANDON and is not among them (no start time, no local clock).
     */
    private Set<String> endedActivities(List<String> groups) {
        Set<String> ended = new HashSet<>();
        for (String group : groups) {
            Set<String> ofGroup = RollEvidence.ended(ports.autoScaling().activities(group));
            ended.addAll(ofGroup);
        }
        return ended;
    }

    Target target() {
        if (options.stack().isEmpty()) {
            Optional<String> cluster = options.cluster().or(() -> clusterFromGroup(options.groups().get(0)));
            if (options.alarmGate() && cluster.isEmpty()) {
                throw new RollException(RollStep.EXIT_USAGE, "cannot tell the cluster name for the alarm gate: give "
                        + "--cluster (or --no-alarm-gate)");
            }
            return new Target(options.groups(), options.statusFunction().orElseThrow(), cluster, List.of());
        }
        String stack = options.stack().get();
        Map<String, String> outputs = ports.stacks().outputs(stack);
        List<String> groups = csv(outputs.get(STACK_GROUPS));
        if (groups.isEmpty()) {
            throw new RollException(RollStep.EXIT_AWS, "stack " + stack + " has no " + STACK_GROUPS + " output");
        }
        String function = options.statusFunction().orElse(outputs.get(STACK_STATUS_FUNCTION));
        if (function == null || function.isBlank()) {
            throw new RollException(RollStep.EXIT_AWS, "stack " + stack + " has no " + STACK_STATUS_FUNCTION
                    + " output (deploy the stack of this version, or give --groups and --status-function)");
        }
        Optional<String> cluster = options.cluster().or(() -> Optional.ofNullable(outputs.get(STACK_CLUSTER)))
                .or(() -> clusterFromGroup(groups.get(0)));
        return new Target(groups, function, cluster, csv(outputs.get(STACK_GATE_ALARMS)));
    }

    private static Optional<String> clusterFromGroup(String group) {
        Matcher m = GROUP_NAME.matcher(group);
        return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
    }

    private static List<String> csv(String value) {
        if (value == null || value.isBlank() || value.equals("None")) {
            return List.of();
        }
        return Arrays.stream(value.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    /** The gate: with a stack exactly its GateAlarmNames, else every alarm named {@code <cluster>-...}. */
    private void checkAlarms(Target target) {
        if (!options.alarmGate()) {
            return;
        }
        String cluster = target.cluster().orElseThrow();
        List<String> firing = RollEvidence.gating(ports.cloudWatch().firingAlarms(target.gateAlarms(), cluster + "-"),
                cluster);
        if (!firing.isEmpty()) {
            throw new RollException(RollStep.EXIT_ALARM, "alarms of " + target.cluster().orElse("the cluster")
                    + " are firing (" + String.join(", ", firing) + "): fix them first (RUNBOOK.md) or pass "
                    + "--no-alarm-gate");
        }
    }

    /**
     * The status function's answer. A throttle (the publisher has reserved concurrency 1 and its scheduled run may hold
     * it) is retried with exponential backoff and jitter ({@link #throttleWait}) until --settle has passed since the
     * first attempt (the last wait cut to end there, one attempt then) before anything is concluded; still throttled:
     * exit 1 (an AWS call failed; run again). A function error or an answer that is not a status: exit 4 (the cluster
     * cannot be classified).
     */
    private ClusterStatus status(Target target) throws InterruptedException {
        Instant first = clock.instant();
        Instant until = first.plus(options.settle());
        for (int attempt = 1; ; attempt++) {
            try {
                return ports.status().status(target.statusFunction(), options.qualifier());
            } catch (StatusFunctionPort.Unreadable e) {
                throw new RollException(RollStep.EXIT_REFUSED, "cannot classify the cluster, nothing changed: "
                        + e.getMessage());
            } catch (StatusFunctionPort.Throttled e) {
                Duration left = Duration.between(clock.instant(), until);
                if (left.isNegative() || left.isZero()) {
                    throw new RollException(RollStep.EXIT_AWS, e.getMessage() + " on " + attempt + " attempts over "
                            + Duration.between(first, clock.instant()).toSeconds() + "s (--settle "
                            + options.settle().toSeconds() + "s): nothing concluded; run again to resume");
                }
                Duration wait = throttleWait(attempt, jitter.nextDouble());
                wait = wait.compareTo(left) > 0 ? left : wait;
                log.line(e.getMessage() + "; attempt " + attempt + ", again in "
                        + String.format(Locale.ROOT, "%.1f", wait.toMillis() / 1000.0) + "s (--settle "
                        + options.settle().toSeconds() + "s, " + left.toSeconds() + "s left)");
                sleeper.sleep(wait);
            }
        }
    }

    /**
     * The wait after the {@code attempt}-th throttled status invoke: exponential ({@link #THROTTLE_BASE} doubling up to
     * {@link #THROTTLE_CAP}) with "equal jitter", half of it fixed and half uniformly random ({@code unit} in [0, 1)), so
     * that two operators' rolls (or a roll and the publisher's schedule) do not retry in step.
     */
    static Duration throttleWait(int attempt, double unit) {
        long exponential = THROTTLE_BASE.toMillis() << Math.min(attempt - 1, 20);
        long capped = Math.min(exponential, THROTTLE_CAP.toMillis());
        return Duration.ofMillis(capped / 2 + (long) (unit * (capped - capped / 2)));
    }

    /** Waits (up to --settle) for the cluster to pass the gate; its failure tolerance then is the run's promise. */
    private int promise(Target target) throws InterruptedException {
        Instant since = clock.instant();
        String last = "";
        while (true) {
            List<RollStep.Group> groups = ports.autoScaling().describeForRoll(target.groups());
            ClusterStatus status = status(target);
            Optional<Integer> promise = RollStep.promise(groups, status);
            if (promise.isPresent()) {
                return promise.get();
            }
            String why = String.join("; ", RollStep.gateProblems(groups, status, 0));
            if (!Duration.between(since, clock.instant()).minus(options.settle()).isNegative()) {
                throw new RollException(RollStep.EXIT_REFUSED, "the cluster is not healthy at the start (after --settle "
                        + options.settle().toSeconds() + "s): " + why + "; nothing changed");
            }
            if (!why.equals(last)) {
                log.line("waiting for a healthy cluster before the first step: " + why);
                last = why;
            }
            sleeper.sleep(options.poll());
        }
    }

    private int leaderLast(Target target, Set<String> endedAtStart, int promise) throws InterruptedException {
        Instant stepStarted = clock.instant();
        Instant unfitSince = null;
        String lastWait = "";
        int steps = 0;
        while (true) {
            List<RollStep.Group> groups = ports.autoScaling().describeForRoll(target.groups());
            List<RollStep.Abandon> abandons = abandons(target.groups(), endedAtStart);
            ClusterStatus status = status(target);
            Instant now = clock.instant();
            long unfitFor = unfitSince == null ? 0 : Duration.between(unfitSince, now).toSeconds();
            RollStep step = RollStep.decide(new RollStep.Input(target.groups(), groups, status, promise, abandons,
                    unfitFor, options.settle().toSeconds()));
            if (step instanceof RollStep.Launch || step instanceof RollStep.Terminate) {
                // The status call took seconds: read Auto Scaling again right before the mutation and decide on that.
                List<RollStep.Group> fresh = ports.autoScaling().describeForRoll(target.groups());
                Optional<String> change = RollStep.describeChange(groups, fresh);
                step = change.isPresent()
                        ? new RollStep.Wait(RollStep.WaitKind.IN_FLIGHT, "Auto Scaling changed during the status call ("
                                + change.get() + "); observing again before any step")
                        : RollStep.decide(new RollStep.Input(target.groups(), fresh, status, promise, abandons,
                                unfitFor, options.settle().toSeconds()));
            }
            switch (step) {
                case RollStep.Done done -> {
                    done.warnings().forEach(w -> log.line("warning: " + w));
                    log.line("done after " + steps + " steps: " + done.reason());
                    return RollStep.EXIT_DONE;
                }
                case RollStep.Stop stop -> {
                    log.line("stop (exit " + stop.exitCode() + "): " + stop.reason());
                    stop.setDesiredBack().ifPresent(back -> setDesiredBack(target, back));
                    return stop.exitCode();
                }
                case RollStep.Wait wait -> {
                    unfitSince = wait.kind() == RollStep.WaitKind.UNHEALTHY ? (unfitSince == null ? now : unfitSince)
                            : null;
                    if (!wait.reason().equals(lastWait)) {
                        log.line("wait: " + wait.reason());
                        lastWait = wait.reason();
                    }
                    if (!Duration.between(stepStarted, now).minus(options.timeout()).isNegative()) {
                        throw new RollException(RollStep.EXIT_AWS, "the step did not finish within --timeout "
                                + options.timeout().toSeconds() + "s (" + wait.reason() + "); run again to resume");
                    }
                    sleeper.sleep(options.poll());
                }
                case RollStep.Launch launch -> {
                    checkAlarms(target);
                    log.line("step " + (++steps) + ": " + launch.reason());
                    mutate("SetDesiredCapacity " + launch.group() + " " + launch.newDesired(),
                            () -> ports.autoScaling().setDesiredCapacity(launch.group(), launch.newDesired()));
                    stepStarted = clock.instant();
                    unfitSince = null;
                    lastWait = "";
                }
                case RollStep.Terminate terminate -> {
                    checkAlarms(target);
                    log.line("step " + (++steps) + ": " + terminate.reason());
                    mutate("TerminateInstanceInAutoScalingGroup " + terminate.instanceId(),
                            () -> ports.autoScaling().terminateDecrementing(terminate.instanceId()));
                    stepStarted = clock.instant();
                    unfitSince = null;
                    lastWait = "";
                }
            }
        }
    }

    /** The undo after an abandoned launch, checked against a describe read right before it. */
    private void setDesiredBack(Target target, RollStep.SetDesired back) {
        try {
            RollStep.Group fresh = ports.autoScaling().describeForRoll(List.of(back.group())).stream()
                    .filter(g -> g.name().equals(back.group())).findFirst().orElse(null);
            StringBuilder why = new StringBuilder();
            if (RollStep.undoNow(back, fresh, why).isEmpty()) {
                log.line(back.group() + ": desired left as it is, not set back to " + back.desired() + " (" + why
                        + "); Auto Scaling may launch the new version again: set desired by hand once you know why "
                        + "the launch was abandoned");
                return;
            }
            mutate("SetDesiredCapacity " + back.group() + " " + back.desired(),
                    () -> ports.autoScaling().setDesiredCapacity(back.group(), back.desired()));
            log.line(back.group() + ": desired set back to " + back.desired());
        } catch (RollException | SdkException e) {
            log.line(back.group() + ": could not set desired back to " + back.desired() + " (" + e.getMessage()
                    + "): set it by hand (aws autoscaling set-desired-capacity)");
        }
    }

    /**
     * Runs a mutation. An outcome that cannot be known (no answer, a timeout, a 5xx) is not concluded on: the loop
     * describes again and decides from what Auto Scaling then shows (the step's values are absolute, so deciding the
     * same step again cannot do it twice). A refusal (4xx) ends the roll.
     */
    private void mutate(String call, Runnable action) {
        try {
            action.run();
        } catch (SdkClientException e) {
            log.line(call + ": outcome unknown (" + e.getClass().getSimpleName() + ": " + e.getMessage()
                    + "); describing again before deciding anything");
        } catch (AwsServiceException e) {
            if (e.statusCode() >= 500) {
                log.line(call + ": outcome unknown (HTTP " + e.statusCode() + " " + errorCode(e)
                        + "); describing again before deciding anything");
                return;
            }
            throw new RollException(RollStep.EXIT_AWS, call + " refused: " + errorCode(e) + ": "
                    + (e.awsErrorDetails() == null ? e.getMessage() : e.awsErrorDetails().errorMessage()));
        }
    }

    private static String errorCode(AwsServiceException e) {
        return e.awsErrorDetails() == null ? "" : String.valueOf(e.awsErrorDetails().errorCode());
    }

    private List<RollStep.Abandon> abandons(List<String> groups, Set<String> endedAtStart) {
        List<RollEvidence.Activity> activities = new ArrayList<>();
        for (String group : groups) {
            activities.addAll(ports.autoScaling().activities(group));
        }
        return RollEvidence.abandons(activities, endedAtStart);
    }

    private void printPlan(Target target, List<RollStep.Group> groups, ClusterStatus status) {
        String leader = status.leader() == null ? null : status.leader().instanceId();
        List<RollStep.PlanEntry> plan = RollStep.plan(target.groups(), groups, status);
        out.println("plan (" + options.order().flag + "; dry run, nothing changed): " + plan.size()
                + " instance(s) to replace; leader " + (leader == null ? "unknown" : leader));
        if (options.order() == RollCommand.Order.AS_AWS) {
            for (String group : target.groups()) {
                List<RollStep.PlanEntry> of = plan.stream().filter(e -> e.group().equals(group)).toList();
                out.println("  " + group + ": instance refresh"
                        + (of.isEmpty() ? ", nothing to replace (SkipMatching)" : " of " + of.size() + ", order Auto "
                        + "Scaling's:"));
                of.forEach(e -> out.println("    " + line(e)));
            }
        } else {
            int n = 0;
            for (RollStep.PlanEntry e : plan) {
                out.println("  " + (++n) + ". " + e.group() + " " + line(e));
            }
        }
        for (RollStep.Group g : groups) {
            if (target.groups().contains(g.name()) && g.desiredCapacity() + 1 > g.maxSize()
                    && plan.stream().anyMatch(e -> e.group().equals(g.name()))) {
                out.println("  note: " + g.name() + " MaxSize " + g.maxSize() + " leaves no room for a replacement "
                        + "(desired " + g.desiredCapacity() + "): the roll would stop there");
            }
        }
    }

    private static String line(RollStep.PlanEntry e) {
        return e.instanceId() + " version " + e.fromVersion() + " -> " + e.toVersion() + (e.leader() ? "  (leader)" : "");
    }

    /** As AWS would: one instance refresh per group, in order; the same gates between groups. */
    private int asAws(Target target, Set<String> endedAtStart, int promise) throws InterruptedException {
        for (String group : target.groups()) {
            checkAlarms(target);
            Optional<AutoScalingPort.Refresh> latest = ports.autoScaling().latestRefresh(group);
            String id;
            if (latest.isPresent() && REFRESH_ADOPTABLE.contains(latest.get().status())) {
                // A resumed run (or someone by hand) started it: follow it rather than start a second one.
                id = latest.get().id();
                log.line(group + ": adopted the instance refresh " + id + " already under way ("
                        + latest.get().status() + "): following it with the same rules (cancelled on ABANDON evidence "
                        + "or --timeout from now)");
            } else if (latest.isPresent() && REFRESH_ACTIVE.contains(latest.get().status())) {
                throw new RollException(RollStep.EXIT_AWS, group + " has an instance refresh " + latest.get().id()
                        + " " + latest.get().status() + "; wait for it to end, then run again");
            } else {
                awaitFit(target, promise);
                id = ports.autoScaling().startInstanceRefresh(group, (int) options.instanceWarmup().toSeconds());
                log.line(group + ": instance refresh " + id + " started (launch before terminate, the order Auto "
                        + "Scaling's)");
            }
            Instant since = clock.instant();
            String last = "";
            while (true) {
                List<RollStep.Abandon> abandons = RollEvidence.abandons(ports.autoScaling().activities(group),
                        endedAtStart);
                if (!abandons.isEmpty()) {
                    cancel(group);
                    throw new RollException(RollStep.EXIT_ABANDONED, group + ": a lifecycle action was ABANDONed ("
                            + abandons.get(0).evidence() + "); refresh " + id + " cancelled, later groups not started. "
                            + "See RUNBOOK.md#lifecycle-abandon");
                }
                Optional<AutoScalingPort.Refresh> refresh = ports.autoScaling().refresh(group, id);
                String state = refresh.map(AutoScalingPort.Refresh::status).orElse("unknown");
                if (state.equals("Successful")) {
                    log.line(group + ": refresh " + id + " successful");
                    break;
                }
                if (REFRESH_FAILED.contains(state)) {
                    throw new RollException(RollStep.EXIT_AWS, group + ": refresh " + id + " ended " + state + " ("
                            + refresh.map(AutoScalingPort.Refresh::statusReason).orElse("no reason given")
                            + "); later groups not started");
                }
                String progress = state + " " + refresh.map(AutoScalingPort.Refresh::percentageComplete).orElse(0) + "%";
                if (!progress.equals(last)) {
                    log.line(group + ": " + progress);
                    last = progress;
                }
                if (!Duration.between(since, clock.instant()).minus(options.timeout()).isNegative()) {
                    cancel(group);
                    throw new RollException(RollStep.EXIT_AWS, group + ": refresh " + id + " did not finish within "
                            + "--timeout " + options.timeout().toSeconds() + "s; cancelled");
                }
                sleeper.sleep(options.poll());
            }
        }
        awaitFit(target, promise);
        List<RollStep.Group> groups = ports.autoScaling().describeForRoll(target.groups());
        RollStep step = RollStep.decide(new RollStep.Input(target.groups(), groups, status(target), promise,
                abandons(target.groups(), endedAtStart), 0, options.settle().toSeconds()));
        if (step instanceof RollStep.Done done) {
            done.warnings().forEach(w -> log.line("warning: " + w));
            log.line("done: " + done.reason());
            return RollStep.EXIT_DONE;
        }
        throw new RollException(step instanceof RollStep.Stop s ? s.exitCode() : RollStep.EXIT_AWS,
                "every refresh ended, but the roll is not done: " + step.reason());
    }

    /** Waits (up to --settle) until the cluster passes the gate with the run's promise. */
    private void awaitFit(Target target, int promise) throws InterruptedException {
        Instant since = clock.instant();
        String last = "";
        while (true) {
            List<String> problems = RollStep.gateProblems(
                    ports.autoScaling().describeForRoll(target.groups()), status(target), promise);
            if (problems.isEmpty()) {
                return;
            }
            String why = String.join("; ", problems);
            if (!Duration.between(since, clock.instant()).minus(options.settle()).isNegative()) {
                throw new RollException(RollStep.EXIT_REFUSED, "the cluster is not fit for the next group after "
                        + "--settle " + options.settle().toSeconds() + "s: " + why);
            }
            if (!why.equals(last)) {
                log.line("waiting for the cluster: " + why);
                last = why;
            }
            sleeper.sleep(options.poll());
        }
    }

    private void cancel(String group) {
        try {
            ports.autoScaling().cancelInstanceRefresh(group);
        } catch (SdkException e) {
            log.line("could not cancel the refresh of " + group + " (" + e.getMessage() + "): cancel it by hand "
                    + "(aws autoscaling cancel-instance-refresh)");
        }
    }
}
