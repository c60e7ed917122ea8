package dev.raftlifecycle.contract;

import java.util.List;

/** Alarm names (each {@code <cluster>-<name>}) that more than the CDK app needs to know. */
public final class AlarmNames {
    /**
     * Alarms whose remedy is a rolling upgrade, so they never stop scripts/rolling-upgrade: a new certificate reaches a
     * server only when it is replaced (tls-failures, certificate-expiry), and a roll that stopped half-way is remedied by
     * resuming it (roll-stopped). Left out of the stack's GateAlarmNames, and out of the gate the script builds from
     * the {@code <cluster>-} prefix when it is given groups instead of a stack.
     */
    public static final List<String> REMEDIED_BY_A_ROLL = List.of("tls-failures", "certificate-expiry", "roll-stopped");

    private AlarmNames() {
    }
}
