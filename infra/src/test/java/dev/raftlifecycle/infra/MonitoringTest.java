package dev.raftlifecycle.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raftlifecycle.contract.MetricName;
import dev.raftlifecycle.infra.TestStacks.Scenario;
import dev.raftlifecycle.infra.TestStacks.Synthesized;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Alarms, their runbook references and notifications, the SLO burn-rate alerts and the dashboard. */
class MonitoringTest {

    private static final Pattern REFERENCE = Pattern.compile("Runbook: RUNBOOK\\.md#([a-z0-9-]+)$");

    private final Synthesized synth = TestStacks.get(Scenario.DEFAULT);
    private final JsonNode template = synth.json();

    private Map<String, JsonNode> alarmsByName() {
        Map<String, JsonNode> byName = new HashMap<>();
        Cfn.resources(template, "AWS::CloudWatch::Alarm").values()
                .forEach(a -> byName.put(a.path("Properties").path("AlarmName").asText(), a.path("Properties")));
        return byName;
    }

    private String topic() {
        return Cfn.logicalId(synth.stack(), (software.constructs.IConstruct) synth.stack().monitoring().topic());
    }

    @Test
    void everyAlarmTheIssueAsksForExists() {
        assertThat(alarmsByName().keySet()).contains(
                "vault-no-leader", "vault-failure-tolerance", "vault-sealed-nodes", "vault-stale-peers",
                "vault-missing-peers", "vault-autopilot-unhealthy", "vault-publisher-not-reporting",
                "vault-terminating-handler-errors", "vault-launching-handler-errors", "vault-lifecycle-dead-letters",
                "vault-lifecycle-abandon", "vault-leader-changes", "vault-tls-failures", "vault-certificate-expiry",
                "vault-unseal-key-unusable");
    }

    @Test
    void theSlosAreOnTheCanaryThroughTheLoadBalancerNotOnReplicationLag() {
        Map<String, JsonNode> alarms = alarmsByName();
        JsonNode availability = alarms.get("vault-availability-slo-60m");
        assertThat(availability.path("MetricName").asText()).isEqualTo(MetricName.CANARY_SUCCESS.metricName());
        assertThat(availability.path("Statistic").asText()).isEqualTo("Minimum");
        assertThat(availability.path("ComparisonOperator").asText()).isEqualTo("LessThanThreshold");
        assertThat(availability.path("Threshold").asDouble()).isEqualTo(1.0);
        // Latency: the slower of the canary's read and write, each minute.
        JsonNode latency = alarms.get("vault-latency-slo-60m");
        assertThat(latency.has("MetricName")).isFalse();
        String queries = latency.path("Metrics").toString();
        assertThat(queries).contains("MAX([canaryRead, canaryWrite])", MetricName.CANARY_READ_MS.metricName(),
                MetricName.CANARY_WRITE_MS.metricName()).doesNotContain(MetricName.MAX_LAST_CONTACT_MS.metricName());
        assertThat(latency.path("ComparisonOperator").asText()).isEqualTo("GreaterThanThreshold");
        assertThat(latency.path("TreatMissingData").asText()).isEqualTo("notBreaching");
        for (String name : alarms.keySet()) {
            if (name.contains("-slo-")) {
                assertThat(alarms.get(name).toString()).as(name).doesNotContain(MetricName.LEADER_PRESENT.metricName(),
                        MetricName.MAX_LAST_CONTACT_MS.metricName());
            }
        }
    }

    @Test
    void leaderChangesAlarmOnMoreThanThreeMinutesWithAnElectionInTheLastSixty() {
        JsonNode alarm = alarmsByName().get("vault-leader-changes");
        assertThat(alarm.path("MetricName").asText()).isEqualTo(MetricName.LEADER_CHANGES.metricName());
        assertThat(alarm.path("Statistic").asText()).isEqualTo("Sum");
        // A sliding hour: one-minute periods, 4 of 60 (a one-hour period would count clock hours).
        assertThat(alarm.path("Period").asInt()).isEqualTo(60);
        assertThat(alarm.path("EvaluationPeriods").asInt()).isEqualTo(60);
        assertThat(alarm.path("DatapointsToAlarm").asInt()).isEqualTo(Monitoring.LEADER_CHANGES_PER_HOUR + 1);
        assertThat(alarm.path("Threshold").asDouble()).isEqualTo(1.0);
        assertThat(alarm.path("ComparisonOperator").asText()).isEqualTo("GreaterThanOrEqualToThreshold");
        assertThat(alarm.path("TreatMissingData").asText()).isEqualTo("notBreaching");
        assertThat(alarm.path("AlarmDescription").asText()).endsWith("Runbook: RUNBOOK.md#leader-changes");
    }

