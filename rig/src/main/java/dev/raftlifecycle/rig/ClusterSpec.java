package dev.raftlifecycle.rig;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What cluster to start. Defaults: one node in each of three AZ-pinned groups (3 voters), autopilot
 * server_stabilization_time 3 s and last_contact_threshold 5 s (shorter than Vault's 10 s defaults so
 * the tests do not idle; the handlers read these values from Vault rather than assuming them).
 *
 * @param capacities desired capacity of the group in each zone, in zone order
 * @param spotZones  the zones (indexes) whose group runs Spot instances (see {@link RigGroups}); the others on-demand
 * @param unsealKeyId an existing KMS key (in the rig's emulator) for Vault's seal instead of a new one: a new cluster
 *                    that can take another's snapshot (a restore needs the same unseal key); empty = a key of its own
 * @param foreign    a cluster built the way other tools build them, not ours (see {@link #asForeign()}); false = ours
 */
public record ClusterSpec(String name, List<String> zones, List<Integer> capacities, Duration stabilizationTime,
                          Duration lastContactThreshold, String tlsServerName, boolean configureAuth,
                          boolean initialize, java.util.Set<Integer> spotZones,
                          java.util.Optional<String> unsealKeyId, boolean foreign) {
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final List<String> ZONES = List.of("us-east-1a", "us-east-1b", "us-east-1c");

    public ClusterSpec {
        zones = List.copyOf(zones);
        capacities = List.copyOf(capacities);
        spotZones = java.util.Set.copyOf(spotZones);
        if (zones.size() != capacities.size()) {
            throw new IllegalArgumentException("one capacity per zone");
        }
    }

    public static ClusterSpec defaults() {
        return new ClusterSpec("rig" + ProcessHandle.current().pid() % 10000 + "x" + COUNTER.incrementAndGet(),
                ZONES, List.of(1, 1, 1), Duration.ofSeconds(3), Duration.ofSeconds(5),
                "vault.raft-lifecycle.internal", true, true, java.util.Set.of(), java.util.Optional.empty(), false);
    }

    /** Every group runs Spot instances. */
    public ClusterSpec withSpot() {
        java.util.Set<Integer> all = new java.util.HashSet<>();
        for (int i = 0; i < zones.size(); i++) {
            all.add(i);
        }
        return withSpotZones(all);
    }

    /** These zones' groups (by index) run Spot instances, the others on-demand. */
    public ClusterSpec withSpotZones(java.util.Set<Integer> value) {
        return new ClusterSpec(name, zones, capacities, stabilizationTime, lastContactThreshold, tlsServerName,
                configureAuth, initialize, value, unsealKeyId, foreign);
    }

    /** Whether the group of zone {@code index} runs Spot instances. */
    public boolean spot(int index) {
        return spotZones.contains(index);
    }

    public ClusterSpec withName(String value) {
        return new ClusterSpec(value, zones, capacities, stabilizationTime, lastContactThreshold, tlsServerName,
                configureAuth, initialize, spotZones, unsealKeyId, foreign);
    }

    /** Total node count spread over the zones as Auto Scaling would (5 → 2+2+1). */
    public ClusterSpec withTotalNodes(int total) {
        List<Integer> spread = new ArrayList<>();
        for (int i = 0; i < zones.size(); i++) {
            spread.add(total / zones.size() + (i < total % zones.size() ? 1 : 0));
        }
        return new ClusterSpec(name, zones, spread, stabilizationTime, lastContactThreshold, tlsServerName,
                configureAuth, initialize, spotZones, unsealKeyId, foreign);
    }

    /** The name every server certificate carries (and the auth methods' server id). */
    public ClusterSpec withTlsServerName(String value) {
        return new ClusterSpec(name, zones, capacities, stabilizationTime, lastContactThreshold, value, configureAuth,
                initialize, spotZones, unsealKeyId, foreign);
    }

    public ClusterSpec withStabilizationTime(Duration value) {
        return new ClusterSpec(name, zones, capacities, value, lastContactThreshold, tlsServerName, configureAuth,
                initialize, spotZones, unsealKeyId, foreign);
    }

    /** Skip the AWS auth method and Lambda policy (for clusters that are never logged in to). */
    public ClusterSpec withoutAuth() {
        return new ClusterSpec(name, zones, capacities, stabilizationTime, lastContactThreshold, tlsServerName,
                false, initialize, spotZones, unsealKeyId, foreign);
    }

    /**
     * Start the Vault processes but do not initialize them: the first deploy, before an operator has run
     * `vault operator init` (implies no auth configuration).
     */
    public ClusterSpec uninitialized() {
        return new ClusterSpec(name, zones, capacities, stabilizationTime, lastContactThreshold, tlsServerName,
                false, false, spotZones, unsealKeyId, foreign);
    }

    /** Vault's seal uses this existing KMS key (another cluster's: {@link VaultCluster#kmsKeyId()}). */
    public ClusterSpec withUnsealKeyId(String keyId) {
        return new ClusterSpec(name, zones, capacities, stabilizationTime, lastContactThreshold, tlsServerName,
                configureAuth, initialize, spotZones, java.util.Optional.of(keyId), foreign);
    }

    /**
     * A cluster built the way other tools (Terraform modules, hand-made CDK) build them, for adopting it: each node's
     * Raft node_id is a random UUID (not the instance id), its api_addr and cluster_addr (the Raft address) name the
     * instance's EC2 private DNS name instead of its IP (resolved through the rig's block in /etc/hosts:
     * {@link EtcHosts}), and its groups have none of our lifecycle hooks and no instance lifecycle policy (no
     * retain on TerminateHookAbandon). Vault only: Consul's rig cluster is always built our way.
     */
    public ClusterSpec asForeign() {
        return new ClusterSpec(name, zones, capacities, stabilizationTime, lastContactThreshold, tlsServerName,
                configureAuth, initialize, spotZones, unsealKeyId, true);
    }

    public int totalNodes() {
        return capacities.stream().mapToInt(Integer::intValue).sum();
    }
}
