package dev.raftlifecycle.infra;

import dev.raftlifecycle.contract.Defaults;
import dev.raftlifecycle.contract.MetricName;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.cloudwatch.Alarm;
import software.amazon.awscdk.services.cloudwatch.AlarmRule;
import software.amazon.awscdk.services.cloudwatch.AlarmState;
import software.amazon.awscdk.services.cloudwatch.AlarmStatusWidget;
import software.amazon.awscdk.services.cloudwatch.ComparisonOperator;
import software.amazon.awscdk.services.cloudwatch.CompositeAlarm;
import software.amazon.awscdk.services.cloudwatch.Dashboard;
import software.amazon.awscdk.services.cloudwatch.GraphWidget;
import software.amazon.awscdk.services.cloudwatch.HorizontalAnnotation;
import software.amazon.awscdk.services.cloudwatch.IAlarm;
import software.amazon.awscdk.services.cloudwatch.IMetric;
import software.amazon.awscdk.services.cloudwatch.IWidget;
import software.amazon.awscdk.services.cloudwatch.MathExpression;
import software.amazon.awscdk.services.cloudwatch.Metric;
import software.amazon.awscdk.services.cloudwatch.MetricOptions;
import software.amazon.awscdk.services.cloudwatch.SingleValueWidget;
import software.amazon.awscdk.services.cloudwatch.TextWidget;
import software.amazon.awscdk.services.cloudwatch.TreatMissingData;
import software.amazon.awscdk.services.cloudwatch.YAxisProps;
import software.amazon.awscdk.services.cloudwatch.actions.SnsAction;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.kms.Key;
import software.amazon.awscdk.services.sns.ITopic;
import software.amazon.awscdk.services.sns.Topic;
import software.amazon.awscdk.services.sns.subscriptions.EmailSubscription;
import software.constructs.Construct;

/**
 * Alarms (each naming its RUNBOOK.md section, each notifying the alarm topic), burn-rate alerts for the SLOs, and a
 * dashboard grouped by subsystem, each group introduced by what its graphs mean and what healthy looks like.
 */
public final class Monitoring extends Construct {

    /**
     * Leader elections an hour beyond which the LeaderChanges alarm fires, counted as minutes with an election in the
     * last 60 (sliding; several elections within one minute count once). Healthy clusters elect about once a day at
     * most; a rolling upgrade of the default three servers, each replaced once with the leader stepped down before
     * it goes, causes at most one election per server: 3. More than that is not planned work.
     */
    public static final int LEADER_CHANGES_PER_HOUR = 3;
    /** Events whose claim AWS did not confirm, within 15 minutes, that page: more than a lagging describe explains. */
    public static final int CLAIMS_NOT_CONFIRMED_BURST = 3;
    /**
     * Days left on a node's certificate below which the certificate-expiry alarm fires: two weeks to issue, store and
     * roll out a new one (a rolling upgrade replaces every server).
     */
    public static final int CERTIFICATE_RENEW_DAYS = 14;
    /**
     * Alarms whose remedy is a rolling upgrade (a new certificate reaches a server only when it is replaced), so they
     * do not stop scripts/rolling-upgrade (GateAlarmNames): the launch hook still admits a new server only once it is
     * unsealed, in Raft and stable, and the script stops at the first ABANDON.
     */
    public static final List<String> REMEDIED_BY_A_ROLL = dev.raftlifecycle.contract.AlarmNames.REMEDIED_BY_A_ROLL;
    /**
     * Hours servers may run on different versions (Vault/Consul builds, or launch template versions against their
     * group's) before the roll-stopped alarm fires: longer than a roll takes (nodes x one admission, minutes each), so
     * a running roll does not page and one that stopped half-way does.
     */
    public static final int ROLL_STOPPED_HOURS = 3;
    /** The retain-policy alarm's name after {@code <cluster>-}: GroupsWithoutRetainPolicy above 0. */
    public static final String RETAIN_POLICY_ALARM = "groups-without-retain-policy";
    /** What shadow mode counts instead of acting (the dashboard's Shadow decisions row). */
    public static final List<MetricName> SHADOW_METRICS = List.of(MetricName.WOULD_REMOVE, MetricName.WOULD_STEP_DOWN,
            MetricName.WOULD_ABANDON);

    /** What is watched. */
    public record Props(ClusterConfig config, LifecycleAutomation automation, Snapshots snapshots) {
    }

    /**
     * The snapshot-age alarm fires when the newest snapshot is older than this many intervals: one late or failed
     * run is retried and covered by the next; two missed in a row are not chance.
     */
    public static final int SNAPSHOT_AGE_INTERVALS = 2;
    /** The snapshot-age alarm's period: the publisher reports the age every minute, the alarm looks at five. */
    public static final Duration SNAPSHOT_AGE_PERIOD = Duration.minutes(5);

    private final ClusterConfig config;
    private final ClusterMetrics metrics;
    private final ITopic topic;
    private final SnsAction notify;
    private final List<Alarm> alarms = new ArrayList<>();
    private final List<Alarm> burnRateComponents = new ArrayList<>();
    private final List<CompositeAlarm> compositeAlarms = new ArrayList<>();
    private final List<String> gateAlarmNames = new ArrayList<>();
    private final Dashboard dashboard;

