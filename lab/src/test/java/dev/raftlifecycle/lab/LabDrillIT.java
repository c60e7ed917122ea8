package dev.raftlifecycle.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The two lost-quorum drills, as scripts/lab runs them: their one line, their exit code, their timeline page. */
class LabDrillIT {
    private static Path labDir(String name) throws IOException {
        Path dir = Path.of(System.getProperty("rig.workDir", "target/rig-runs")).resolve(name);
        Files.createDirectories(dir);
        return dir;
    }

    private static String run(Path dir, String... args) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int exit = Lab.run(args, new PrintStream(bytes, true, StandardCharsets.UTF_8), dir);
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertThat(exit).as(out).isZero();
        return out;
    }

    private static void timelineWritten(String out) {
        Matcher page = Pattern.compile("drill: timeline written to (\\S+)").matcher(out);
        assertThat(page.find()).as(out).isTrue();
        assertThat(Path.of(page.group(1))).exists().content().contains("<svg");
    }

    @Test
    void restoreDrillLosesNothingAcknowledgedBeforeTheSnapshotAndReportsRpoAndRto() throws Exception {
        String out = run(labDir("drill-restore"), "drill", "restore");
        Matcher line = Pattern.compile("drill: restore lost_before_snapshot=0 rpo_writes=(\\d+) rpo_s=(\\d+\\.\\d) rto_s=(\\d+\\.\\d)")
                .matcher(out);
        assertThat(line.find()).as(out).isTrue();
        // Writes went on for seconds after the snapshot and before the disaster: some of them are the RPO.
        assertThat(Integer.parseInt(line.group(1))).as(out).isPositive();
        assertThat(Double.parseDouble(line.group(3))).as(out).isPositive();
        timelineWritten(out);
    }

    @Test
    void peersJsonDrillLosesNoAcknowledgedWrite() throws Exception {
        String out = run(labDir("drill-peers-json"), "drill", "peers-json");
        Matcher line = Pattern.compile("drill: peers-json lost_writes=0 rto_s=(\\d+\\.\\d)").matcher(out);
        assertThat(line.find()).as(out).isTrue();
        // The survivors' stop, peers.json, start and election take seconds: no write sent after the loss is taken before.
        assertThat(Double.parseDouble(line.group(1))).as(out).isGreaterThan(1.0);
        assertThat(out).contains("PASS  no quorum: no write is acknowledged");
        timelineWritten(out);
    }
}