    @Test
    void theDashboardShowsSevenAndThirtyDayComplianceAndTheBudgetLeft() throws IOException {
        JsonNode dashboard = Cfn.resources(template, "AWS::CloudWatch::Dashboard").values().iterator().next();
        JsonNode body = new ObjectMapper().readTree(Cfn.flatten(dashboard.path("Properties").path("DashboardBody")));
        List<JsonNode> singles = new ArrayList<>();
        body.path("widgets").forEach(w -> {
            if (w.path("properties").path("view").asText().equals("singleValue")) {
                singles.add(w.path("properties"));
            }
        });
        assertThat(singles).extracting(p -> p.path("start").asText())
                .containsExactlyInAnyOrder("-P7D", "-P7D", "-P30D", "-P30D");
        assertThat(singles).allSatisfy(p -> assertThat(p.path("setPeriodToTimeRange").asBoolean()).isTrue());
        String all = singles.toString();
        assertThat(all).contains("100 * good", "PR(:500)", "error budget left",
                "100 * (1 - (100 - (100 * good)) / 0.1)", "100 * (1 - (100 - ((reads + writes) / 2)) / 1)");
    }

    @Test
    void theRollingUpgradeGateNamesEveryAlarmAndCompositeButNoBurnRateWindow() {
        List<String> gate = List.of(template.path("Outputs").path("GateAlarmNames").path("Value").asText().split(","));
        Set<String> expected = new HashSet<>();
        Set<String> windows = new HashSet<>();
        synth.stack().monitoring().burnRateComponents().forEach(a -> windows.add(
                Cfn.resource(template, Cfn.logicalId(synth.stack(), a)).path("Properties").path("AlarmName").asText()));
        alarmsByName().keySet().stream().filter(n -> !windows.contains(n))
                .filter(n -> Monitoring.REMEDIED_BY_A_ROLL.stream().noneMatch(r -> n.equals("vault-" + r)))
                .forEach(expected::add);
        // A certificate is renewed by the roll itself: those alarms exist and do not stop it.
        assertThat(alarmsByName()).containsKeys("vault-tls-failures", "vault-certificate-expiry", "vault-roll-stopped");
        assertThat(gate).doesNotContain("vault-tls-failures", "vault-certificate-expiry", "vault-roll-stopped")
                .contains("vault-unseal-key-unusable");
        Cfn.resources(template, "AWS::CloudWatch::CompositeAlarm").values()
                .forEach(c -> expected.add(c.path("Properties").path("AlarmName").asText()));
        assertThat(windows).isNotEmpty();
        assertThat(gate).containsExactlyInAnyOrderElementsOf(expected).doesNotContainAnyElementsOf(windows);
    }

    @Test
    void theReadmeCountsTheAlarmsAndMetricsThatExist() throws IOException {
        String readme = Files.readString(TestStacks.infraDir().resolve("README.md"));
        int alarms = Cfn.resources(template, "AWS::CloudWatch::Alarm").size();
        int composites = Cfn.resources(template, "AWS::CloudWatch::CompositeAlarm").size();
        int burnWindows = synth.stack().monitoring().burnRateComponents().size();
        assertThat(readme).contains(alarms + " metric alarms (" + (alarms - burnWindows) + " alarms plus "
                + burnWindows + " burn-rate windows").contains(composites + " composite alarms");
        long publisher = java.util.Arrays.stream(MetricName.values())
                .filter(m -> m.source() == MetricName.Source.PUBLISHER).count();
        long handler = MetricName.values().length - publisher;
        assertThat(readme).contains("publisher's **" + publisher + "** metrics")
                .contains("handlers' **" + handler + "**");
    }

