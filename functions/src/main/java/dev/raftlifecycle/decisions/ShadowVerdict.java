package dev.raftlifecycle.decisions;

import dev.raftlifecycle.contract.MetricName;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Shadow mode (MODE=shadow): what the active mode would have done with the decision it takes on the same cluster
 * state, for the decision line's {@code "would"} and the Would* metrics (their Reason = {@link #reason}). Only the
 * active mode's first decision is reported: what it would have done after a mutation (a step-down's outcome, the
 * removal re-decided on the view after it) cannot be known without making it.
 *
 * @param action     what the active mode would have ended with: for a lifecycle action CONTINUE, ABANDON or
 *                   AWAIT_REPLACEMENT (wait for a replacement to join, then remove or ABANDON at the deadline); for an
 *                   EC2 event REMOVED, KEPT or NONE
 * @param reason     the active mode's reason label
 * @param peer       the peer the decision is about, if one matched
 * @param stepDown   the leader it would have stepped down first
 * @param removePeer the peer it would have removed
 * @param metrics    the Would* counts this stands for (each 1)
 */
public record ShadowVerdict(String action, String reason, Optional<String> peer, Optional<String> stepDown,
                            Optional<String> removePeer, List<MetricName> metrics) {
    public ShadowVerdict {
        metrics = List.copyOf(metrics);
    }

    /**
     * A termination's decision (terminating handler: {@code lifecycleAction}; a Spot interruption or EC2 state change:
     * not, nothing to abandon there).
     */
    public static ShadowVerdict termination(TerminationDecision d, boolean lifecycleAction) {
        Optional<String> peer = d.subjectPeer().map(RaftPeer::nodeId);
        return switch (d) {
            case TerminationDecision.Remove r -> {
                List<MetricName> metrics = new ArrayList<>(List.of(MetricName.WOULD_REMOVE));
                if (r.stepDownFirst()) {
                    metrics.add(MetricName.WOULD_STEP_DOWN);
                }
                yield new ShadowVerdict(lifecycleAction ? "CONTINUE" : "REMOVED", d.label(), peer,
                        r.stepDownFirst() ? peer : Optional.empty(), peer, metrics);
            }
            case TerminationDecision.Release ignored -> new ShadowVerdict(lifecycleAction ? "CONTINUE" : "NONE",
                    d.label(), peer, Optional.empty(), Optional.empty(), List.of());
            case TerminationDecision.Refuse ignored -> new ShadowVerdict(lifecycleAction ? "ABANDON" : "KEPT",
                    d.label(), peer, Optional.empty(), Optional.empty(),
                    lifecycleAction ? List.of(MetricName.WOULD_ABANDON) : List.of());
            case TerminationDecision.AwaitReplacement ignored -> new ShadowVerdict(
                    lifecycleAction ? "AWAIT_REPLACEMENT" : "KEPT", d.label(), peer, Optional.empty(), Optional.empty(),
                    List.of());
        };
    }

    /** A launch's verdict: admitted (CONTINUE) or refused at the deadline (ABANDON, the last reason). */
    public static ShadowVerdict launch(boolean admitted, Reason reason) {
        return new ShadowVerdict(admitted ? "CONTINUE" : "ABANDON", reason.label(), Optional.empty(), Optional.empty(),
                Optional.empty(), admitted ? List.of() : List.of(MetricName.WOULD_ABANDON));
    }

    /** A stale peer the reconciler's schedule would have removed. */
    public static ShadowVerdict stalePeer(RaftPeer peer) {
        return new ShadowVerdict("REMOVED", Reason.STALE_PEER.label(), Optional.of(peer.nodeId()), Optional.empty(),
                Optional.of(peer.nodeId()), List.of(MetricName.WOULD_REMOVE));
    }

    /** An outcome the active mode reaches without deciding on the cluster (a claim AWS does not confirm...). */
    public static ShadowVerdict plain(String action, String reason) {
        return new ShadowVerdict(action, reason, Optional.empty(), Optional.empty(), Optional.empty(), List.of());
    }

    /** The mutations it would have made, in order: "step-down of X", "remove-peer X". */
    public List<String> mutations() {
        List<String> out = new ArrayList<>();
        stepDown.ifPresent(p -> out.add("step-down of " + p));
        removePeer.ifPresent(p -> out.add("remove-peer " + p));
        return out;
    }

    /** The decision line's "would" object. */
    public Map<String, Object> fields() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("action", action);
        out.put("reason", reason);
        peer.ifPresent(p -> out.put("peer", p));
        out.put("mutations", mutations());
        return out;
    }
}
