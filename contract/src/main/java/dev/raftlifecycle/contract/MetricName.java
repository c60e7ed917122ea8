package dev.raftlifecycle.contract;

/**
 * Every CloudWatch metric raft-lifecycle emits: one source of truth for the publisher, the handlers'
 * Embedded Metric Format lines, the CDK alarms and dashboard, and the tests.
 */
public enum MetricName {
    // Published by the health publisher (PutMetricData), dimension ClusterName.
    LEADER_PRESENT("LeaderPresent", Unit.NONE, Source.PUBLISHER),
    RAFT_PEERS("RaftPeers", Unit.COUNT, Source.PUBLISHER),
    VOTERS("Voters", Unit.COUNT, Source.PUBLISHER),
    NON_VOTERS("NonVoters", Unit.COUNT, Source.PUBLISHER),
    HEALTHY_VOTERS("HealthyVoters", Unit.COUNT, Source.PUBLISHER),
    AUTOPILOT_HEALTHY("AutopilotHealthy", Unit.NONE, Source.PUBLISHER),
    FAILURE_TOLERANCE("FailureTolerance", Unit.COUNT, Source.PUBLISHER),
    SEALED_NODES("SealedNodes", Unit.COUNT, Source.PUBLISHER),
    UNINITIALIZED_NODES("UninitializedNodes", Unit.COUNT, Source.PUBLISHER),
    UNREACHABLE_NODES("UnreachableNodes", Unit.COUNT, Source.PUBLISHER),
    MAX_LAST_CONTACT_MS("MaxLastContactMs", Unit.MILLISECONDS, Source.PUBLISHER),
    MAX_INDEX_LAG("MaxIndexLag", Unit.COUNT, Source.PUBLISHER),
    /** The leader's mean time to commit a Raft entry over its last finished telemetry interval (none without commits). */
    RAFT_COMMIT_TIME_MS("RaftCommitTimeMs", Unit.MILLISECONDS, Source.PUBLISHER),
    STALE_PEERS("StalePeers", Unit.COUNT, Source.PUBLISHER),
    MISSING_PEERS("MissingPeers", Unit.COUNT, Source.PUBLISHER),
    VERSION_COUNT("VersionCount", Unit.COUNT, Source.PUBLISHER),
    /**
     * InService instances launched from another launch template version than their group's (a roll not finished:
     * an AMI or configuration change reaches an instance only when it is replaced). Not published while no group names
     * its version by number ($Latest/$Default cannot be compared).
     */
    OUTDATED_INSTANCES("OutdatedInstances", Unit.COUNT, Source.PUBLISHER),
    EXPECTED_SERVERS("ExpectedServers", Unit.COUNT, Source.PUBLISHER),
    // What a client sees: the publisher's canary through the load balancer (a read and a write a minute).
    // CanarySuccess has one datum per operation (1 succeeded within the canary's deadline, 0 not), so its Average is
    // the fraction of operations that succeeded; the latencies are published for operations that succeeded.
    CANARY_READ_MS("CanaryReadMs", Unit.MILLISECONDS, Source.PUBLISHER),
    CANARY_WRITE_MS("CanaryWriteMs", Unit.MILLISECONDS, Source.PUBLISHER),
    CANARY_SUCCESS("CanarySuccess", Unit.NONE, Source.PUBLISHER),
    // Raft terms begun since the publisher's previous run (each leadership change begins at least one).
    LEADER_CHANGES("LeaderChanges", Unit.COUNT, Source.PUBLISHER),
    // What a new client would see of each node's certificate: a fresh TLS handshake per node and run (no pooled
    // connection, no resumed session), verified against the cluster's CA and server name.
    /** Nodes that answered TCP but whose certificate a new client cannot verify. */
    TLS_FAILURES("TlsFailures", Unit.COUNT, Source.PUBLISHER),
    /** The fewest whole days left on any node's verified certificate (negative: expired). */
    CERTIFICATE_DAYS_LEFT("CertificateDaysLeft", Unit.NONE, Source.PUBLISHER),
    /** 1 when the unseal key's state is Enabled (KMS DescribeKey), 0 otherwise (disabled, pending deletion...). */
    UNSEAL_KEY_USABLE("UnsealKeyUsable", Unit.NONE, Source.PUBLISHER),
    /** 1 once any node says the cluster is initialized, 0 while every node answers uninitialized. */
    CLUSTER_INITIALIZED("ClusterInitialized", Unit.NONE, Source.PUBLISHER),
    /**
     * Seconds since the newest snapshot object under the cluster's prefix in the snapshot bucket was written (S3's
     * LastModified). Published by the publisher, not the snapshot function, so that a snapshot function that no
     * longer runs is seen.
     */
    SNAPSHOT_AGE_SECONDS("SnapshotAgeSeconds", Unit.SECONDS, Source.PUBLISHER),
    /**
     * The cluster's groups whose instance lifecycle policy does not retain an instance whose terminate hook was
     * abandoned (DescribeAutoScalingGroups: InstanceLifecyclePolicy.RetentionTriggers.TerminateHookAbandon is not
     * retain). While above 0 the handlers remove no peer: an ABANDON would not keep the instance for an operator.
     */
    GROUPS_WITHOUT_RETAIN_POLICY("GroupsWithoutRetainPolicy", Unit.COUNT, Source.PUBLISHER),

