package dev.raftlifecycle.infra;

import java.util.List;
import software.amazon.awscdk.services.cloudwatch.ComparisonOperator;
import software.amazon.awscdk.services.cloudwatch.IMetric;
import software.amazon.awscdk.services.cloudwatch.TreatMissingData;

/**
 * An SLO over one-minute samples: a minute is bad when {@code badMinute} breaches its threshold. The error budget
 * is {@code 1 - objectivePercent/100} of the minutes in a 30-day window.
 *
 * <p>CloudWatch's own SLO objects (Application Signals) need that feature enabled in the account before a stack can
 * create them, which a first deploy cannot assume; the same intent is expressed with plain alarms instead, as
 * multi-window burn-rate alerts: an "M out of N minutes" alarm is breaching when the bad fraction of the last N
 * minutes reaches M/N, i.e. the budget burns at least {@code burnRate} times faster than it may.
 */
public record ServiceLevelObjective(
        String name,
        String description,
        double objectivePercent,
        IMetric badMinute,
        ComparisonOperator comparison,
        double threshold,
        TreatMissingData missingData,
        RunbookSection runbook) {

    /** Window pairs from the Google SRE workbook: page on a fast burn (2% of the budget in an hour), a slow one (5% in six). */
    public record BurnWindow(String speed, int longMinutes, int shortMinutes, double burnRate) {
    }

    public static final List<BurnWindow> WINDOWS = List.of(
            new BurnWindow("fast", 60, 5, 14.4),
            new BurnWindow("slow", 360, 30, 6.0));

    public static final int SLO_PERIOD_DAYS = 30;

    public double errorBudget() {
        return 1.0 - objectivePercent / 100.0;
    }

    /** Bad minutes out of {@code windowMinutes} at which the burn rate is reached (at least one). */
    public int badMinutesToAlarm(int windowMinutes, double burnRate) {
        // Rounded to 9 decimals first so that 14.4 * 0.001 * 60 = 0.864 is not taken for 0.8640000000000001.
        double exact = Math.round(burnRate * errorBudget() * windowMinutes * 1e9) / 1e9;
        return Math.max(1, (int) Math.ceil(exact));
    }
}
