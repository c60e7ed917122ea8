package dev.raftlifecycle.rig;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/** JUnit 5 fixture: a real Consul server cluster for a test class, in the shared rig session (see {@link ConsulCluster}). */
public final class ConsulClusterExtension implements BeforeAllCallback, AfterAllCallback, TestExecutionExceptionHandler {
    private final ClusterSpec spec;
    private final String gossipKey;
    private volatile ConsulCluster cluster;

    public ConsulClusterExtension(ClusterSpec spec) {
        this(spec, null);
    }

    /** A cluster with encrypted gossip and verified TLS on server RPC (see {@link Rig#startConsulCluster(ClusterSpec, String)}). */
    public ConsulClusterExtension(ClusterSpec spec, String gossipKey) {
        this.spec = spec;
        this.gossipKey = gossipKey;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        cluster = gossipKey == null ? Rig.shared().startConsulCluster(spec)
                : Rig.shared().startConsulCluster(spec, gossipKey);
    }

    public Rig rig() {
        return Rig.shared();
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

    public ConsulCluster cluster() {
        if (cluster == null) {
            throw new IllegalStateException("the cluster starts in beforeAll; use it from a test");
        }
        return cluster;
    }
}
