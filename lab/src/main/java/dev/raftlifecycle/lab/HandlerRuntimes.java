package dev.raftlifecycle.lab;

import dev.raftlifecycle.config.Settings;
import dev.raftlifecycle.contract.HandlerNames;
import dev.raftlifecycle.handlers.HandlerRuntime;
import dev.raftlifecycle.handlers.HealthPublisherHandler;
import dev.raftlifecycle.handlers.InterruptionHandler;
import dev.raftlifecycle.handlers.LaunchingHandler;
import dev.raftlifecycle.handlers.ReconcilerHandler;
import dev.raftlifecycle.handlers.TerminatingHandler;
import dev.raftlifecycle.rig.Rig;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * The handlers' runtimes as a deployment has them: one environment, and each function with its own role — the policy
 * the CDK app synthesizes for it, enforced by the emulator ({@link dev.raftlifecycle.rig.RigIam}).
 */
final class HandlerRuntimes {
    private final Rig rig;
    private final Settings settings;
    private final Consumer<String> sink;
    private final Map<String, HandlerRuntime> runtimes = new ConcurrentHashMap<>();

    HandlerRuntimes(Rig rig, Settings settings, Consumer<String> sink) {
        this.rig = rig;
        this.settings = settings;
        this.sink = sink;
    }

    Settings settings() {
        return settings;
    }

    /** The runtime of a handler (by its short name): its role's credentials. */
    HandlerRuntime of(String handler) {
        return runtimes.computeIfAbsent(handler, h -> new HandlerRuntime(settings,
                StaticCredentialsProvider.create(rig.handlerCredentials(h, settings.clusterName())), Clock.systemUTC(),
                sink));
    }

    TerminatingHandler terminating() {
        return new TerminatingHandler(of(HandlerNames.TERMINATING_NAME));
    }

    LaunchingHandler launching() {
        return new LaunchingHandler(of(HandlerNames.LAUNCHING_NAME));
    }

    HealthPublisherHandler publisher() {
        return new HealthPublisherHandler(of(HandlerNames.PUBLISHER_NAME));
    }

    ReconcilerHandler reconciler() {
        return new ReconcilerHandler(of(HandlerNames.RECONCILER_NAME));
    }

    InterruptionHandler interruption() {
        return new InterruptionHandler(of(HandlerNames.INTERRUPTION_NAME));
    }
}