    // Emitted as Embedded Metric Format log lines (decision log), dimension sets [ClusterName] and
    // [ClusterName, Reason]: by the lifecycle handlers, and by the publisher's reconciler.
    STALE_PEERS_REMOVED("StalePeersRemoved", Unit.COUNT, Source.HANDLER),
    /**
     * An event whose claim AWS did not confirm, or that came from another account or none: nothing was changed. A
     * burst is a misrouted rule, a replay or someone invoking the functions with made-up events.
     */
    CLAIMS_NOT_CONFIRMED("ClaimsNotConfirmed", Unit.COUNT, Source.HANDLER),
    PEER_REMOVED("PeerRemoved", Unit.COUNT, Source.HANDLER),
    LIFECYCLE_CONTINUE("LifecycleContinue", Unit.COUNT, Source.HANDLER),
    LIFECYCLE_ABANDON("LifecycleAbandon", Unit.COUNT, Source.HANDLER),
    DECISION_LATENCY_MS("DecisionLatencyMs", Unit.MILLISECONDS, Source.HANDLER),
    // The interruption handler: every Spot interruption warning for a cluster instance (Reason = what was done),
    // the ones whose peer could not be removed before the instance dies, and rebalance recommendations.
    INTERRUPTION_WARNINGS("InterruptionWarnings", Unit.COUNT, Source.HANDLER),
    INTERRUPTION_PEER_KEPT("InterruptionPeerKept", Unit.COUNT, Source.HANDLER),
    REBALANCE_RECOMMENDATIONS("RebalanceRecommendations", Unit.COUNT, Source.HANDLER),
    // The snapshot function: one datum per snapshot written to S3 (its size and how long it took, from the first
    // byte asked of the leader to the completed upload), and a count per run that took none (Reason = why).
    SNAPSHOT_BYTES("SnapshotBytes", Unit.BYTES, Source.HANDLER),
    SNAPSHOT_DURATION_MS("SnapshotDurationMs", Unit.MILLISECONDS, Source.HANDLER),
    SNAPSHOTS_NOT_TAKEN("SnapshotsNotTaken", Unit.COUNT, Source.HANDLER),
    // Shadow mode (MODE=shadow): what a handler would have done, had it been active. Nothing was changed; the
    // lifecycle action was completed with CONTINUE. Reason = the active mode's reason for the same decision.
    /** A peer the active mode would have removed (terminating, interruption, reconciler). */
    WOULD_REMOVE("WouldRemove", Unit.COUNT, Source.HANDLER),
    /** A leader the active mode would have stepped down before removing it. */
    WOULD_STEP_DOWN("WouldStepDown", Unit.COUNT, Source.HANDLER),
    /** A lifecycle action the active mode would have completed with ABANDON (launch refused, removal refused). */
    WOULD_ABANDON("WouldAbandon", Unit.COUNT, Source.HANDLER);

    /** CloudWatch units used here. */
    public enum Unit {
        NONE("None"), COUNT("Count"), MILLISECONDS("Milliseconds"), SECONDS("Seconds"), BYTES("Bytes");

        private final String cloudWatchName;

        Unit(String cloudWatchName) {
            this.cloudWatchName = cloudWatchName;
        }

        public String cloudWatchName() {
            return cloudWatchName;
        }
    }

    /**
     * How the metric is emitted: PUBLISHER = the publisher's one PutMetricData call, dimension [ClusterName];
     * HANDLER = an Embedded Metric Format line of a decision log (lifecycle handlers and the reconciler).
     */
    public enum Source { PUBLISHER, HANDLER }

    /** Default namespace (METRICS_NAMESPACE overrides it). */
    public static final String DEFAULT_NAMESPACE = "RaftLifecycle";
    /**
     * Default namespace of a Consul cluster's metrics: the same names and dimensions as Vault's, in a namespace of
     * their own, so a Consul and a Vault cluster never share a metric stream (even under one cluster name) and
     * Vault's existing alarms and dashboards keep their metric identities (a new dimension would have changed them).
     */
    public static final String CONSUL_NAMESPACE = "RaftLifecycle/Consul";
    /** The dimension every metric carries. */
    public static final String CLUSTER_DIMENSION = "ClusterName";
    /**
     * Handler metrics are emitted with two dimension sets: [ClusterName] and [ClusterName, Reason]
     * (Reason = the decision's reason, e.g. quorum-would-break, sealed, not-a-member).
     */
    public static final String REASON_DIMENSION = "Reason";

    private final String metricName;
    private final Unit unit;
    private final Source source;
    MetricName(String metricName, Unit unit, Source source) {
        this.metricName = metricName;
        this.unit = unit;
        this.source = source;
    }

    /** The name as it appears in CloudWatch. */
    public String metricName() {
        return metricName;
    }

    public Unit unit() {
        return unit;
    }

    public Source source() {
        return source;
    }
}