    public Monitoring(Construct scope, String id, Props props) {
        super(scope, id);
        this.config = props.config();
        this.metrics = new ClusterMetrics(config.metricsNamespace(), config.clusterName());
        this.topic = config.alarmTopicArn().isPresent()
                ? Topic.fromTopicArn(this, "AlarmTopic", config.alarmTopicArn().get())
                : newTopic();
        this.notify = new SnsAction(topic);
        LifecycleAutomation automation = props.automation();

        // Consensus
        alarm("NoLeader", "no-leader", RunbookSection.NO_LEADER,
                "No Raft leader reported for 2 of the last 3 minutes (or no report at all): "
                        + (config.consul() ? "Consul" : "Vault") + " cannot serve.",
                metrics.metric(MetricName.LEADER_PRESENT, "Minimum"), ComparisonOperator.LESS_THAN_THRESHOLD, 1,
                3, 2, TreatMissingData.BREACHING);
        alarm("FailureTolerance", "failure-tolerance", RunbookSection.FAILURE_TOLERANCE,
                "Failure tolerance below 1 for 10 minutes: one more lost voter loses quorum.",
                metrics.metric(MetricName.FAILURE_TOLERANCE, "Minimum"), ComparisonOperator.LESS_THAN_THRESHOLD, 1,
                10, 10, TreatMissingData.MISSING);
        alarm("AutopilotUnhealthy", "autopilot-unhealthy", RunbookSection.AUTOPILOT_UNHEALTHY,
                "Autopilot has reported the cluster unhealthy for 5 minutes.",
                metrics.metric(MetricName.AUTOPILOT_HEALTHY, "Minimum"), ComparisonOperator.LESS_THAN_THRESHOLD, 1,
                5, 5, TreatMissingData.MISSING);
        // Seal (Vault only: Consul has no seal)
        if (!config.consul()) {
            alarm("SealedNodes", "sealed-nodes", RunbookSection.SEALED_NODES,
                    "At least one instance has answered sys/health as sealed for 5 minutes.",
                    metrics.metric(MetricName.SEALED_NODES, "Maximum"), ComparisonOperator.GREATER_THAN_THRESHOLD, 0,
                    5, 5, TreatMissingData.MISSING);
        }
        // Security: what a new client would see of each node's certificate, the unseal key's state, and whether a
        // cluster deployed for its first initialization (initCidrs) has been initialized.
        String system = config.consul() ? "Consul" : "Vault";
        alarm("TlsFailures", "tls-failures", RunbookSection.TLS_FAILURES,
                "A " + system + " server answered TCP but a new client could not verify its certificate (expired, "
                        + "wrong CA or wrong name) in 2 of the last 3 minutes: new clients and joining servers fail.",
                metrics.metric(MetricName.TLS_FAILURES, "Maximum"),
                ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, 1, 3, 2, TreatMissingData.NOT_BREACHING);
        alarm("CertificateExpiry", "certificate-expiry", RunbookSection.CERTIFICATE_EXPIRY,
                "A " + system + " server's certificate expires in less than " + CERTIFICATE_RENEW_DAYS
                        + " days: issue a new one and roll it out.",
                metrics.metric(MetricName.CERTIFICATE_DAYS_LEFT, "Minimum", Duration.minutes(15)),
                ComparisonOperator.LESS_THAN_THRESHOLD, CERTIFICATE_RENEW_DAYS, 1, 1, TreatMissingData.MISSING);
        if (automation.watchesUnsealKey()) {
            // Missing data is breaching: the publisher reads the key every minute, so silence means it could not
            // (DescribeKey denied: the key policy changed) or did not run, and nobody can vouch for the key then.
            alarm("UnsealKeyUnusable", "unseal-key-unusable", RunbookSection.UNSEAL_KEY_UNUSABLE,
                    "The unseal KMS key is not Enabled (disabled, pending deletion...) or its state could not be read, "
                            + "in 2 of the last 3 minutes: a Vault node that restarts or launches stays sealed.",
                    metrics.metric(MetricName.UNSEAL_KEY_USABLE, "Minimum"), ComparisonOperator.LESS_THAN_THRESHOLD,
                    1, 3, 2, TreatMissingData.BREACHING);
        }
        if (config.initWindow()) {
            alarm("InitializedDuringInitWindow", "initialized-during-init-window",
                    RunbookSection.INITIALIZED_DURING_INIT_WINDOW,
                    "The cluster is initialized while the stack still admits only " + ClusterConfig.INIT_CIDRS
                            + ": if you just ran vault operator init, deploy again without " + ClusterConfig.INIT_CIDRS
                            + "; if you did not, someone else holds the root token: rebuild the cluster.",
                    metrics.metric(MetricName.CLUSTER_INITIALIZED, "Maximum"),
                    ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, 1, 1, 1, TreatMissingData.NOT_BREACHING);
        }
        // Capacity vs peers
        int staleMinutes = Math.min(1440, Math.max(10, config.staleGraceSeconds() / 60 + 5));
        alarm("StalePeers", "stale-peers", RunbookSection.STALE_PEERS,
                "A Raft peer without a running instance for " + staleMinutes + " minutes (the reconciler's grace "
                        + "is " + config.staleGraceSeconds() + " s): it inflates the quorum.",
                metrics.metric(MetricName.STALE_PEERS, "Maximum"), ComparisonOperator.GREATER_THAN_THRESHOLD, 0,
                staleMinutes, staleMinutes, TreatMissingData.MISSING);
        alarm("MissingPeers", "missing-peers", RunbookSection.MISSING_PEERS,
                "A running, initialized instance has not been in the Raft configuration for 10 minutes.",
                metrics.metric(MetricName.MISSING_PEERS, "Maximum"), ComparisonOperator.GREATER_THAN_THRESHOLD, 0,
                10, 10, TreatMissingData.MISSING);
        // A roll that stopped: more than one server version, or instances on another launch template version than their
        // group's, for longer than a roll takes. The publisher's silence is publisher-not-reporting's, not this one's.
        MathExpression mixed = MathExpression.Builder.create()
                .expression("MAX([FILL(versions, 1) - 1, FILL(outdated, 0)])")
                .usingMetrics(Map.of(
                        "versions", metrics.metric(MetricName.VERSION_COUNT, "Maximum", Duration.minutes(15)),
                        "outdated", metrics.metric(MetricName.OUTDATED_INSTANCES, "Maximum", Duration.minutes(15))))
                .period(Duration.minutes(15))
                .label("server versions beyond one, or outdated instances")
                .build();
        alarm("RollStopped", "roll-stopped", RunbookSection.ROLL_STOPPED,
                "Servers have run on different versions (builds, or launch template versions against their group's) for "
                        + ROLL_STOPPED_HOURS + " hours: a roll stopped half-way, the groups point at a new version and no "
                        + "roll was started, or an instance was launched outside one. Run (or resume) "
                        + "scripts/rolling-upgrade.",
                mixed, ComparisonOperator.GREATER_THAN_THRESHOLD, 0, ROLL_STOPPED_HOURS * 4, ROLL_STOPPED_HOURS * 4,
                TreatMissingData.NOT_BREACHING);
        // Lifecycle automation
        LifecycleAutomation.Handler publisher = automation.publisher();
        MathExpression successfulRuns = MathExpression.Builder.create()
                .expression("FILL(invocations, 0) - FILL(errors, 0)")
                .usingMetrics(Map.of(
                        "invocations", publisher.function().metricInvocations(),
                        "errors", publisher.function().metricErrors()))
                .period(Duration.minutes(1))
                .label("successful publisher runs")
                .build();
        alarm("PublisherNotReporting", "publisher-not-reporting", RunbookSection.PUBLISHER_NOT_REPORTING,
                "The health publisher completed no run in 4 of the last 5 minutes: every cluster metric is stale.",
                // 4 of 5 rather than 3 of 3: Lambda's own metrics can arrive a minute late.
                successfulRuns, ComparisonOperator.LESS_THAN_THRESHOLD, 1, 5, 4, TreatMissingData.BREACHING);
        for (LifecycleAutomation.Handler handler : List.of(automation.terminating(), automation.launching(),
                automation.reconciler(), automation.interruption())) {
            String which = handler == automation.terminating() ? "terminating"
                    : handler == automation.launching() ? "launching"
                    : handler == automation.reconciler() ? "reconciler" : "interruption";
            alarm(capitalize(which) + "HandlerErrors", which + "-handler-errors", RunbookSection.HANDLER_ERRORS,
                    "The " + which + " handler failed (an exception or timeout, not a decision) in the last 5 minutes.",
                    handler.function().metricErrors(metricOptions(Duration.minutes(5), "Sum")),
                    ComparisonOperator.GREATER_THAN_THRESHOLD, 0, 1, 1, TreatMissingData.NOT_BREACHING);
        }
        alarm("DeadLetters", "lifecycle-dead-letters", RunbookSection.DEAD_LETTERS,
                "A lifecycle event could not be handled after its retries and is waiting in the dead-letter queue.",
                automation.lifecycleDeadLetters().metricApproximateNumberOfMessagesVisible(
                        metricOptions(Duration.minutes(5), "Maximum")),
                ComparisonOperator.GREATER_THAN_THRESHOLD, 0, 1, 1, TreatMissingData.NOT_BREACHING);
        alarm("InterruptionPeerKept", "interruption-peer-kept", RunbookSection.INTERRUPTION_PEER_KEPT,
                "A Spot interruption warning came for a cluster instance whose peer could not be removed safely "
                        + "before it dies: the cluster is about to lose that voter with no replacement in Raft yet.",
                metrics.metric(MetricName.INTERRUPTION_PEER_KEPT, "Sum"), ComparisonOperator.GREATER_THAN_THRESHOLD, 0,
                1, 1, TreatMissingData.NOT_BREACHING);
        // One can be a genuine event that AWS's describe calls did not show in time; three within 15 minutes are a
        // misrouted rule, a replay, or somebody invoking the functions with made-up events.
        alarm("ClaimsNotConfirmed", "claims-not-confirmed", RunbookSection.CLAIMS_NOT_CONFIRMED,
                "Events whose claim AWS did not confirm (or from another account, or none): nothing was changed, but "
                        + "something is sending the functions events that are not true.",
                metrics.metric(MetricName.CLAIMS_NOT_CONFIRMED, "Sum", Duration.minutes(15)),
                ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, CLAIMS_NOT_CONFIRMED_BURST, 1, 1,
                TreatMissingData.NOT_BREACHING);
        alarm("LifecycleAbandon", "lifecycle-abandon", RunbookSection.LIFECYCLE_ABANDON,
                "A lifecycle handler completed an action with ABANDON: a launch was rejected or a terminating "
                        + "instance is retained for an operator.",
                metrics.metric(MetricName.LIFECYCLE_ABANDON, "Sum"), ComparisonOperator.GREATER_THAN_THRESHOLD, 0,
                1, 1, TreatMissingData.NOT_BREACHING);
        // The handlers remove no peer while a group lacks the retain policy: an ABANDONed terminate hook would not keep
        // the instance for an operator. In the rolling-upgrade gate: a roll would terminate servers whose peers the
        // handlers then leave in Raft. On a stack that builds its groups it fires only if someone removed the policy.
        alarm("GroupsWithoutRetainPolicy", RETAIN_POLICY_ALARM, RunbookSection.GROUPS_WITHOUT_RETAIN_POLICY,
                "A group of the cluster does not retain an instance whose terminate hook was abandoned (its instance "
                        + "lifecycle policy lacks TerminateHookAbandon=retain) in 2 of the last 3 minutes: the handlers "
                        + "remove no Raft peer until every group has it.",
                metrics.metric(MetricName.GROUPS_WITHOUT_RETAIN_POLICY, "Maximum"),
                ComparisonOperator.GREATER_THAN_THRESHOLD, 0, 3, 2, TreatMissingData.MISSING);
        // Over the last 60 minutes, sliding (a one-hour period would count clock hours): minutes with an election.
        alarm("LeaderChanges", "leader-changes", RunbookSection.LEADER_CHANGES,
                "Leader elections in more than " + LEADER_CHANGES_PER_HOUR + " of the last 60 minutes: leadership is "
                        + "flapping, and every change stalls writes.",
                metrics.metric(MetricName.LEADER_CHANGES, "Sum"),
                ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, 1, 60, LEADER_CHANGES_PER_HOUR + 1,
                TreatMissingData.NOT_BREACHING);

        // The SLOs are measured by the publisher's canary, which is Vault's (KV reads and writes) through the load
        // balancer: none for Consul yet, none for an adopted cluster (no load balancer of the stack's).
        if (automation.hasCanary()) {
            for (ServiceLevelObjective slo : objectives()) {
                burnRateAlarms(slo);
            }
        }
        // Snapshots. Missing data is breaching: the publisher reports the age every minute, so silence means it could
        // not list the bucket, found no snapshot at all, or did not run. With no schedule (snapshotIntervalMinutes 0)
        // there is no age to expect, and no alarm. In the rolling-upgrade gate on purpose: a roll is the riskiest
        // planned change, and it should not start without a recent restore point (take one on demand, then roll).
        if (config.scheduledSnapshots()) {
            int interval = config.snapshotIntervalMinutes();
            alarm("SnapshotAge", "snapshot-age", RunbookSection.SNAPSHOT_AGE,
                    "The newest Raft snapshot is older than " + SNAPSHOT_AGE_INTERVALS + " snapshot intervals ("
                            + SNAPSHOT_AGE_INTERVALS + " x " + interval + " minutes), or its age was not reported, in 2 "
                            + "of the last 3 periods of 5 minutes: a lost quorum now would lose more than planned.",
                    metrics.metric(MetricName.SNAPSHOT_AGE_SECONDS, "Minimum", SNAPSHOT_AGE_PERIOD),
                    ComparisonOperator.GREATER_THAN_THRESHOLD, snapshotAgeThresholdSeconds(config), 3, 2,
                    TreatMissingData.BREACHING);
        }
        this.dashboard = dashboard(automation, props.snapshots());
    }

