package dev.raftlifecycle.handlers;

import dev.raftlifecycle.contract.Defaults;
import dev.raftlifecycle.contract.MetricName;
import dev.raftlifecycle.decisions.ShadowVerdict;

/**
 * Shadow mode's part of the decision log. The decision line says what was done (Reason = shadow, the action
 * completed with CONTINUE) and carries {@code "mode":"shadow"} and {@code "would"}: the active mode's action, reason,
 * peer and mutations. The Would* counts go on a line of their own, event "would", whose Reason is the active mode's
 * (one Reason dimension per line: the decision line's is shadow).
 */
final class ShadowLog {
    static final String MODE_FIELD = "mode";
    static final String WOULD_FIELD = "would";

    private ShadowLog() {
    }

    /** Marks the decision line as shadow mode's and adds what the active mode would have done. */
    static DecisionLog.Line mark(DecisionLog.Line line, ShadowVerdict would) {
        return line.field(MODE_FIELD, Defaults.MODE_SHADOW).field(WOULD_FIELD, would.fields());
    }

    /** The Would* counts, if the verdict has any: one line, Reason = the active mode's reason. */
    static void count(HandlerRuntime runtime, String handler, String subjectField, String subject, ShadowVerdict would) {
        if (would.metrics().isEmpty()) {
            return;
        }
        DecisionLog.Line line = runtime.log().line(handler, WOULD_FIELD)
                .field(subjectField, subject)
                .field(MODE_FIELD, Defaults.MODE_SHADOW)
                .field(MetricName.REASON_DIMENSION, would.reason())
                .field(WOULD_FIELD, would.fields());
        would.metrics().forEach(m -> line.metric(m, 1));
        line.emit(runtime.clock().instant());
    }
}
