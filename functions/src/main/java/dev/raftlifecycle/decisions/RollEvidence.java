package dev.raftlifecycle.decisions;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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

    /** A scaling activity as DescribeScalingActivities returned it. */
    public record Activity(String group, Instant startTime, String statusCode, String statusMessage,
                           String description) {
    }

    /**
     * The activities since {@code since} that mention ABANDON (the lifecycle action result Auto Scaling records in the
     * activity's status message or description). A launch abandon is an activity whose description starts
     * "Launching"; anything else (a terminate) has nothing to undo.
     */
    public static List<RollStep.Abandon> abandons(List<Activity> activities, Instant since) {
        List<RollStep.Abandon> found = new ArrayList<>();
        for (Activity a : activities) {
            if (a.startTime() == null || a.startTime().isBefore(since)) {
                continue;
            }
            String text = (nullToEmpty(a.description()) + " " + nullToEmpty(a.statusMessage())).strip();
            if (text.toLowerCase(Locale.ROOT).contains("abandon")) {
                boolean launch = nullToEmpty(a.description()).startsWith("Launching");
                found.add(new RollStep.Abandon(a.group(), launch, a.startTime() + " " + nullToEmpty(a.statusCode())
                        + " " + text));
            }
        }
        return found;
    }

    /** The alarms in ALARM that gate a step: all of {@code firing} but the SLO window alarms. */
    public static List<String> gating(List<String> firing) {
        return firing.stream().filter(name -> !SLO_WINDOW.matcher(name).matches()).toList();
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
