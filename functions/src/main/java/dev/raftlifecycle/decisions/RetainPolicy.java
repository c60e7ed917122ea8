package dev.raftlifecycle.decisions;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Whether every group of the cluster retains an instance whose terminate hook was abandoned: the instance lifecycle
 * policy's {@code RetentionTriggers.TerminateHookAbandon} is {@code retain} (DescribeAutoScalingGroups). Every refusal
 * of a termination (ABANDON) counts on it: without it Auto Scaling terminates the instance anyway, its peer still in
 * the configuration. So while any group does not say retain — it says anything else, says nothing (no policy), or is
 * missing from Auto Scaling's answer — no handler removes a peer or steps a leader down ({@link #gate}), except to
 * decommission the whole cluster, which refuses nothing.
 *
 * @param without each group that does not retain, with what Auto Scaling said of it ("G (no instance lifecycle
 *                policy)"), in configuration order
 * @param names   the names of those groups
 */
public record RetainPolicy(List<String> without, List<String> names) {
    /** The value that retains (RetentionAction.RETAIN). */
    public static final String RETAIN = "retain";

    public RetainPolicy {
        without = List.copyOf(without);
        names = List.copyOf(names);
    }

    /** Every expected group against Auto Scaling's answer. */
    public static RetainPolicy judge(List<String> expectedGroups, List<GroupState> groups) {
        List<String> without = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (String name : expectedGroups) {
            Optional<GroupState> group = groups.stream().filter(g -> g.name().equals(name)).findFirst();
            String why;
            if (group.isEmpty()) {
                why = "not in Auto Scaling's answer";
            } else if (group.get().terminateHookAbandon().isEmpty()) {
                why = "no instance lifecycle policy";
            } else if (!RETAIN.equals(group.get().terminateHookAbandon().get())) {
                why = "TerminateHookAbandon=" + group.get().terminateHookAbandon().get();
            } else {
                continue;
            }
            without.add(name + " (" + why + ")");
            names.add(name);
        }
        return new RetainPolicy(without, names);
    }

    /** The snapshot's groups against the cluster's. */
    public static RetainPolicy judge(ClusterSnapshot s) {
        return judge(s.expectedGroups(), s.groups());
    }

    /** Whether every group retains: removals may go ahead. */
    public boolean holds() {
        return without.isEmpty();
    }

    /** For an operator: which groups, and how to fix each ("" when it holds). */
    public String message() {
        if (holds()) {
            return "";
        }
        StringBuilder out = new StringBuilder("no peer is removed while a group does not retain an instance whose"
                + " terminate hook is abandoned: ").append(String.join(", ", without)).append("; set it with");
        for (String name : names) {
            out.append(" `").append(remedy(name)).append('`');
        }
        return out.toString();
    }

    /** The AWS CLI command that sets the policy on one group. */
    public static String remedy(String groupName) {
        return "aws autoscaling update-auto-scaling-group --auto-scaling-group-name " + groupName
                + " --instance-lifecycle-policy 'RetentionTriggers={TerminateHookAbandon=retain}'";
    }

    /**
     * A termination's decision under the gate: one that would remove a peer (or step its leader down first), now or
     * once a replacement joined, becomes a refusal ({@link Reason#RETAIN_POLICY_MISSING}) while the policy does not
     * hold; every other decision (release, refusal) changes nothing in Raft and stands as it is. A decommission's
     * removal stands too: a decommission refuses nothing (it lets the instance go whatever the removal did), so it
     * never counts on the policy, and without it the instance goes either way — refusing would only leave its peer
     * behind as a dead voter and turn the decommission's CONTINUE into an ABANDON.
     */
    public static TerminationDecision gate(TerminationDecision decision, ClusterSnapshot s) {
        boolean mutates = decision instanceof TerminationDecision.Remove
                || decision instanceof TerminationDecision.AwaitReplacement;
        if (!mutates || decision.decommissioning() || judge(s).holds()) {
            return decision;
        }
        return new TerminationDecision.Refuse(Reason.RETAIN_POLICY_MISSING, decision.subjectPeer(), decision.assessment(),
                decision.match());
    }

    /** The reconciler's plan under the gate: while the policy does not hold, every planned removal is kept instead. */
    public static StalePeers.Plan gate(StalePeers.Plan plan, ClusterSnapshot s) {
        if (plan.remove().isEmpty() || judge(s).holds()) {
            return plan;
        }
        List<StalePeers.Kept> kept = new ArrayList<>(plan.kept());
        plan.remove().forEach(r -> kept.add(new StalePeers.Kept(r.peer(), Reason.RETAIN_POLICY_MISSING)));
        return new StalePeers.Plan(List.of(), List.copyOf(kept), plan.markFirstSeen(), plan.clearMarks());
    }
}
