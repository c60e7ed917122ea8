package dev.raftlifecycle.lab;

import dev.raftlifecycle.rig.VaultCluster;
import dev.raftlifecycle.rig.VaultNode;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What systemd does for the servers this project builds (ansible's vault.service: {@code Restart=on-failure},
 * {@code RestartSec=5}): a Vault process that exits on its own is started again, with the same configuration and
 * data, 5 s later. The lab's drills run a restore under it, as a real restore runs: Vault 1.14 can panic while its
 * active node steps down after a restore (raft-autopilot's state read during autopilot's shutdown,
 * hashicorp/vault#27726, fixed from 1.17), and on a server of ours that node comes back by itself. Each restart is
 * marked on the timeline and printed, so a drill that needed one says so.
 */
final class ServiceRestarts implements AutoCloseable {
    /** ansible/roles/vault_node/templates/vault.service.j2's RestartSec. */
    static final Duration RESTART_SEC = Duration.ofSeconds(5);

    private final ScheduledExecutorService watcher = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "lab-service-restarts");
        t.setDaemon(true);
        return t;
    });
    private final AtomicInteger restarts = new AtomicInteger();

    ServiceRestarts(VaultCluster cluster, Timeline timeline, PrintStream out) {
        watcher.scheduleWithFixedDelay(() -> {
            for (VaultNode node : cluster.nodes()) {
                if (!node.process().alive()) {
                    String exited = node.instanceId() + " exited (code " + node.process().exitCode() + ")";
                    timeline.mark("crash", node.instanceId(), exited);
                    out.println("        " + exited + "; started again after " + RESTART_SEC.toSeconds()
                            + " s, as systemd's Restart=on-failure does");
                    try {
                        Thread.sleep(RESTART_SEC.toMillis());
                        node.restart();
                        restarts.incrementAndGet();
                        timeline.mark("launch", node.instanceId(), "restarted " + node.instanceId());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    } catch (RuntimeException e) {
                        out.println("        could not restart " + node.instanceId() + ": " + e.getMessage());
                    }
                }
            }
        }, 500, 500, TimeUnit.MILLISECONDS);
    }

    /** How many times a node was started again. */
    int restarts() {
        return restarts.get();
    }

    @Override
    public void close() {
        watcher.shutdownNow();
        try {
            watcher.awaitTermination(RESTART_SEC.toSeconds() + 5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
