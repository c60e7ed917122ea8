package dev.raftlifecycle.infra;

import dev.raftlifecycle.config.Settings;
import dev.raftlifecycle.contract.HandlerNames;
import java.util.Map;

/**
 * The environment the CDK app gives a handler, for code outside the app that runs the handlers from the same context
 * values (the lab wires them in-process to a cluster, adopted or not): {@code ClusterConfig.fromContext} turns the
 * context into a configuration, this turns it into one handler's variables, exactly as {@link LambdaEnvironment}
 * builds them for the stack. Without a load balancer or unseal key of the stack's, the publisher gets no canary and
 * no unseal key.
 */
public final class HandlerEnvironment {
    private HandlerEnvironment() {
    }

    /**
     * @param handlerName one of {@link HandlerNames#ALL_NAMES} (terminating, launching, publisher, reconciler,
     *                    interruption)
     * @param caPem the CA's PEM as it is (escaped here as for Lambda)
     * @param lockTable the lock table's name
     * @param accountId the account the events must come from ({@code ACCOUNT_ID}; the stack sets its own)
     * @throws IllegalArgumentException for another handler name
     */
    public static Map<String, String> of(String handlerName, ClusterConfig config, String caPem, String lockTable,
            String accountId) {
        String ca = LambdaEnvironment.escape(caPem);
        Map<String, String> env = switch (handlerName) {
            case HandlerNames.TERMINATING_NAME -> LambdaEnvironment.terminating(config, ca, lockTable);
            case HandlerNames.LAUNCHING_NAME -> LambdaEnvironment.launching(config, ca, lockTable);
            case HandlerNames.PUBLISHER_NAME -> LambdaEnvironment.publisher(config, ca, lockTable, null, null);
            case HandlerNames.RECONCILER_NAME -> LambdaEnvironment.reconciler(config, ca, lockTable);
            case HandlerNames.INTERRUPTION_NAME -> LambdaEnvironment.interruption(config, ca, lockTable);
            default -> throw new IllegalArgumentException("no handler '" + handlerName + "': one of "
                    + HandlerNames.ALL_NAMES);
        };
        env.put(Settings.ACCOUNT_ID, accountId);
        return env;
    }
}