    /**
     * The SLOs from the product brief ("as a Vault user, I need to read my credentials"), on what a client sees: the
     * publisher's canary through the load balancer, one read and one write a minute. A minute is bad when one of its
     * operations failed (availability) or took longer than the latency objective (latency). Counting minutes rather
     * than operations errs on the strict side: a minute with one of its two operations bad counts whole.
     */
    public List<ServiceLevelObjective> objectives() {
        MathExpression slowest = MathExpression.Builder.create()
                .expression("MAX([canaryRead, canaryWrite])")
                .usingMetrics(Map.of(
                        "canaryRead", metrics.metric(MetricName.CANARY_READ_MS, "Maximum"),
                        "canaryWrite", metrics.metric(MetricName.CANARY_WRITE_MS, "Maximum")))
                .period(ClusterMetrics.PERIOD)
                .build();
        return List.of(
                new ServiceLevelObjective("availability",
                        "the canary's read and write through the load balancer succeed within "
                                + Defaults.CANARY_TIMEOUT_MS + " ms in 99.9% of minutes (no canary data counts as bad)",
                        99.9, metrics.metric(MetricName.CANARY_SUCCESS, "Minimum"),
                        ComparisonOperator.LESS_THAN_THRESHOLD, 1, TreatMissingData.BREACHING,
                        RunbookSection.AVAILABILITY_BURN),
                new ServiceLevelObjective("latency",
                        "the canary's read and write answer within " + Defaults.CANARY_LATENCY_OBJECTIVE_MS
                                + " ms in 99% of minutes (failed operations count against availability)",
                        99.0, slowest, ComparisonOperator.GREATER_THAN_THRESHOLD,
                        Defaults.CANARY_LATENCY_OBJECTIVE_MS, TreatMissingData.NOT_BREACHING,
                        RunbookSection.LATENCY_BURN));
    }

