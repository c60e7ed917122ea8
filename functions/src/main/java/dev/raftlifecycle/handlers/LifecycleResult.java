package dev.raftlifecycle.handlers;

import dev.raftlifecycle.contract.LifecycleEvents;

/** How a lifecycle handler ends an action: CONTINUE, ABANDON, or NONE (the action had already ended: complete nothing). */
public enum LifecycleResult {
    CONTINUE(LifecycleEvents.CONTINUE),
    ABANDON(LifecycleEvents.ABANDON),
    NONE("NONE");

    private final String wire;

    LifecycleResult(String wire) {
        this.wire = wire;
    }

    /** The CompleteLifecycleAction result value. */
    public String wire() {
        return wire;
    }
}
