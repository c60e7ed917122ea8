package dev.raftlifecycle.infra;

import io.github.cdklabs.cdknag.NagPackSuppression;
import io.github.cdklabs.cdknag.NagSuppressions;
import java.util.List;
import software.constructs.IConstruct;

/**
 * Records a cdk-nag finding accepted on purpose. Called next to the resource it concerns, with the reason; findings
 * with several parts (IAM5) are accepted one part at a time, so a new wildcard is still reported.
 */
final class Suppressions {
    private Suppressions() {
    }

    /** Accepts {@code rule} on the construct and its children, for all its findings. */
    static void accept(IConstruct construct, String rule, String reason) {
        NagSuppressions.addResourceSuppressions(construct, List.of(NagPackSuppression.builder()
                .id(rule)
                .reason(reason)
                .build()), true);
    }

    /** Accepts {@code rule} on the construct and its children for exactly these findings (e.g. "Resource::*"). */
    static void accept(IConstruct construct, String rule, String reason, List<String> appliesTo) {
        NagSuppressions.addResourceSuppressions(construct, List.of(NagPackSuppression.builder()
                .id(rule)
                .reason(reason)
                .appliesTo(appliesTo)
                .build()), true);
    }
}