    private void burnRateAlarms(ServiceLevelObjective slo) {
        for (ServiceLevelObjective.BurnWindow window : ServiceLevelObjective.WINDOWS) {
            String base = capitalize(slo.name()) + capitalize(window.speed()) + "Burn";
            String summary = "SLO " + slo.name() + " (" + slo.description() + "): error budget burning "
                    + window.burnRate() + "x too fast";
            Alarm longWindow = windowAlarm(slo, base + "Long", window.longMinutes(), window.burnRate(), summary);
            Alarm shortWindow = windowAlarm(slo, base + "Short", window.shortMinutes(), window.burnRate(), summary);
            String compositeName = config.clusterName() + "-" + slo.name() + "-slo-" + window.speed() + "-burn";
            gateAlarmNames.add(compositeName);
            CompositeAlarm composite = CompositeAlarm.Builder.create(this, base)
                    .compositeAlarmName(compositeName)
                    .alarmDescription(summary + " over both " + window.longMinutes() + " and "
                            + window.shortMinutes() + " minutes. " + slo.runbook().reference())
                    .alarmRule(AlarmRule.allOf(
                            AlarmRule.fromAlarm(longWindow, AlarmState.ALARM),
                            AlarmRule.fromAlarm(shortWindow, AlarmState.ALARM)))
                    .build();
            composite.addAlarmAction(notify);
            composite.addOkAction(notify);
            compositeAlarms.add(composite);
        }
    }

    /** A component of a burn-rate composite: no actions of its own (the composite notifies). */
    private Alarm windowAlarm(ServiceLevelObjective slo, String id, int minutes, double burnRate, String summary) {
        int bad = slo.badMinutesToAlarm(minutes, burnRate);
        Alarm alarm = Alarm.Builder.create(this, id)
                .alarmName(config.clusterName() + "-" + slo.name() + "-slo-" + minutes + "m")
                .alarmDescription(summary + ": " + bad + " bad of the last " + minutes + " minutes. "
                        + slo.runbook().reference())
                .metric(slo.badMinute())
                .comparisonOperator(slo.comparison())
                .threshold(slo.threshold())
                .evaluationPeriods(minutes)
                .datapointsToAlarm(bad)
                .treatMissingData(slo.missingData())
                .build();
        burnRateComponents.add(alarm);
        return alarm;
    }