    @Test
    void noLeaderTreatsMissingDataAsBreaching() {
        JsonNode noLeader = alarmsByName().get("vault-no-leader");
        assertThat(noLeader.path("MetricName").asText()).isEqualTo(MetricName.LEADER_PRESENT.metricName());
        assertThat(noLeader.path("ComparisonOperator").asText()).isEqualTo("LessThanThreshold");
        assertThat(noLeader.path("Threshold").asDouble()).isEqualTo(1.0);
        assertThat(noLeader.path("TreatMissingData").asText()).isEqualTo("breaching");
        assertThat(alarmsByName().get("vault-publisher-not-reporting").path("TreatMissingData").asText())
                .isEqualTo("breaching");
    }

    @Test
    void thresholdsMatchTheirIntent() {
        Map<String, JsonNode> alarms = alarmsByName();
        assertThat(alarms.get("vault-failure-tolerance").path("Threshold").asDouble()).isEqualTo(1.0);
        assertThat(alarms.get("vault-failure-tolerance").path("ComparisonOperator").asText())
                .isEqualTo("LessThanThreshold");
        for (String zeroTolerance : List.of("vault-sealed-nodes", "vault-stale-peers", "vault-missing-peers",
                "vault-lifecycle-abandon", "vault-lifecycle-dead-letters", "vault-terminating-handler-errors")) {
            assertThat(alarms.get(zeroTolerance).path("ComparisonOperator").asText())
                    .as(zeroTolerance).isEqualTo("GreaterThanThreshold");
            assertThat(alarms.get(zeroTolerance).path("Threshold").asDouble()).as(zeroTolerance).isZero();
        }
        // "for several periods": missing peers must persist before anyone is paged.
        assertThat(alarms.get("vault-missing-peers").path("EvaluationPeriods").asInt()).isGreaterThanOrEqualTo(5);
        assertThat(alarms.get("vault-missing-peers").path("DatapointsToAlarm").asInt())
                .isEqualTo(alarms.get("vault-missing-peers").path("EvaluationPeriods").asInt());
        // Stale peers wait for the reconciler's grace first.
        assertThat(alarms.get("vault-stale-peers").path("EvaluationPeriods").asInt() * 60)
                .isGreaterThan(synth.config().staleGraceSeconds());
        // Errors of the two lifecycle handlers, from AWS/Lambda.
        assertThat(alarms.get("vault-launching-handler-errors").path("Namespace").asText()).isEqualTo("AWS/Lambda");
        assertThat(alarms.get("vault-launching-handler-errors").path("MetricName").asText()).isEqualTo("Errors");
        assertThat(alarms.get("vault-lifecycle-dead-letters").path("MetricName").asText())
                .isEqualTo("ApproximateNumberOfMessagesVisible");
    }

    @Test
    void everyAlarmNamesARunbookSectionThatExists() throws IOException {
        String runbook = Files.readString(TestStacks.repoRoot().resolve(RunbookSection.FILE));
        Set<String> anchors = new HashSet<>();
        List<JsonNode> all = new ArrayList<>();
        // The defaults have every alarm but the one of a stack deployed for its first initialization (initCidrs).
        for (JsonNode t : List.of(template, TestStacks.get(Scenario.INIT_WINDOW).json())) {
            all.addAll(Cfn.resources(t, "AWS::CloudWatch::Alarm").values());
            all.addAll(Cfn.resources(t, "AWS::CloudWatch::CompositeAlarm").values());
        }
        for (JsonNode alarm : all) {
            String description = alarm.path("Properties").path("AlarmDescription").asText();
            Matcher m = REFERENCE.matcher(description);
            assertThat(m.find()).as("runbook reference at the end of: " + description).isTrue();
            anchors.add(m.group(1));
            assertThat(runbook).as("RUNBOOK.md anchor for " + description)
                    .contains("<a id=\"" + m.group(1) + "\"></a>");
        }
        Set<String> sections = new HashSet<>();
        for (RunbookSection section : RunbookSection.values()) {
            sections.add(section.anchor());
        }
        assertThat(anchors).isEqualTo(sections);
    }

