package dev.raftlifecycle.decisions;

import dev.raftlifecycle.contract.MetricName;
import java.util.Optional;

/**
 * What KMS said of the unseal key this run. Vault unseals only while the key is Enabled: a disabled key, one pending
 * deletion or import, or one that is gone leaves every node that restarts, and every new node, sealed for good.
 *
 * @param state  KMS's key state ({@code Enabled}, {@code Disabled}, {@code PendingDeletion}, ...) when it answered;
 *               {@code NotFound} or {@code AccessDenied} when it refused; empty when the read failed otherwise
 * @param detail for the publisher's line
 */
public record UnsealKeyReading(Optional<String> state, String detail) {
    public static final String ENABLED = "Enabled";
    public static final String NOT_FOUND = "NotFound";
    public static final String ACCESS_DENIED = "AccessDenied";

    /**
     * UnsealKeyUsable: 1 only for Enabled; 0 for every other answer, including a refusal (a key the publisher may no
     * longer describe has had its policy changed under the cluster, which is worth a look); nothing when the read
     * failed for another reason (throttled, unreachable: missing data, not a verdict).
     */
    public Optional<MetricValue> metric() {
        return state.map(s -> new MetricValue(MetricName.UNSEAL_KEY_USABLE, ENABLED.equals(s) ? 1 : 0));
    }
}