    private Alarm alarm(String id, String name, RunbookSection runbook, String summary, IMetric metric,
            ComparisonOperator comparison, double threshold, int evaluationPeriods, int datapointsToAlarm,
            TreatMissingData missingData) {
        if (!REMEDIED_BY_A_ROLL.contains(name)) {
            gateAlarmNames.add(config.clusterName() + "-" + name);
        }
        Alarm alarm = Alarm.Builder.create(this, id)
                .alarmName(config.clusterName() + "-" + name)
                .alarmDescription(summary + " " + runbook.reference())
                .metric(metric)
                .comparisonOperator(comparison)
                .threshold(threshold)
                .evaluationPeriods(evaluationPeriods)
                .datapointsToAlarm(datapointsToAlarm)
                .treatMissingData(missingData)
                .build();
        alarm.addAlarmAction(notify);
        alarm.addOkAction(notify);
        alarms.add(alarm);
        return alarm;
    }

    private ITopic newTopic() {
        // CloudWatch cannot publish to a topic encrypted with the AWS managed SNS key: a key of our own that lets
        // the CloudWatch service use it for this account's alarms.
        Key key = Key.Builder.create(this, "AlarmTopicKey")
                .description("raft-lifecycle " + config.clusterName() + ": encrypts the alarm topic")
                .enableKeyRotation(true)
                .removalPolicy(RemovalPolicy.DESTROY)
                .pendingWindow(Duration.days(7))
                .build();
        key.addToResourcePolicy(PolicyStatement.Builder.create()
                .sid("CloudWatchAlarmsPublish")
                .principals(List.of(new ServicePrincipal("cloudwatch.amazonaws.com")))
                .actions(List.of("kms:Decrypt", "kms:GenerateDataKey*"))
                .resources(List.of("*"))
                .conditions(Map.of("StringEquals", Map.of("aws:SourceAccount",
                        Aws.ACCOUNT_ID)))
                .build());
        Topic created = Topic.Builder.create(this, "AlarmTopic")
                .displayName("raft-lifecycle " + config.clusterName() + " alarms")
                .masterKey(key)
                .enforceSsl(true)
                .build();
        config.alarmEmail().ifPresent(email -> created.addSubscription(new EmailSubscription(email)));
        return created;
    }

    private static MetricOptions metricOptions(Duration period, String statistic) {
        return MetricOptions.builder()
                .period(period)
                .statistic(statistic)
                .build();
    }

    private static String capitalize(String word) {
        return Character.toUpperCase(word.charAt(0)) + word.substring(1);
    }

    /** SnapshotAgeSeconds above which snapshot-age fires: two intervals. */
    public static int snapshotAgeThresholdSeconds(ClusterConfig config) {
        return SNAPSHOT_AGE_INTERVALS * config.snapshotIntervalMinutes() * 60;
    }

