package dev.raftlifecycle.contract;

/** Lambda handler strings, shared with the CDK app (and checked against the jar by its tests). */
public final class HandlerNames {
    public static final String TERMINATING = "dev.raftlifecycle.handlers.TerminatingHandler::handleRequest";
    public static final String LAUNCHING = "dev.raftlifecycle.handlers.LaunchingHandler::handleRequest";
    public static final String PUBLISHER = "dev.raftlifecycle.handlers.HealthPublisherHandler::handleRequest";

    private HandlerNames() {
    }
}