    @Test
    void runbookSectionsSayWhatItMeansHowToConfirmWhatToDoAndWhenToEscalate() throws IOException {
        String runbook = Files.readString(TestStacks.repoRoot().resolve(RunbookSection.FILE));
        for (RunbookSection section : RunbookSection.values()) {
            int start = runbook.indexOf("<a id=\"" + section.anchor() + "\"></a>");
            assertThat(start).as(section.anchor()).isNotNegative();
            int next = runbook.indexOf("<a id=\"", start + 1);
            String body = runbook.substring(start, next < 0 ? runbook.length() : next);
            assertThat(body).as(section.anchor()).contains("## " + section.title())
                    .contains("**What it means**").contains("**How to confirm**").contains("**What to do**")
                    .contains("**When to escalate**");
        }
    }

    @Test
    void alarmsNotifyTheTopicWhenTheyFireAndWhenTheyClear() {
        Set<String> components = new HashSet<>();
        synth.stack().monitoring().burnRateComponents()
                .forEach(a -> components.add(Cfn.logicalId(synth.stack(), a)));
        String expected = "{\"Ref\":\"" + topic() + "\"}";
        Cfn.resources(template, "AWS::CloudWatch::Alarm").forEach((id, alarm) -> {
            JsonNode p = alarm.path("Properties");
            if (components.contains(id)) {
                // Burn-rate windows notify only through their composite.
                assertThat(p.has("AlarmActions")).as(id).isFalse();
            } else {
                assertThat(p.path("AlarmActions").toString()).as(id).isEqualTo("[" + expected + "]");
                assertThat(p.path("OKActions").toString()).as(id).isEqualTo("[" + expected + "]");
            }
        });
        Cfn.resources(template, "AWS::CloudWatch::CompositeAlarm").forEach((id, alarm) ->
                assertThat(alarm.path("Properties").path("AlarmActions").toString()).as(id)
                        .isEqualTo("[" + expected + "]"));
    }

    @Test
    void topicIsEncryptedWithAKeyCloudWatchMayUseAndRequiresTls() {
        JsonNode topicProps = Cfn.resource(template, topic()).path("Properties");
        String keyId = topicProps.path("KmsMasterKeyId").path("Fn::GetAtt").path(0).asText();
        JsonNode keyPolicy = Cfn.resource(template, keyId).path("Properties").path("KeyPolicy");
        assertThat(keyPolicy.toString()).contains("cloudwatch.amazonaws.com").contains("kms:GenerateDataKey*");
        JsonNode policies = Cfn.resources(template, "AWS::SNS::TopicPolicy").values().iterator().next();
        assertThat(policies.toString()).contains("aws:SecureTransport");
        synth.template().resourceCountIs("AWS::SNS::Subscription", 0);

        Synthesized email = TestStacks.get(Scenario.EVEN_VOTERS);
        email.template().hasResourceProperties("AWS::SNS::Subscription",
                Map.of("Protocol", "email", "Endpoint", "oncall@example.com"));

        Synthesized own = TestStacks.get(Scenario.EXISTING_VPC_ENTERPRISE);
        own.template().resourceCountIs("AWS::SNS::Topic", 0);
        Cfn.resources(own.json(), "AWS::CloudWatch::Alarm").values().forEach(a -> {
            if (a.path("Properties").has("AlarmActions")) {
                assertThat(Cfn.strings(a.path("Properties").path("AlarmActions")))
                        .containsExactly("arn:aws:sns:eu-west-1:123456789012:ops-pager");
            }
        });
    }