    private Dashboard dashboard(LifecycleAutomation automation, Snapshots snapshots) {
        List<List<IWidget>> rows = new ArrayList<>();
        rows.add(List.of(text("# raft-lifecycle: " + config.clusterName() + "\n"
                + (config.consul() ? "Consul server" : "Vault Raft") + " cluster "
                + (config.adopted() ? "adopted in its existing Auto Scaling groups (" + String.join(", ", config.groupNames())
                        + "): this stack added the automation beside it"
                        : "of " + config.totalServers() + " servers in three Auto Scaling groups ("
                                + String.join(", ", config.groupNames()) + ")")
                + (config.shadow() ? ". **Shadow mode**: the handlers decide and log, and change nothing (see Shadow "
                        + "decisions below)" : "") + ". Every alarm's description names its section in "
                + "RUNBOOK.md. Cluster metrics come from the health publisher once a minute; lifecycle metrics from "
                + "the handlers as they act.", 24, 3)));
        rows.add(List.of(AlarmStatusWidget.Builder.create().title("Alarms").alarms(new ArrayList<IAlarm>(alarms))
                .width(24).height(4).build()));

        rows.add(List.of(text("## Consensus\n"
                + "Is there a leader, and how many voters can fail before quorum is lost? **Healthy:** LeaderPresent "
                + "1 every minute; FailureTolerance at least 1 (" + (config.adopted() ? "(voters - 1) / 2"
                        : (config.voters() - 1) / 2 + " for " + config.voters() + " voters")
                + "); HealthyVoters = Voters; largest follower last contact under 200 ms, "
                + "the leader's commit time in tens of milliseconds at most, and index lag near 0. Leader changes "
                + "should be rare (about daily at most).", 24, 2)));
        rows.add(List.of(
                graph("Leader present, failure tolerance, autopilot healthy", List.of(
                        metrics.metric(MetricName.LEADER_PRESENT, "Minimum"),
                        metrics.metric(MetricName.FAILURE_TOLERANCE, "Minimum"),
                        metrics.metric(MetricName.AUTOPILOT_HEALTHY, "Minimum")), List.of()),
                graph("Voters", List.of(
                        metrics.metric(MetricName.VOTERS, "Maximum"),
                        metrics.metric(MetricName.HEALTHY_VOTERS, "Minimum"),
                        metrics.metric(MetricName.NON_VOTERS, "Maximum")), List.of()),
                graph("Follower last contact (ms), leader commit time (ms), index lag", List.of(
                        metrics.metric(MetricName.MAX_LAST_CONTACT_MS, "Maximum"),
                        metrics.metric(MetricName.RAFT_COMMIT_TIME_MS, "Maximum"),
                        metrics.metric(MetricName.MAX_INDEX_LAG, "Maximum")),
                        List.of(HorizontalAnnotation.builder().value(200).label("200 ms").build()))));

        if (config.consul()) {
            rows.add(List.of(text("## Servers\n"
                    + "Does every server answer, and are they on one version? **Healthy:** 0 not bootstrapped (a "
                    + "server that knows no leader and no Raft peers: only before the first election of a new cluster), "
                    + "0 unreachable, one Consul version (two only during a rolling upgrade). Consul has no seal.",
                    24, 2)));
            rows.add(List.of(
                    graph("Not bootstrapped and unreachable servers", List.of(
                            metrics.metric(MetricName.UNINITIALIZED_NODES, "Maximum"),
                            metrics.metric(MetricName.UNREACHABLE_NODES, "Maximum")), List.of()),
                    graph("Consul versions answering, outdated instances", List.of(
                            metrics.metric(MetricName.VERSION_COUNT, "Maximum"),
                            metrics.metric(MetricName.OUTDATED_INSTANCES, "Maximum")), List.of()),
                    graph("Leader changes per hour", List.of(
                            metrics.metric(MetricName.LEADER_CHANGES, "Sum", Duration.hours(1))),
                            List.of(HorizontalAnnotation.builder().value(LEADER_CHANGES_PER_HOUR)
                                    .label("alarm above " + LEADER_CHANGES_PER_HOUR).build()))));
        } else {
            rows.add(List.of(text("## Seal\n"
                    + (config.adopted() ? "Is every node unsealed? **Healthy:**"
                            : "Can every node decrypt its data with the KMS unseal key? **Healthy:**")
                    + " 0 sealed, 0 uninitialized (after the first `vault operator init`), 0 unreachable, one Vault "
                    + "version (two only during a rolling upgrade)."
                    + (config.adopted() ? "" : " A sealed node usually means KMS access or the key policy broke."),
                    24, 2)));
            rows.add(List.of(
                    graph("Sealed, uninitialized, unreachable nodes", List.of(
                            metrics.metric(MetricName.SEALED_NODES, "Maximum"),
                            metrics.metric(MetricName.UNINITIALIZED_NODES, "Maximum"),
                            metrics.metric(MetricName.UNREACHABLE_NODES, "Maximum")), List.of()),
                    graph("Vault versions answering, outdated instances", List.of(
                            metrics.metric(MetricName.VERSION_COUNT, "Maximum"),
                            metrics.metric(MetricName.OUTDATED_INSTANCES, "Maximum")), List.of())));
        }

        rows.add(List.of(text("## Security\n"
                + "Can a new client verify every server's certificate, how long until one expires"
                + (automation.watchesUnsealKey() ? ", is the unseal key usable" : "")
                + ", and is the cluster initialized? **Healthy:** 0 TLS failures; certificate days left well above "
                + CERTIFICATE_RENEW_DAYS + (automation.watchesUnsealKey() ? "; unseal key usable 1" : "")
                + "; initialized 1 once the operator has initialized the cluster"
                + (config.initWindow() ? " (this stack admits only " + ClusterConfig.INIT_CIDRS + ": deploy without "
                        + "them once it is 1)" : "") + ".", 24, 2)));
        List<IMetric> keyAndInit = new ArrayList<>();
        if (automation.watchesUnsealKey()) {
            keyAndInit.add(metrics.metric(MetricName.UNSEAL_KEY_USABLE, "Minimum"));
        }
        keyAndInit.add(metrics.metric(MetricName.CLUSTER_INITIALIZED, "Maximum"));
        rows.add(List.of(
                graph("Servers whose certificate a new client cannot verify", List.of(
                        metrics.metric(MetricName.TLS_FAILURES, "Maximum")), List.of()),
                graph("Fewest days left on a server certificate", List.of(
                        metrics.metric(MetricName.CERTIFICATE_DAYS_LEFT, "Minimum")),
                        List.of(HorizontalAnnotation.builder().value(CERTIFICATE_RENEW_DAYS)
                                .label("alarm below " + CERTIFICATE_RENEW_DAYS).build())),
                graph(automation.watchesUnsealKey() ? "Unseal key usable, cluster initialized" : "Cluster initialized",
                        keyAndInit, List.of())));

        rows.add(List.of(text("## Lifecycle automation\n"
                + "The Lambdas that remove terminating peers and admit launching ones. **Healthy:** every lifecycle "
                + "action CONTINUE, no ABANDON, no handler errors, an empty dead-letter queue, decisions well "
                + "within the hooks' heartbeat timeouts (terminate " + ServerGroups.TERMINATE_HOOK_HEARTBEAT_SECONDS
                + " s, launch " + ServerGroups.LAUNCH_HOOK_HEARTBEAT_SECONDS + " s).", 24, 2)));
        List<IMetric> lambdaHealth = new ArrayList<>();
        for (LifecycleAutomation.Handler h : automation.handlers()) {
            lambdaHealth.add(h.function().metricErrors(metricOptions(Duration.minutes(1), "Sum")));
            lambdaHealth.add(h.function().metricThrottles(metricOptions(Duration.minutes(1), "Sum")));
        }
        lambdaHealth.add(automation.lifecycleDeadLetters().metricApproximateNumberOfMessagesVisible(
                metricOptions(Duration.minutes(5), "Maximum")));
        rows.add(List.of(
                graph("Lifecycle actions and peer removals", List.of(
                        metrics.metric(MetricName.LIFECYCLE_CONTINUE, "Sum"),
                        metrics.metric(MetricName.LIFECYCLE_ABANDON, "Sum"),
                        metrics.metric(MetricName.PEER_REMOVED, "Sum"),
                        metrics.metric(MetricName.STALE_PEERS_REMOVED, "Sum")), List.of()),
                graph("Events whose claim AWS did not confirm", List.of(
                        metrics.metric(MetricName.CLAIMS_NOT_CONFIRMED, "Sum")), List.of()),
                graph("Decision latency (ms)", List.of(
                        metrics.metric(MetricName.DECISION_LATENCY_MS, "p50"),
                        metrics.metric(MetricName.DECISION_LATENCY_MS, "p99")), List.of()),
                graph("Handler errors, throttles, dead letters", lambdaHealth, List.of())));
        rows.add(List.of(text("## Beyond the hooks\n"
                + "Instances that die without a lifecycle hook: Spot interruptions (two minutes' notice), rebalance "
                + "recommendations, hosts that fail, EC2 API terminations. **Healthy:** every interruption warning's "
                + "peer removed before the instance dies (InterruptionPeerKept 0); a dead instance's peer removed "
                + "within seconds of its state change (StalePeersRemoved with no StalePeers left on the Capacity "
                + "graphs).", 24, 2)));
        rows.add(List.of(
                graph("Spot interruption warnings and rebalance recommendations", List.of(
                        metrics.metric(MetricName.INTERRUPTION_WARNINGS, "Sum"),
                        metrics.metric(MetricName.INTERRUPTION_PEER_KEPT, "Sum"),
                        metrics.metric(MetricName.REBALANCE_RECOMMENDATIONS, "Sum")), List.of())));

        rows.add(List.of(text("## Shadow decisions\n"
                + (config.shadow() ? "This stack runs in **shadow mode** (context shadow=true)"
                        : "With context shadow=true the handlers run in shadow mode")
                + ": they observe and decide as usual, change nothing (no peer removed, no step-down, every lifecycle "
                + "action completed CONTINUE at once) and count what they would have done, by the active mode's "
                + "reason. Watch a week of these before turning shadow off (a deploy). The handlers remove nothing "
                + "either while a group lacks the retain policy (TerminateHookAbandon=retain). **Healthy:** a "
                + "WouldRemove only for servers your groups terminated (one termination is counted by the terminating "
                + "handler and again by EC2's state changes, and its peer, which shadow mode leaves, as a stale peer "
                + "every minute: read the decision lines, RUNBOOK shadow-mode), WouldAbandon only where you agree with "
                + "the reason; GroupsWithoutRetainPolicy 0.", 24, 2)));
        List<IMetric> shadowTotals = new ArrayList<>();
        SHADOW_METRICS.forEach(m -> shadowTotals.add(metrics.metric(m, "Sum", Duration.minutes(5))));
        rows.add(List.of(
                graph("What shadow mode would have done", shadowTotals, List.of()),
                graph("Shadow decisions by reason", List.of(
                        metrics.byReason(SHADOW_METRICS, "Sum", Duration.minutes(5))), List.of()),
                graph("Groups without the retain policy", List.of(
                        metrics.metric(MetricName.GROUPS_WITHOUT_RETAIN_POLICY, "Maximum")), List.of())));

        rows.add(List.of(text("## Snapshots\n"
                + "Raft snapshots in the snapshot bucket, the only way back after a lost quorum. **Healthy:** the newest "
                + "snapshot's age stays below " + (config.scheduledSnapshots()
                        ? "one interval (" + config.snapshotIntervalMinutes() + " minutes; the alarm fires above "
                                + SNAPSHOT_AGE_INTERVALS + " intervals)"
                        : "what you expect of your on-demand snapshots (no schedule: snapshotIntervalMinutes is 0)")
                + "; sizes grow slowly with the data; durations well below the function's " + Snapshots.TIMEOUT_SECONDS
                + " s timeout; no runs that took none (SnapshotsNotTaken, by Reason) and no snapshot function errors.",
                24, 2)));
        List<HorizontalAnnotation> ageAnnotations = config.scheduledSnapshots()
                ? List.of(HorizontalAnnotation.builder().value(snapshotAgeThresholdSeconds(config))
                        .label("alarm above " + snapshotAgeThresholdSeconds(config) + " s").build())
                : List.of();
        LifecycleAutomation.Handler snapshotFunction = snapshots.function();
        rows.add(List.of(
                graph("Newest snapshot's age (s)", List.of(
                        metrics.metric(MetricName.SNAPSHOT_AGE_SECONDS, "Minimum")), ageAnnotations),
                graph("Snapshot size (bytes) and duration (ms)", List.of(
                        metrics.metric(MetricName.SNAPSHOT_BYTES, "Maximum", Duration.minutes(5)),
                        metrics.metric(MetricName.SNAPSHOT_DURATION_MS, "Maximum", Duration.minutes(5))), List.of()),
                graph("Snapshots not taken, snapshot function errors", List.of(
                        metrics.metric(MetricName.SNAPSHOTS_NOT_TAKEN, "Sum", Duration.minutes(5)),
                        snapshotFunction.function().metricErrors(metricOptions(Duration.minutes(5), "Sum")),
                        snapshotFunction.function().metricThrottles(metricOptions(Duration.minutes(5), "Sum"))),
                        List.of())));

        rows.add(List.of(text("## Capacity vs peers\n"
                + "Do the Raft peers match the running instances? **Healthy:** RaftPeers = ExpectedServers"
                + (config.adopted() ? "" : " = " + config.totalServers())
                + "; no stale peers (a peer without an instance inflates the quorum) and "
                + "no missing peers (an instance that never joined); each group InService = "
                + (config.adopted() ? "its desired capacity (the graph needs the groups' metrics collection enabled)"
                        : String.valueOf(config.nodesPerAz()))
                + ". During a rolling upgrade a group briefly runs one extra instance.", 24, 2)));
        rows.add(List.of(
                graph("Peers vs expected servers", List.of(
                        metrics.metric(MetricName.RAFT_PEERS, "Maximum"),
                        metrics.metric(MetricName.EXPECTED_SERVERS, "Maximum")), List.of()),
                graph("Stale and missing peers", List.of(
                        metrics.metric(MetricName.STALE_PEERS, "Maximum"),
                        metrics.metric(MetricName.MISSING_PEERS, "Maximum")), List.of()),
                graph("InService instances per group", config.groupNames().stream()
                        .map(group -> (IMetric) Metric.Builder.create()
                                .namespace("AWS/AutoScaling")
                                .metricName("GroupInServiceInstances")
                                .dimensionsMap(Map.of("AutoScalingGroupName", group))
                                .statistic("Minimum")
                                .period(Duration.minutes(1))
                                .label(group)
                                .build())
                        .toList(), List.of())));

        if (!automation.hasCanary()) {
            return Dashboard.Builder.create(this, "Dashboard")
                    .dashboardName(dashboardName(config))
                    .widgets(rows)
                    .build();
        }
        rows.add(List.of(text("## Service level objectives\n"
                + "What a client sees: every minute the publisher's canary reads a secret and writes a value through "
                + "the load balancer, as a client does. Availability: " + objectives().get(0).description()
                + ". Latency: " + objectives().get(1).description() + ". Burn-rate alerts fire when the 30-day error "
                + "budget burns 14.4x too fast over an hour (and the last 5 minutes) or 6x over six hours (and the "
                + "last 30 minutes). Compliance below is by operation (availability) and by answer (latency). "
                + "**Healthy:** all OK, canary success 1, both latencies well under " + Defaults.CANARY_LATENCY_OBJECTIVE_MS
                + " ms, at most about one leader change a day. Replication lag (follower last contact) is a "
                + "diagnostic on the Consensus graphs, not an SLO.", 24, 3)));
        rows.add(List.of(AlarmStatusWidget.Builder.create().title("SLO burn rates")
                .alarms(new ArrayList<IAlarm>(compositeAlarms)).width(24).height(3).build()));
        rows.add(List.of(
                graph("Canary success (fraction of operations)", List.of(
                        metrics.metric(MetricName.CANARY_SUCCESS, "Average")), List.of()),
                graph("Canary latency through the load balancer (ms)", List.of(
                        metrics.metric(MetricName.CANARY_READ_MS, "Maximum"),
                        metrics.metric(MetricName.CANARY_WRITE_MS, "Maximum")),
                        List.of(HorizontalAnnotation.builder().value(Defaults.CANARY_LATENCY_OBJECTIVE_MS)
                                .label(Defaults.CANARY_LATENCY_OBJECTIVE_MS + " ms objective").build())),
                graph("Leader changes per hour", List.of(
                        metrics.metric(MetricName.LEADER_CHANGES, "Sum", Duration.hours(1))),
                        List.of(HorizontalAnnotation.builder().value(LEADER_CHANGES_PER_HOUR)
                                .label("alarm above " + LEADER_CHANGES_PER_HOUR).build()))));
        List<IWidget> compliance = new ArrayList<>();
        for (int days : COMPLIANCE_WINDOWS_DAYS) {
            compliance.add(complianceWidget(objectives().get(0), days, availabilityCompliance(days)));
            compliance.add(complianceWidget(objectives().get(1), days, latencyCompliance(days)));
        }
        rows.add(compliance);

        return Dashboard.Builder.create(this, "Dashboard")
                .dashboardName(dashboardName(config))
                .widgets(rows)
                .build();
    }

