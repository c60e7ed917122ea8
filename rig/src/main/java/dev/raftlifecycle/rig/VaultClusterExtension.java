package dev.raftlifecycle.rig;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * JUnit 5 fixture: a real Vault cluster for a test class, started before the first test in the shared rig
 * session and stopped after the last. A failing test gets the cluster's state (and the last log lines of any
 * Vault process that crashed) attached to its failure.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final VaultClusterExtension CLUSTER = new VaultClusterExtension(ClusterSpec.defaults());
 * }</pre>
 */
public final class VaultClusterExtension implements BeforeAllCallback, AfterAllCallback, TestExecutionExceptionHandler {
    private final ClusterSpec spec;
    private volatile VaultCluster cluster;

    public VaultClusterExtension(ClusterSpec spec) {
        this.spec = spec;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        cluster = Rig.shared().startCluster(spec);
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

    public VaultCluster cluster() {
        if (cluster == null) {
            throw new IllegalStateException("the cluster starts in beforeAll; use it from a test");
        }
        return cluster;
    }

    public Rig rig() {
        return cluster().rig();
    }
}