    @Test
    void burnRateAlertsPairALongAndAShortWindowPerSloAndSpeed() {
        Map<String, JsonNode> composites = new HashMap<>();
        Cfn.resources(template, "AWS::CloudWatch::CompositeAlarm").values().forEach(c ->
                composites.put(c.path("Properties").path("AlarmName").asText(), c.path("Properties")));
        assertThat(composites.keySet()).containsExactlyInAnyOrder(
                "vault-availability-slo-fast-burn", "vault-availability-slo-slow-burn",
                "vault-latency-slo-fast-burn", "vault-latency-slo-slow-burn");
        Map<String, JsonNode> alarms = alarmsByName();
        // 99.9% of minutes: 0.1% budget. Burning 14.4x over 60 minutes = 0.864 bad minutes, so 1; over 6 hours at
        // 6x = 2.16, so 3 bad minutes.
        assertThat(alarms.get("vault-availability-slo-60m").path("DatapointsToAlarm").asInt()).isEqualTo(1);
        assertThat(alarms.get("vault-availability-slo-60m").path("EvaluationPeriods").asInt()).isEqualTo(60);
        assertThat(alarms.get("vault-availability-slo-360m").path("DatapointsToAlarm").asInt()).isEqualTo(3);
        assertThat(alarms.get("vault-availability-slo-360m").path("TreatMissingData").asText()).isEqualTo("breaching");
        // 99% for latency: 14.4 x 1% x 60 = 8.64 -> 9 of 60; 6 x 1% x 360 = 21.6 -> 22 of 360.
        assertThat(alarms.get("vault-latency-slo-60m").path("DatapointsToAlarm").asInt()).isEqualTo(9);
        assertThat(alarms.get("vault-latency-slo-360m").path("DatapointsToAlarm").asInt()).isEqualTo(22);
        assertThat(alarms.get("vault-latency-slo-60m").path("Threshold").asDouble()).isEqualTo(500.0);
        for (JsonNode alarm : alarms.values()) {
            assertThat(alarm.path("EvaluationPeriods").asInt() * alarm.path("Period").asInt(60))
                    .as("CloudWatch evaluates at most one day").isLessThanOrEqualTo(86_400);
        }
        String fast = Cfn.flatten(composites.get("vault-availability-slo-fast-burn").path("AlarmRule"));
        assertThat(fast).contains(" AND ");
        assertThat(fast).contains(Cfn.logicalId(synth.stack(), synth.stack().monitoring().burnRateComponents().get(0)));
    }

    @Test
    void dashboardGroupsGraphsBySubsystemEachWithItsExplanation() throws IOException {
        JsonNode dashboard = Cfn.resources(template, "AWS::CloudWatch::Dashboard").values().iterator().next();
        assertThat(dashboard.path("Properties").path("DashboardName").asText()).isEqualTo("raft-lifecycle-vault");
        JsonNode body = new ObjectMapper().readTree(Cfn.flatten(dashboard.path("Properties").path("DashboardBody")));
        List<String> texts = new ArrayList<>();
        int graphs = 0;
        for (JsonNode widget : body.path("widgets")) {
            if (widget.path("type").asText().equals("text")) {
                texts.add(widget.path("properties").path("markdown").asText());
            } else if (widget.path("type").asText().equals("metric")) {
                graphs++;
            }
        }
        for (String subsystem : List.of("## Consensus", "## Seal", "## Security", "## Lifecycle automation", "## Capacity vs peers",
                "## Service level objectives")) {
            assertThat(texts).as(subsystem).anySatisfy(t -> assertThat(t).startsWith(subsystem).contains("**Healthy:**"));
        }
        assertThat(graphs).isGreaterThanOrEqualTo(10);
    }

    @Test
    void aRollThatStoppedPagesAfterHoursOfMixedVersionsNotDuringARoll() {
        JsonNode alarm = alarmsByName().get("vault-roll-stopped");
        assertThat(alarm).as("the roll-stopped alarm").isNotNull();
        String metrics = alarm.path("Metrics").toString();
        assertThat(metrics).contains("MAX([FILL(versions, 1) - 1, FILL(outdated, 0)])")
                .contains(MetricName.VERSION_COUNT.metricName()).contains(MetricName.OUTDATED_INSTANCES.metricName());
        assertThat(alarm.path("ComparisonOperator").asText()).isEqualTo("GreaterThanThreshold");
        assertThat(alarm.path("Threshold").asDouble()).isEqualTo(0.0);
        // Every period of 15 minutes for the hours a roll cannot take: a roll still running does not page.
        assertThat(alarm.path("EvaluationPeriods").asInt()).isEqualTo(Monitoring.ROLL_STOPPED_HOURS * 4);
        assertThat(alarm.path("DatapointsToAlarm").asInt()).isEqualTo(Monitoring.ROLL_STOPPED_HOURS * 4);
        assertThat(alarm.path("Metrics").get(0).path("Period").asInt(alarm.path("Metrics").findValue("Period").asInt()))
                .isEqualTo(900);
        assertThat(alarm.path("TreatMissingData").asText()).isEqualTo("notBreaching");
    }

