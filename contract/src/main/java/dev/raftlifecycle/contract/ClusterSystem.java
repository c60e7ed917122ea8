package dev.raftlifecycle.contract;

import java.util.Locale;
import java.util.Optional;

/** The Raft cluster a deployment looks after: the value of the handlers' SYSTEM setting (and the CDK context key). */
public enum ClusterSystem {
    VAULT, CONSUL;

    /** The configuration value ({@code vault}, {@code consul}). */
    public String value() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The system named by a configuration value, exactly as {@link #value()} spells it. */
    public static Optional<ClusterSystem> of(String value) {
        for (ClusterSystem s : values()) {
            if (s.value().equals(value)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }
}
