package dev.raftlifecycle.lab;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.rig.VaultHttp;
import dev.raftlifecycle.rig.VaultNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The meter on a real 3-node lab cluster under the deadline client's load, around one forced step-down of the active
 * node (sys/step-down, which hands Raft leadership to another node): one election, no write lost, nothing replaced.
 */
class RollMeterIT {
    @Test
    void oneStepDownIsOneElectionAndNoLostWrite() throws Exception {
        Path dir = Path.of(System.getProperty("rig.workDir", "target/rig-runs")).resolve("roll-meter");
        Files.createDirectories(dir);
        try (LabEnvironment lab = LabEnvironment.start(3, dir); KvLoad load = new KvLoad(lab, 20)) {
            VaultNode before = lab.cluster.awaitLeader(Duration.ofSeconds(60));
            lab.cluster.await("a healthy cluster", Duration.ofSeconds(60), lab.cluster::autopilotHealthy);
            load.start();
            Thread.sleep(2000);
            RollMeter meter = new RollMeter(lab, load);
            Set<String> instances = RollMeter.instances(lab);
            assertThat(instances).hasSize(3);
            meter.start(instances);
            Thread.sleep(2000);

            VaultHttp.Reply stepDown = lab.cluster.http().send(before.apiAddress(), "PUT", "sys/step-down",
                    lab.cluster.rootToken(), null);
            assertThat(stepDown.status()).as(stepDown.toString()).isEqualTo(204);
            lab.cluster.await("another active node", Duration.ofSeconds(60),
                    () -> lab.cluster.leader().filter(l -> !l.instanceId().equals(before.instanceId())).isPresent());
            lab.cluster.await("a healthy cluster", Duration.ofSeconds(60), lab.cluster::autopilotHealthy);
            Thread.sleep(3000);
            Instant stopping = Instant.now();
            RollMeter.Result result = meter.stop(RollMeter.instances(lab));
            System.out.println(result.line() + " (" + meter.samples().size() + " samples, "
                    + meter.samples().stream().filter(s -> !s.ok()).count() + " unreadable)");

            assertThat(result.line()).matches("roll: nodes=3 replaced=0 elections=1 lost_writes=0 min_failure_tolerance=[01]"
                    + " longest_write_stall_s=\\d+\\.\\d duration_s=\\d+\\.\\d");
            assertThat(result.duration()).isGreaterThan(Duration.ofSeconds(5));
            assertThat(result.longestWriteStall()).isLessThan(result.duration());
            // The samples were taken every POLL or so over the whole run (a few slower while no node was active).
            assertThat(meter.samples()).hasSizeGreaterThan((int) (result.duration().toMillis() / 1000.0));
            assertThat(meter.samples().get(meter.samples().size() - 1).at()).isBefore(stopping.plusSeconds(5));
        }
    }
}
