package dev.raftlifecycle.handlers;

import dev.raftlifecycle.decisions.ClusterSnapshot;
import dev.raftlifecycle.decisions.HealthyVoters;
import dev.raftlifecycle.decisions.NodeHealth;
import dev.raftlifecycle.decisions.SafetyRules;
import dev.raftlifecycle.decisions.TerminationDecision;
import java.util.Map;
import java.util.stream.Collectors;

/** The human part of a decision line: what the snapshot showed and why the decision followed. */
final class Explain {
    private Explain() {
    }

    /** Where the view came from, or what every node answered when there is none; and each voter's standing. */
    static String snapshot(ClusterSnapshot s, SafetyRules rules) {
        if (s.view().isEmpty()) {
            return health(s.health());
        }
        Map<String, HealthyVoters.Doubt> voters = HealthyVoters.judge(s, rules);
        String standing = voters.entrySet().stream()
                .map(e -> e.getKey() + "=" + (e.getValue() == HealthyVoters.Doubt.NONE ? "healthy"
                        : e.getValue().name().toLowerCase().replace('_', '-')))
                .collect(Collectors.joining(" "));
        return "via " + s.via().orElse("?") + "; voters " + standing;
    }

    static String health(Map<String, NodeHealth> health) {
        if (health.isEmpty()) {
            return "no instance to probe";
        }
        return health.values().stream().map(h -> h.instanceId() + "=" + h.state().name().toLowerCase()
                + (h.state() == NodeHealth.State.UNREACHABLE || h.state() == NodeHealth.State.TLS_FAILURE
                ? "(" + h.detail() + ")" : "")).collect(Collectors.joining(" "));
    }

    static String decision(TerminationDecision d) {
        return d.matched().map(m -> "; matched " + m).orElse("") + d.assessment().map(a -> "; " + a.summary()).orElse("")
                + "; → " + d.getClass().getSimpleName().replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase() + " "
                + d.label();
    }
}
