package dev.raftlifecycle.decisions;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/** What the roll reads out of Auto Scaling's activities and CloudWatch's alarms: abandon evidence, the gate. */
public final class RollEvidence {
    /**
     * The burn-rate window alarms ({@code <cluster>-slo-<n>m}) are left out of the gate: their composites are the
     * signal, and one bad minute keeps a long window in ALARM for an hour.
     */
    static final Pattern SLO_WINDOW = Pattern.compile(".*-slo-[0-9]+m");

    private RollEvidence() {
    }

    /** The status codes of an activity that has ended: it will not change again. */
    static final Set<String> FINAL = Set.of("Successful", "Failed", "Cancelled");

    /**
     * A scaling activity as DescribeScalingActivities returned it.
     *
     * @param id    its ActivityId
     * @param group the activity's own AutoScalingGroupName
     */
    public record Activity(String id, String group, Instant startTime, String statusCode, String statusMessage,
                           String description) {
    }

    /**
     * The ids of the activities that had already ended (Successful, Failed, Cancelled) when the run started: their
     * outcome, ABANDON or not, is a previous run's. Recorded once, at the start of the run.
     */
    public static Set<String> ended(List<Activity> activities) {
        Set<String> ids = new HashSet<>();
        for (Activity a : activities) {
            if (a.id() != null && a.statusCode() != null && FINAL.contains(a.statusCode())) {
                ids.add(a.id());
            }
        }
        return ids;
    }

    /**
     * ABANDON evidence of this run: the activities that mention ABANDON (the lifecycle action result Auto Scaling
     * records in the activity's status message or description) and had not ended when the run started
     * ({@code endedAtStart}, from {@link #ended}). No start time or local clock is compared: an activity that was in
     * progress at the start and ends in ABANDON during the run counts, one that had ended before does not. A launch
     * abandon is an activity whose description starts "Launching"; anything else (a terminate) has nothing to undo.
     */
    public static List<RollStep.Abandon> abandons(List<Activity> activities, Set<String> endedAtStart) {
        List<RollStep.Abandon> found = new ArrayList<>();
        for (Activity a : activities) {
            if (a.id() != null && endedAtStart.contains(a.id())) {
                continue;
            }
            String text = (nullToEmpty(a.description()) + " " + nullToEmpty(a.statusMessage())).strip();
            if (text.toLowerCase(Locale.ROOT).contains("abandon")) {
                boolean launch = nullToEmpty(a.description()).startsWith("Launching");
                found.add(new RollStep.Abandon(a.group(), launch, (a.startTime() == null ? "" : a.startTime() + " ")
                        + nullToEmpty(a.statusCode()) + " " + text));
            }
        }
        return found;
    }

    /** The alarms in ALARM that gate a step: all of {@code firing} but the SLO window alarms. */
    public static List<String> gating(List<String> firing) {
        return firing.stream().filter(name -> !SLO_WINDOW.matcher(name).matches()).toList();
    }

    /**
     * The same, and none of the cluster's alarms a roll remedies ({@code <cluster>-tls-failures}, {@code
     * -certificate-expiry}, {@code -roll-stopped}: {@link dev.raftlifecycle.contract.AlarmNames#REMEDIED_BY_A_ROLL}),
     * which a gate built from the name prefix would otherwise catch (a stack's GateAlarmNames leaves them out already).
     */
    public static List<String> gating(List<String> firing, String cluster) {
        List<String> remedied = dev.raftlifecycle.contract.AlarmNames.REMEDIED_BY_A_ROLL.stream()
                .map(name -> cluster + "-" + name).toList();
        return gating(firing).stream().filter(name -> !remedied.contains(name)).toList();
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
