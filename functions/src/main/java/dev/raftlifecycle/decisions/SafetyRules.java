package dev.raftlifecycle.decisions;

import java.time.Duration;
import java.util.OptionalInt;

/**
 * The configurable parts of the safety rules.
 *
 * @param maxVoterLastContact a voter whose autopilot last_contact exceeds this is not counted healthy, whatever its
 *                            flag says. Vault standbys report to the active node only every 5 s (its cluster
 *                            heartbeat, not configurable) and autopilot refreshes every update interval (2 s by
 *                            default), so a healthy standby's last_contact reaches about 7 s: the bound sits just
 *                            above that and below the default last_contact_threshold of 10 s
 * @param minQuorum           the voter floor; empty: ⌊expected servers / 2⌋ + 1, like autopilot's min_quorum
 * @param decommissionDeclared the deployment declares the whole cluster is being taken down (DECOMMISSION, set by the
 *                            CDK context value {@code decommission}): see {@link Decommissioning}
 */
public record SafetyRules(Duration maxVoterLastContact, OptionalInt minQuorum, boolean decommissionDeclared) {
    public SafetyRules(Duration maxVoterLastContact, OptionalInt minQuorum) {
        this(maxVoterLastContact, minQuorum, false);
    }

    /** The default bound: 5 s standby heartbeat + 2 s autopilot update interval + 1 s slack. */
    public static final Duration DEFAULT_MAX_VOTER_LAST_CONTACT = Duration.ofSeconds(8);

    public static final SafetyRules DEFAULTS = new SafetyRules(DEFAULT_MAX_VOTER_LAST_CONTACT, OptionalInt.empty());

    /** The floor for this snapshot: removing a healthy voter may not leave fewer healthy voters than this. */
    public int floor(ClusterSnapshot s) {
        return minQuorum.orElse(s.expectedServers() / 2 + 1);
    }

    /** The effective contact bound: never looser than autopilot's own threshold. */
    public Duration contactBound(AutopilotSettings autopilot) {
        Duration threshold = autopilot.lastContactThreshold();
        return threshold.compareTo(maxVoterLastContact) < 0 ? threshold : maxVoterLastContact;
    }
}