    /** The windows over which the dashboard shows SLO compliance and the error budget left. */
    public static final List<Integer> COMPLIANCE_WINDOWS_DAYS = List.of(7, 30);

    /** Percent of canary operations that succeeded (CanarySuccess has one datum per operation). */
    private Map<String, IMetric> availabilityCompliance(int days) {
        return Map.of("good", metrics.metric(MetricName.CANARY_SUCCESS, "Average", Duration.days(days)));
    }

    /** Percent of successful canary answers within the latency objective (percentile rank), reads and writes alike. */
    private Map<String, IMetric> latencyCompliance(int days) {
        String rank = "PR(:" + Defaults.CANARY_LATENCY_OBJECTIVE_MS + ")";
        return Map.of("reads", metrics.metric(MetricName.CANARY_READ_MS, rank, Duration.days(days)),
                "writes", metrics.metric(MetricName.CANARY_WRITE_MS, rank, Duration.days(days)));
    }

    /** Compliance and error budget left over the last {@code days}, one number each over the whole window. */
    private IWidget complianceWidget(ServiceLevelObjective slo, int days, Map<String, IMetric> inputs) {
        String percent = inputs.containsKey("good") ? "100 * good" : "(reads + writes) / 2";
        String budgetPercent = java.math.BigDecimal.valueOf(100).subtract(java.math.BigDecimal.valueOf(slo.objectivePercent()))
                .stripTrailingZeros().toPlainString();
        MathExpression compliance = MathExpression.Builder.create()
                .expression(percent)
                .usingMetrics(inputs)
                .period(Duration.days(days))
                .label(slo.name() + " compliance, % (objective " + slo.objectivePercent() + ")")
                .build();
        MathExpression budgetLeft = MathExpression.Builder.create()
                .expression("100 * (1 - (100 - (" + percent + ")) / " + budgetPercent + ")")
                .usingMetrics(inputs)
                .period(Duration.days(days))
                .label(slo.name() + " error budget left, %")
                .build();
        return SingleValueWidget.Builder.create()
                .title(capitalize(slo.name()) + " SLO, last " + days + " days")
                .metrics(List.of(compliance, budgetLeft))
                .start("-P" + days + "D")
                .setPeriodToTimeRange(true)
                .fullPrecision(true)
                .width(6)
                .height(3)
                .build();
    }

