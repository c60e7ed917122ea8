package dev.raftlifecycle.decisions;

import java.time.Duration;

/** The autopilot configuration values the launch check depends on. */
public record AutopilotSettings(Duration serverStabilizationTime, Duration lastContactThreshold) {
    /** Vault's defaults, used only if the configuration cannot be read. */
    public static final AutopilotSettings VAULT_DEFAULTS = new AutopilotSettings(Duration.ofSeconds(10), Duration.ofSeconds(10));
}