    /**
     * The Shadow decisions row: its text, the three shadow metrics by [ClusterName] (names from the contract), the
     * same by [ClusterName, Reason] (a search, reasons being open-ended), and GroupsWithoutRetainPolicy.
     */
    static void assertShadowRow(String dashboardBody, ClusterConfig config) {
        JsonNode body;
        try {
            body = new ObjectMapper().readTree(dashboardBody);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        List<MetricName> shadow = List.of(MetricName.WOULD_REMOVE, MetricName.WOULD_STEP_DOWN, MetricName.WOULD_ABANDON);
        boolean text = false;
        JsonNode totals = null;
        JsonNode byReason = null;
        JsonNode retain = null;
        for (JsonNode widget : body.path("widgets")) {
            JsonNode p = widget.path("properties");
            text |= p.path("markdown").asText().startsWith("## Shadow decisions");
            switch (p.path("title").asText()) {
                case "What shadow mode would have done" -> totals = p.path("metrics");
                case "Shadow decisions by reason" -> byReason = p.path("metrics");
                case "Groups without the retain policy" -> retain = p.path("metrics");
                default -> { }
            }
        }
        assertThat(text).as("the row's text").isTrue();
        assertThat(totals).as("the totals graph").isNotNull();
        List<String> lines = new ArrayList<>();
        totals.forEach(m -> lines.add(m.get(0).asText() + "|" + m.get(1).asText() + "|" + m.get(2).asText() + "|"
                + m.get(3).asText() + "|" + m.get(4).path("stat").asText()));
        assertThat(lines).containsExactlyElementsOf(shadow.stream().map(m -> config.metricsNamespace() + "|"
                + m.metricName() + "|ClusterName|" + config.clusterName() + "|Sum").toList());
        assertThat(byReason).as("the by-reason graph").isNotNull().hasSize(1);
        String expression = byReason.get(0).get(0).path("expression").asText();
        assertThat(expression).startsWith("SEARCH('{\"" + config.metricsNamespace() + "\",ClusterName,Reason} "
                + "ClusterName=\"" + config.clusterName() + "\" (");
        shadow.forEach(m -> assertThat(expression).contains("MetricName=\"" + m.metricName() + "\""));
        assertThat(retain).as("the retain-policy graph").isNotNull().hasSize(1);
        assertThat(retain.get(0).get(1).asText()).isEqualTo(MetricName.GROUPS_WITHOUT_RETAIN_POLICY.metricName());
    }

    @Test
    void theDashboardHasAShadowDecisionsRow() {
        JsonNode dashboard = Cfn.resources(template, "AWS::CloudWatch::Dashboard").values().iterator().next();
        assertShadowRow(Cfn.flatten(dashboard.path("Properties").path("DashboardBody")), synth.config());
    }

    @Test
    void aGroupWithoutTheRetainPolicyAlarmsAndStopsARoll() {
        JsonNode alarm = alarmsByName().get("vault-groups-without-retain-policy");
        assertThat(alarm).isNotNull();
        assertThat(alarm.path("MetricName").asText()).isEqualTo(MetricName.GROUPS_WITHOUT_RETAIN_POLICY.metricName());
        assertThat(alarm.path("Namespace").asText()).isEqualTo(MetricName.DEFAULT_NAMESPACE);
        assertThat(alarm.path("ComparisonOperator").asText()).isEqualTo("GreaterThanThreshold");
        assertThat(alarm.path("Threshold").asDouble()).isZero();
        assertThat(template.path("Outputs").path("GateAlarmNames").path("Value").asText().split(","))
                .contains("vault-groups-without-retain-policy");
    }
}
