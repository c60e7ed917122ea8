package dev.raftlifecycle.infra;

/**
 * The sections of RUNBOOK.md (at the repository root) that alarms point to. Each section starts with an HTML anchor
 * {@code <a id="..."></a>} equal to {@link #anchor()}; a test holds RUNBOOK.md to this list.
 */
public enum RunbookSection {
    NO_LEADER("no-leader", "No leader"),
    FAILURE_TOLERANCE("failure-tolerance", "Failure tolerance below 1"),
    SEALED_NODES("sealed-nodes", "Sealed nodes"),
    STALE_PEERS("stale-peers", "Stale peers"),
    MISSING_PEERS("missing-peers", "Missing peers"),
    AUTOPILOT_UNHEALTHY("autopilot-unhealthy", "Autopilot unhealthy"),
    PUBLISHER_NOT_REPORTING("publisher-not-reporting", "Health publisher not reporting"),
    HANDLER_ERRORS("handler-errors", "Lifecycle handler errors"),
    DEAD_LETTERS("dead-letter-queue", "Lifecycle dead-letter queue not empty"),
    LIFECYCLE_ABANDON("lifecycle-abandon", "Lifecycle action ABANDONed"),
    INTERRUPTION_PEER_KEPT("interruption-peer-kept", "Spot interruption: peer kept"),
    CLAIMS_NOT_CONFIRMED("claims-not-confirmed", "Events AWS does not confirm"),
    LEADER_CHANGES("leader-changes", "Frequent leader changes"),
    AVAILABILITY_BURN("availability-slo-burn", "Availability SLO burning"),
    LATENCY_BURN("latency-slo-burn", "Latency SLO burning"),
    TLS_FAILURES("tls-failures", "Certificate a new client cannot verify"),
    CERTIFICATE_EXPIRY("certificate-expiry", "Certificate expiring"),
    UNSEAL_KEY_UNUSABLE("unseal-key-unusable", "Unseal key not usable"),
    SNAPSHOT_AGE("snapshot-age", "Snapshot too old"),
    ROLL_STOPPED("roll-stopped", "Version mix: a roll that stopped"),
    INITIALIZED_DURING_INIT_WINDOW("initialized-during-init-window", "Cluster initialized while initCidrs is set"),
    GROUPS_WITHOUT_RETAIN_POLICY("groups-without-retain-policy", "A group without the retain policy");

    /** The runbook file, relative to the repository root. */
    public static final String FILE = "RUNBOOK.md";

    private final String anchor;
    private final String title;

    RunbookSection(String anchor, String title) {
        this.anchor = anchor;
        this.title = title;
    }

    public String anchor() {
        return anchor;
    }

    public String title() {
        return title;
    }

    /** What an alarm description ends with, so the on-call engineer knows where to look. */
    public String reference() {
        return "Runbook: " + FILE + "#" + anchor;
    }
}