    private static TextWidget text(String markdown, int width, int height) {
        return TextWidget.Builder.create().markdown(markdown).width(width).height(height).build();
    }

    private static GraphWidget graph(String title, List<IMetric> left, List<HorizontalAnnotation> annotations) {
        return GraphWidget.Builder.create()
                .title(title)
                .left(left)
                .leftAnnotations(annotations)
                .leftYAxis(YAxisProps.builder().min(0).build())
                .width(8)
                .height(6)
                .build();
    }

    public ITopic topic() {
        return topic;
    }

    public List<Alarm> alarms() {
        return List.copyOf(alarms);
    }

    /** The burn-rate window alarms, which notify only through their composites. */
    public List<Alarm> burnRateComponents() {
        return List.copyOf(burnRateComponents);
    }

    public List<CompositeAlarm> compositeAlarms() {
        return List.copyOf(compositeAlarms);
    }

    /**
     * The names of the alarms that should stop a rolling upgrade while in ALARM: every alarm and composite except
     * the burn-rate windows (their composites carry the signal). Plain names, as CloudWatch knows them.
     */
    public List<String> gateAlarmNames() {
        return List.copyOf(gateAlarmNames);
    }

    /** The dashboard's name: one definition for the dashboard and the stack output. */
    public static String dashboardName(ClusterConfig config) {
        return "raft-lifecycle-" + config.clusterName();
    }

    public Dashboard dashboard() {
        return dashboard;
    }
}
