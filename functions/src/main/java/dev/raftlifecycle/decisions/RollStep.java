package dev.raftlifecycle.decisions;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The next step of a leader-last roll (scripts/rolling-upgrade, {@code --order leader-last}): replace every instance
 * whose launch template version is not its group's, one at a time, launch before terminate, the instance that leads
 * last. Taken again on every observation (Auto Scaling's describe and the cluster's status, read fresh), so the roll
 * is a function of the state alone: a killed run resumed, a leadership move or a duplicated call change nothing of the
 * method, only the next answer.
 *
 * <p>The rules, first match wins (the design's numbering; the structural refusals come first and rule 2 is looked at
 * before rule 1, see below):
 * <ol start="0">
 *   <li>Refuse (Stop 4) what cannot be classified: a group of the order missing from the describe; a group whose
 *       launch template version is not a number ($Latest/$Default move under the roll's feet, none means no launch
 *       template: the fix is named); desired above MaxSize or below MinSize; an instance without a launch template
 *       version; an instance in Standby (or a state this rule set does not know).</li>
 *   <li value="2">An instance Terminating:Retained, or ABANDON evidence since the roll started: Stop 2. Looked at
 *       before rule 1 on purpose: after an abandoned launch Auto Scaling launches the broken image again at once, so
 *       a Pending instance would keep rule 1 waiting for ever. When the abandon was a launch and the group then holds
 *       exactly desired-1 live instances (not Terminating, not gone), the stop carries setting desired back to
 *       desired-1 (absolute) so that Auto Scaling stops launching the broken image; otherwise nothing is undone and
 *       the reason says so (the caller checks the undo against a describe read right before it: {@link #undoNow}).
 *       An instance Terminating:Retained in the status counts as well.</li>
 *   <li value="1">An instance Pending, Pending:Wait/Proceed, Terminating, Terminating:Wait/Proceed (or Detaching,
 *       Quarantined, EnteringStandby: Auto Scaling is acting), or a group whose live instances are not its desired
 *       capacity: Wait (in flight). So is a pending lifecycle action in the status, or a status row whose lifecycle
 *       state is not InService: the status is observed after the describe and may see what it missed.</li>
 *   <li value="3">The cluster is not healthy enough to take a step: the status says not healthy, its failure tolerance
 *       is unknown or below the promise (the value at the start of the run), it has no leader, the leader it names is
 *       not an InService instance Auto Scaling lists, an InService instance is not a healthy voter in the status (a
 *       new instance InService but not yet a healthy voter lands here), or Auto Scaling marks an InService instance
 *       Unhealthy. Wait while this has lasted less than {@code settle}, then Stop 4 (at once when the status says
 *       the handlers run in shadow mode: no wait ends that, turning it off is a deploy). The status and Auto Scaling may
 *       disagree for a moment (read one after the other): that is a wait, not a conclusion.</li>
 *   <li value="4">No old instance (InService on another version than its group's): Done; a group whose desired is
 *       above MinSize is named in a warning and left alone.</li>
 *   <li value="5">Victim: the old instances sorted non-leader first, then those of a group with excess (desired -
 *       MinSize &gt; 0) first, then group order, then instance id. If leadership moves to the next victim between its
 *       replacement's launch and its terminate, the order adapts: the other old non-leaders go first (their groups
 *       get a replacement each, so two groups may hold one extra instance for a while), the new leader last, its
 *       replacement already in service.</li>
 *   <li value="6">The victim's group has excess: if a new-version instance of that group is InService and a healthy
 *       voter, Terminate the victim (decrementing desired), unless one healthy voter less would leave a failure
 *       tolerance below the promise ((H-1) - ((V-1)/2 + 1) with V voters, H healthy): then Stop 4 naming the fix
 *       (MinSize lowered under a roll's excess: raise it back), never a wait. Else Wait. "New" is the group's launch
 *       template id and version ({@link #isNew}). Excess without any new-version instance in the
 *       group: Stop 4 (desired above MinSize before the roll; a resumed run has its replacement already there).</li>
 *   <li value="7">Else Launch: desired+1, an absolute value from this describe, so a repeated call cannot launch a
 *       second instance; desired+1 above MaxSize: Stop 4 (raise MaxSize).</li>
 * </ol>
 * The promise itself is {@link #promise}: once the cluster passes the same gate, the lower of the status's failure
 * tolerance and {@code (sum of MinSize - 1) / 2} (a half-done roll's extra voters do not inflate it).
 */
public sealed interface RollStep {
    int EXIT_DONE = 0;
    int EXIT_AWS = 1;
    int EXIT_ABANDONED = 2;
    int EXIT_ALARM = 3;
    int EXIT_REFUSED = 4;
    int EXIT_USAGE = 64;

    String IN_SERVICE = "InService";
    String RETAINED = "Terminating:Retained";
    String HEALTHY = "Healthy";

    /** Why the decision was taken, for the decision line. */
    String reason();

    /** Why a wait: the cluster's health counts against --settle, the rest against the step's --timeout. */
    enum WaitKind { IN_FLIGHT, UNHEALTHY, REPLACEMENT_JOINING }

    record Wait(WaitKind kind, String reason) implements RollStep {
    }

    /** SetDesiredCapacity(group, newDesired); {@code victim} is the old instance the new one will replace. */
    record Launch(String group, int newDesired, String victim, String reason) implements RollStep {
    }

    /** TerminateInstanceInAutoScalingGroup(instance, ShouldDecrementDesiredCapacity=true). */
    record Terminate(String instanceId, String group, String reason) implements RollStep {
    }

    record Done(List<String> warnings, String reason) implements RollStep {
        public Done {
            warnings = List.copyOf(warnings);
        }
    }

    /** Stop with this exit code; {@code setDesiredBack} is the one undo a stop carries (an abandoned launch). */
    record Stop(int exitCode, String reason, Optional<SetDesired> setDesiredBack) implements RollStep {
        public Stop(int exitCode, String reason) {
            this(exitCode, reason, Optional.empty());
        }
    }

    record SetDesired(String group, int desired) {
    }

    /**
     * A group as DescribeAutoScalingGroups described it.
     *
     * @param launchTemplateId the launch template the group launches with (lt-...); null when not given (a fixture that
     *                         leaves it out: then only versions are compared, see {@link #isNew})
     */
    record Group(String name, int minSize, int maxSize, int desiredCapacity, String launchTemplateVersion,
                 List<Member> instances, String launchTemplateId) {
        public Group {
            instances = List.copyOf(instances);
        }

        /** A group whose launch template id is not known (every instance's id counts as the same). */
        public Group(String name, int minSize, int maxSize, int desiredCapacity, String launchTemplateVersion,
                     List<Member> instances) {
            this(name, minSize, maxSize, desiredCapacity, launchTemplateVersion, instances, null);
        }
    }

    /**
     * An instance of a group as Auto Scaling described it.
     *
     * @param launchTemplateVersion the version it was launched with; null when Auto Scaling gave none
     * @param healthStatus          Healthy or Unhealthy
     * @param launchTemplateId      the launch template it was launched from; null when not given, which counts as
     *                              its group's (the fixtures leave it out unless the case is about it)
     */
    record Member(String instanceId, String lifecycleState, String launchTemplateVersion, String healthStatus,
                  String launchTemplateId) {
        public Member(String instanceId, String lifecycleState, String launchTemplateVersion, String healthStatus) {
            this(instanceId, lifecycleState, launchTemplateVersion, healthStatus, null);
        }
    }

    /**
     * Whether the instance runs its group's launch template: the same version number of the same template. Another
     * template with the same version number is old (a stack that replaced its template starts again at version 1).
     * An id missing on either side counts as the same.
     */
    static boolean isNew(Group g, Member m) {
        return LaunchTemplates.sameAsGroups(g.launchTemplateId(), g.launchTemplateVersion(), m.launchTemplateId(),
                m.launchTemplateVersion());
    }

    /** ABANDON evidence found in a group since the roll started ({@link RollEvidence#abandons}). */
    record Abandon(String group, boolean launch, String evidence) {
    }

    /**
     * One observation.
     *
     * @param order               the groups, in the order given (the stack's or --groups)
     * @param promise             the failure tolerance at the start of the run
     * @param unhealthyForSeconds how long the cluster has been failing rule 3 without a break (0 the first time)
     * @param settleSeconds       how long rule 3 may fail before the roll stops
     */
    record Input(List<String> order, List<Group> groups, ClusterStatus status, int promise, List<Abandon> abandons,
                 long unhealthyForSeconds, long settleSeconds) {
        public Input {
            order = List.copyOf(order);
            groups = List.copyOf(groups);
            abandons = List.copyOf(abandons);
        }
    }

    /** One line of the plan a dry run prints: an instance to replace, in order. */
    record PlanEntry(String group, String instanceId, String fromVersion, String toVersion, boolean leader) {
    }

    Pattern NUMERIC_VERSION = Pattern.compile("[1-9][0-9]*");

    /** The next step. */
    static RollStep decide(Input in) {
        Optional<Stop> refusal = refusal(in.order(), in.groups());
        if (refusal.isPresent()) {
            return refusal.get();
        }
        Map<String, Group> byName = new HashMap<>();
        in.groups().forEach(g -> byName.put(g.name(), g));
        List<Group> groups = in.order().stream().map(byName::get).toList();
        // Rule 2.
        for (Group g : groups) {
            for (Member m : g.instances()) {
                if (RETAINED.equals(m.lifecycleState())) {
                    return new Stop(EXIT_ABANDONED, g.name() + ": " + m.instanceId() + " is Terminating:Retained (a "
                            + "lifecycle action was ABANDONed and the instance kept); see RUNBOOK.md#lifecycle-abandon");
                }
            }
        }
        if (in.status() != null) {
            for (ClusterStatus.Instance i : in.status().instances()) {
                if (RETAINED.equals(i.lifecycleState())) {
                    return new Stop(EXIT_ABANDONED, i.instanceId() + " is Terminating:Retained in the status (a "
                            + "lifecycle action was ABANDONed and the instance kept); see RUNBOOK.md#lifecycle-abandon");
                }
            }
        }
        if (!in.abandons().isEmpty()) {
            Abandon a = in.abandons().get(0);
            Group g = byName.get(a.group());
            String base = a.group() + ": a lifecycle action was ABANDONed since the roll started (" + a.evidence()
                    + "); see RUNBOOK.md#lifecycle-abandon";
            if (a.launch() && g != null) {
                long live = g.instances().stream().filter(m -> live(m.lifecycleState())).count();
                if (live == g.desiredCapacity() - 1L && g.desiredCapacity() - 1 >= g.minSize()) {
                    return new Stop(EXIT_ABANDONED, base + "; setting desired back to " + (g.desiredCapacity() - 1)
                            + " so that Auto Scaling stops launching the new version",
                            Optional.of(new SetDesired(g.name(), g.desiredCapacity() - 1)));
                }
                return new Stop(EXIT_ABANDONED, base + "; desired " + g.desiredCapacity() + " left as it is (" + live
                        + " live instances, not desired-1): Auto Scaling may launch the new version again, set "
                        + "desired by hand once you know why");
            }
            return new Stop(EXIT_ABANDONED, base);
        }
        // Rule 1.
        for (Group g : groups) {
            for (Member m : g.instances()) {
                if (inFlight(m.lifecycleState())) {
                    return new Wait(WaitKind.IN_FLIGHT, g.name() + ": " + m.instanceId() + " is " + m.lifecycleState());
                }
            }
            long live = g.instances().stream().filter(m -> live(m.lifecycleState())).count();
            if (live != g.desiredCapacity()) {
                return new Wait(WaitKind.IN_FLIGHT, g.name() + ": " + live + " instances, desired "
                        + g.desiredCapacity() + " (Auto Scaling has not caught up)");
            }
        }
        Optional<String> seenByStatus = inFlightInStatus(in.status());
        if (seenByStatus.isPresent()) {
            return new Wait(WaitKind.IN_FLIGHT, seenByStatus.get());
        }
        // Rule 3. Shadow mode does not pass with time (turning it off is a deploy): refused at once.
        if (in.status() != null && in.status().problems().contains(ClusterStatus.SHADOW_MODE_PROBLEM)) {
            return new Stop(EXIT_REFUSED, "the handlers run in shadow mode: " + ClusterStatus.SHADOW_MODE_PROBLEM);
        }
        List<String> problems = gateProblems(groups, in.status(), in.promise());
        if (!problems.isEmpty()) {
            String why = String.join("; ", problems);
            if (in.unhealthyForSeconds() >= in.settleSeconds()) {
                return new Stop(EXIT_REFUSED, "the cluster is not fit for a step after " + in.unhealthyForSeconds()
                        + "s (--settle " + in.settleSeconds() + "s): " + why);
            }
            return new Wait(WaitKind.UNHEALTHY, "not fit for a step yet (" + in.unhealthyForSeconds() + "s of "
                    + in.settleSeconds() + "s): " + why);
        }
        // Rule 4.
        String leader = leaderInstance(in.status());
        List<PlanEntry> old = plan(groups, leader);
        if (old.isEmpty()) {
            List<String> warnings = new ArrayList<>();
            for (Group g : groups) {
                if (g.desiredCapacity() > g.minSize()) {
                    warnings.add(g.name() + ": desired " + g.desiredCapacity() + " is above MinSize " + g.minSize()
                            + " (left as it is)");
                }
            }
            return new Done(warnings, "every instance of " + String.join(", ", in.order())
                    + " runs its group's launch template version; the cluster is healthy");
        }
        // Rule 5.
        PlanEntry victim = old.get(0);
        Group g = byName.get(victim.group());
        String who = victim.instanceId() + (victim.leader() ? " (the leader, last: every other old instance is replaced)"
                : " (a follower; " + (leader == null ? "leader unknown" : leader + " leads") + ")");
        // Rule 6.
        if (g.desiredCapacity() > g.minSize()) {
            Optional<String> replacement = g.instances().stream()
                    .filter(m -> IN_SERVICE.equals(m.lifecycleState()) && isNew(g, m))
                    .map(Member::instanceId)
                    .filter(id -> healthyVoter(in.status(), id))
                    .findFirst();
            if (replacement.isPresent()) {
                Optional<String> drop = toleranceAfterTerminate(in.status(), in.promise(), victim.instanceId(), g);
                if (drop.isPresent()) {
                    return new Stop(EXIT_REFUSED, drop.get());
                }
                return new Terminate(victim.instanceId(), g.name(), "terminate " + who + ": " + g.name()
                        + " has its replacement " + replacement.get() + " (version " + g.launchTemplateVersion()
                        + ") in service and a healthy voter; desired " + g.desiredCapacity() + " -> "
                        + (g.desiredCapacity() - 1));
            }
            boolean anyNew = g.instances().stream().anyMatch(m -> live(m.lifecycleState()) && isNew(g, m));
            if (!anyNew) {
                return new Stop(EXIT_REFUSED, g.name() + ": desired " + g.desiredCapacity() + " is above MinSize "
                        + g.minSize() + " and no instance runs version " + g.launchTemplateVersion()
                        + ": desired was above MinSize before the roll; set it to MinSize (or MinSize to it) and run "
                        + "again");
            }
            return new Wait(WaitKind.REPLACEMENT_JOINING, g.name() + ": the replacement for " + victim.instanceId()
                    + " is not yet an InService healthy voter");
        }
        // Rule 7.
        if (g.desiredCapacity() + 1 > g.maxSize()) {
            return new Stop(EXIT_REFUSED, g.name() + ": replacing " + victim.instanceId() + " needs desired "
                    + (g.desiredCapacity() + 1) + " but MaxSize is " + g.maxSize()
                    + ": raise MaxSize to at least desired+1 (the stack sets 2 x MinSize)");
        }
        return new Launch(g.name(), g.desiredCapacity() + 1, victim.instanceId(), "launch a replacement for " + who
                + ": " + g.name() + " desired " + g.desiredCapacity() + " -> " + (g.desiredCapacity() + 1)
                + " (version " + g.launchTemplateVersion() + ")");
    }

    /**
     * The failure tolerance a run promises, once the cluster passes rule 3's gate (with nothing promised yet; empty
     * while it does not, {@link #gateProblems} says why): the lower of the status's failure tolerance now and that of
     * the cluster the groups are sized for, {@code (sum of MinSize - 1) / 2}. The second keeps a half-done roll's
     * extra instances (a resumed run finds two groups each holding an old and a new voter) from inflating the promise
     * to a tolerance the cluster loses as soon as the roll removes them.
     */
    static Optional<Integer> promise(List<Group> groups, ClusterStatus status) {
        if (!gateProblems(groups, status, 0).isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(Math.min(status.failureTolerance(), sizedTolerance(groups)));
    }

    /** The failure tolerance of a cluster of sum(MinSize) voters: {@code (sum of MinSize - 1) / 2}, at least 0. */
    static int sizedTolerance(List<Group> groups) {
        int voters = groups.stream().mapToInt(Group::minSize).sum();
        return Math.max(0, (voters - 1) / 2);
    }

    /**
     * Why terminating {@code victim} (a healthy voter) would take the failure tolerance below the promise, or empty.
     * With V voters of which H are healthy, one healthy voter less leaves (H-1) - ((V-1)/2 + 1).
     */
    static Optional<String> toleranceAfterTerminate(ClusterStatus status, int promise, String victim, Group g) {
        int v = status.voters();
        int h = status.healthyVoters();
        int after = (h - 1) - ((v - 1) / 2 + 1);
        if (after >= promise) {
            return Optional.empty();
        }
        return Optional.of("terminating " + victim + " would leave failure tolerance " + after + " (" + (v - 1)
                + " voters, " + (h - 1) + " healthy), below the " + promise + " this run promised: the cluster has no "
                + "spare voter to lose (" + g.name() + " desired " + g.desiredCapacity() + " is above its MinSize "
                + g.minSize() + " without that being a replacement: was MinSize lowered?). Nothing changed. Fix: set "
                + g.name() + "'s MinSize back to its desired " + g.desiredCapacity() + " and run again (the roll then "
                + "launches a replacement before it terminates), or shrink the cluster first on purpose "
                + "(RUNBOOK.md) and run again");
    }

    /**
     * The status (observed after the describe, by the publisher) sees Auto Scaling acting: a pending lifecycle action
     * or an instance whose lifecycle state is not InService (Pending*, Terminating*, ...; Terminated and Detached are
     * gone and a row without a state says nothing). The describe may have missed it: a wait, as rule 1.
     */
    static Optional<String> inFlightInStatus(ClusterStatus status) {
        if (status == null) {
            return Optional.empty();
        }
        if (!status.pendingActions().isEmpty()) {
            ClusterStatus.PendingAction p = status.pendingActions().get(0);
            return Optional.of("the status lists a pending lifecycle action: " + p.instanceId() + " "
                    + p.lifecycleState() + " (Auto Scaling is acting)");
        }
        for (ClusterStatus.Instance i : status.instances()) {
            String state = i.lifecycleState();
            if (state == null || state.isBlank() || IN_SERVICE.equals(state) || gone(state)) {
                continue;
            }
            return Optional.of("the status sees " + i.instanceId() + " " + state
                    + " (Auto Scaling is acting; the describe read before it may have missed it)");
        }
        return Optional.empty();
    }

    /**
     * At the start of a run: the leader runs on an instance outside the groups the roll was given (--groups naming a
     * subset of the cluster's groups). The gate would fail on every step; refuse at once instead.
     */
    static Optional<Stop> leaderOutside(List<String> order, List<Group> described, ClusterStatus status) {
        if (status == null || status.leader() == null || status.leader().instanceId() == null) {
            return Optional.empty();
        }
        String leader = status.leader().instanceId();
        boolean inGroups = described.stream().filter(g -> order.contains(g.name()))
                .flatMap(g -> g.instances().stream()).anyMatch(m -> leader.equals(m.instanceId()));
        if (inGroups) {
            return Optional.empty();
        }
        String where = status.instances().stream().filter(i -> leader.equals(i.instanceId()) && i.group() != null)
                .map(i -> " (group " + i.group() + ")").findFirst().orElse("");
        return Optional.of(new Stop(EXIT_REFUSED, "the leader " + leader + where + " runs outside the groups given ("
                + String.join(", ", order) + "): the roll replaces the leader last and gates every step on it, so it "
                + "cannot roll a subset that leaves the leader out. Give every group of the cluster to --groups (or "
                + "use --stack), or move leadership into the given groups first; nothing changed"));
    }

    /**
     * What changed between two describes of the same groups (the one decided on and the one read right before a
     * mutation, after the seconds-long status call): an instance that appeared or went, or a lifecycle state that moved.
     * Empty when the instance sets and their states are the same.
     */
    static Optional<String> describeChange(List<Group> before, List<Group> after) {
        Map<String, String> was = states(before);
        Map<String, String> now = states(after);
        if (was.equals(now)) {
            return Optional.empty();
        }
        List<String> changes = new ArrayList<>();
        for (Map.Entry<String, String> e : now.entrySet()) {
            String old = was.get(e.getKey());
            if (old == null) {
                changes.add(e.getKey() + " appeared (" + e.getValue() + ")");
            } else if (!old.equals(e.getValue())) {
                changes.add(e.getKey() + " " + old + " -> " + e.getValue());
            }
        }
        was.keySet().stream().filter(id -> !now.containsKey(id)).forEach(id -> changes.add(id + " went"));
        return Optional.of(String.join(", ", changes));
    }

    private static Map<String, String> states(List<Group> groups) {
        Map<String, String> states = new java.util.TreeMap<>();
        groups.forEach(g -> g.instances().forEach(m -> states.put(g.name() + "/" + m.instanceId(),
                m.lifecycleState())));
        return states;
    }

    /**
     * The undo an abandoned launch's stop carries, checked against a describe read right before it: never set desired
     * below the group's live instances (neither Terminating* nor Terminated) as they are now, nor when desired moved
     * since the decision. Returns the call to make, or empty with {@code why} holding the reason to log.
     */
    static Optional<SetDesired> undoNow(SetDesired back, Group fresh, StringBuilder why) {
        if (fresh == null) {
            why.append(back.group()).append(" is not in the describe read before the undo");
            return Optional.empty();
        }
        long liveNow = fresh.instances().stream().filter(m -> !gone(m.lifecycleState())
                && !m.lifecycleState().startsWith("Terminating")).count();
        if (fresh.desiredCapacity() != back.desired() + 1) {
            why.append("desired is ").append(fresh.desiredCapacity()).append(" now, not ").append(back.desired() + 1);
            return Optional.empty();
        }
        if (back.desired() < liveNow) {
            why.append(liveNow).append(" instances are live now (Auto Scaling launched again since): desired ")
                    .append(back.desired()).append(" would make it scale in, and it picks the oldest version first");
            return Optional.empty();
        }
        return Optional.of(back);
    }

    /** Why the cluster is not fit for a step (rule 3); empty when it is. */
    static List<String> gateProblems(List<Group> groups, ClusterStatus status, int promise) {
        List<String> problems = new ArrayList<>();
        if (status == null) {
            problems.add("no status");
            return problems;
        }
        if (!status.healthy()) {
            problems.add("the status says not healthy"
                    + (status.problems().isEmpty() ? "" : " (" + String.join(", ", status.problems()) + ")"));
        }
        if (status.failureTolerance() == null) {
            problems.add("failure tolerance unknown");
        } else if (status.failureTolerance() < promise) {
            problems.add("failure tolerance " + status.failureTolerance() + " below the " + promise
                    + " of the start of the run");
        }
        Set<String> inService = new HashSet<>();
        for (Group g : groups) {
            for (Member m : g.instances()) {
                if (IN_SERVICE.equals(m.lifecycleState())) {
                    inService.add(m.instanceId());
                    if (!healthyVoter(status, m.instanceId())) {
                        problems.add(m.instanceId() + " is InService but not a healthy voter in the status");
                    }
                    if (m.healthStatus() != null && !HEALTHY.equalsIgnoreCase(m.healthStatus())) {
                        problems.add("Auto Scaling marks " + m.instanceId() + " " + m.healthStatus());
                    }
                }
            }
        }
        if (status.leader() == null) {
            problems.add("no leader");
        } else if (status.leader().instanceId() == null) {
            problems.add("the leader " + status.leader().nodeId() + " matches no instance");
        } else if (!inService.contains(status.leader().instanceId())) {
            problems.add("the status says " + status.leader().instanceId() + " leads but Auto Scaling lists no such "
                    + "InService instance in the groups");
        }
        return problems;
    }

    /** The old instances in the order they would be replaced now (rule 5), the leader marked. */
    static List<PlanEntry> plan(List<Group> groups, String leaderInstance) {
        List<PlanEntry> old = new ArrayList<>();
        Map<String, Integer> rank = new HashMap<>();
        Map<String, Boolean> excess = new HashMap<>();
        for (int i = 0; i < groups.size(); i++) {
            Group g = groups.get(i);
            rank.put(g.name(), i);
            excess.put(g.name(), g.desiredCapacity() > g.minSize());
            for (Member m : g.instances()) {
                if (IN_SERVICE.equals(m.lifecycleState()) && !isNew(g, m)) {
                    boolean otherTemplate = g.launchTemplateId() != null && m.launchTemplateId() != null
                            && !g.launchTemplateId().equals(m.launchTemplateId());
                    old.add(new PlanEntry(g.name(), m.instanceId(), m.launchTemplateVersion()
                            + (otherTemplate ? " of " + m.launchTemplateId() : ""), g.launchTemplateVersion()
                            + (otherTemplate ? " of " + g.launchTemplateId() : ""),
                            m.instanceId().equals(leaderInstance)));
                }
            }
        }
        old.sort(Comparator.comparing(PlanEntry::leader)
                .thenComparing(e -> !excess.get(e.group()))
                .thenComparing(e -> rank.get(e.group()))
                .thenComparing(PlanEntry::instanceId));
        return old;
    }

    /** The plan for a dry run: {@link #plan} over the order's groups (those described), the status's leader marked. */
    static List<PlanEntry> plan(List<String> order, List<Group> described, ClusterStatus status) {
        List<Group> groups = new ArrayList<>();
        for (String name : order) {
            described.stream().filter(g -> g.name().equals(name) && g.launchTemplateVersion() != null).findFirst()
                    .ifPresent(groups::add);
        }
        return plan(groups, leaderInstance(status));
    }

    /**
     * Rule 0 alone: a group of the order missing from the describe, or a group or instance the roll cannot classify.
     * Both orders check it before anything else.
     */
    static Optional<Stop> refusal(List<String> order, List<Group> described) {
        List<Group> groups = new ArrayList<>();
        for (String name : order) {
            Optional<Group> g = described.stream().filter(d -> d.name().equals(name)).findFirst();
            if (g.isEmpty()) {
                return Optional.of(new Stop(EXIT_REFUSED, "group " + name + " is not in Auto Scaling's answer "
                        + "(deleted, misspelt, or another region/account): nothing to roll safely"));
            }
            groups.add(g.get());
        }
        Optional<Stop> wrong = structure(groups);
        if (wrong.isPresent()) {
            return wrong;
        }
        // Room for a replacement in every group that still has old instances, checked before anything changes: found
        // only at that group's first launch, it would stop a roll half-way, with the groups before it rolled.
        for (Group g : groups) {
            boolean old = g.instances().stream().filter(m -> IN_SERVICE.equals(m.lifecycleState()))
                    .anyMatch(m -> !isNew(g, m));
            if (old && g.desiredCapacity() <= g.minSize() && g.desiredCapacity() + 1 > g.maxSize()) {
                return Optional.of(new Stop(EXIT_REFUSED, g.name() + ": MaxSize " + g.maxSize() + " leaves no room "
                        + "for a replacement beside its " + g.desiredCapacity() + " instance(s) (launch before terminate "
                        + "needs desired + 1): raise MaxSize to at least " + (g.desiredCapacity() + 1)
                        + " (the stack's groups have twice their size), then run again; nothing changed"));
            }
        }
        return Optional.empty();
    }

    private static Optional<Stop> structure(List<Group> groups) {
        for (Group g : groups) {
            String v = g.launchTemplateVersion();
            if (v == null || !NUMERIC_VERSION.matcher(v).matches()) {
                return Optional.of(new Stop(EXIT_REFUSED, g.name() + ": launch template version "
                        + (v == null ? "none (no launch template)" : v) + " is not a number: the roll compares every "
                        + "instance's version with the group's, and " + (v == null ? "there is none"
                        : v + " moves when someone creates or promotes a version")
                        + ". Fix: point the group at a numeric version (deploy the stack, which does; or aws autoscaling "
                        + "update-auto-scaling-group --auto-scaling-group-name " + g.name()
                        + " --launch-template LaunchTemplateId=lt-...,Version=N)"));
            }
            if (g.desiredCapacity() > g.maxSize() || g.desiredCapacity() < g.minSize()) {
                return Optional.of(new Stop(EXIT_REFUSED, g.name() + ": desired " + g.desiredCapacity()
                        + " outside MinSize " + g.minSize() + " .. MaxSize " + g.maxSize()
                        + ": fix the group's sizes first"));
            }
            for (Member m : g.instances()) {
                if (gone(m.lifecycleState())) {
                    continue;
                }
                if (m.launchTemplateVersion() == null || m.launchTemplateVersion().isBlank()) {
                    return Optional.of(new Stop(EXIT_REFUSED, g.name() + ": " + m.instanceId() + " ("
                            + m.lifecycleState() + ") has no launch template version in Auto Scaling's answer: cannot "
                            + "tell whether it is old or new"));
                }
                if (!known(m.lifecycleState())) {
                    return Optional.of(new Stop(EXIT_REFUSED, g.name() + ": " + m.instanceId() + " is "
                            + m.lifecycleState() + ": the roll does not step around it; put it back in service or "
                            + "detach it, then run again"));
                }
            }
        }
        return Optional.empty();
    }

    private static String leaderInstance(ClusterStatus status) {
        return status == null || status.leader() == null ? null : status.leader().instanceId();
    }

    private static boolean healthyVoter(ClusterStatus status, String instanceId) {
        return status.instances().stream().anyMatch(i -> instanceId.equals(i.instanceId()) && i.healthyVoter());
    }

    /** Gone from the group (or about to be, without anything left to wait for). */
    private static boolean gone(String state) {
        return "Terminated".equals(state) || "Detached".equals(state);
    }

    /** Counts towards the group's capacity: neither on its way out nor gone. */
    private static boolean live(String state) {
        return !gone(state) && !state.startsWith("Terminating") && !"Detaching".equals(state);
    }

    private static boolean inFlight(String state) {
        return state.startsWith("Pending") || (state.startsWith("Terminating") && !RETAINED.equals(state))
                || "Detaching".equals(state) || "Quarantined".equals(state) || "EnteringStandby".equals(state);
    }

    private static boolean known(String state) {
        return IN_SERVICE.equals(state) || RETAINED.equals(state) || inFlight(state);
    }
}
