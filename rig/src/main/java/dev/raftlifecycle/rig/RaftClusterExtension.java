package dev.raftlifecycle.rig;

import dev.raftlifecycle.contract.ClusterSystem;
import java.util.function.Function;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * JUnit 5 fixture: a real cluster for a test class, started before the first test in the shared rig session and
 * stopped after the last. A failing test gets the cluster's state (and the last log lines of any server that crashed)
 * attached to its failure.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final RaftClusterExtension<VaultCluster> CLUSTER = RaftClusterExtension.vault(ClusterSpec.defaults());
 * }</pre>
 */
public final class RaftClusterExtension<C extends RaftCluster>
        implements BeforeAllCallback, AfterAllCallback, TestExecutionExceptionHandler {
    private final Function<Rig, C> starter;
    private volatile C cluster;

    private RaftClusterExtension(Function<Rig, C> starter) {
        this.starter = starter;
    }

    public static RaftClusterExtension<VaultCluster> vault(ClusterSpec spec) {
        return new RaftClusterExtension<>(rig -> rig.startCluster(spec));
    }

    public static RaftClusterExtension<ConsulCluster> consul(ClusterSpec spec) {
        return new RaftClusterExtension<>(rig -> rig.startConsulCluster(spec));
    }

    /** Consul with encrypted gossip and verified server TLS (see {@link Rig#startConsulCluster(ClusterSpec, String)}). */
    public static RaftClusterExtension<ConsulCluster> consul(ClusterSpec spec, String gossipKey) {
        return new RaftClusterExtension<>(rig -> rig.startConsulCluster(spec, gossipKey));
    }

    /** A cluster of the system, for a test written once for every system. */
    public static RaftClusterExtension<RaftCluster> of(ClusterSystem system, ClusterSpec spec) {
        return new RaftClusterExtension<>(rig -> rig.start(system, spec));
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        cluster = starter.apply(Rig.shared());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
        if (cluster != null) {
            throwable.addSuppressed(new RigException("rig state at failure:\n" + cluster.diagnostics()));
        }
        throw throwable;
    }

    public C cluster() {
        if (cluster == null) {
            throw new IllegalStateException("the cluster starts in beforeAll; use it from a test");
        }
        return cluster;
    }

    public Rig rig() {
        return cluster().rig();
    }
}
