package dev.raftlifecycle.rig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EtcHostsTest {
    private static final List<String> OTHERS = List.of("127.0.0.1\tlocalhost", "# a comment of the machine's",
            "::1 localhost ip6-localhost", "10.1.2.3 db.internal");

    @TempDir
    Path dir;
    private Path file;

    @BeforeEach
    void useTempFile() throws Exception {
        file = dir.resolve("hosts");
        Files.write(file, OTHERS);
        System.setProperty(EtcHosts.FILE_PROPERTY, file.toString());
    }

    @AfterEach
    void restore() {
        System.clearProperty(EtcHosts.FILE_PROPERTY);
    }

    @Test
    void addsItsBlockIdempotentlyAndRemovesOnlyItsOwnLines() throws Exception {
        EtcHosts.add("c1", "127.42.1.4", "ip-127-42-1-4.ec2.internal");
        EtcHosts.add("c1", "127.42.2.4", "ip-127-42-2-4.ec2.internal");
        List<String> once = Files.readAllLines(file);
        EtcHosts.add("c1", "127.42.1.4", "ip-127-42-1-4.ec2.internal");
        assertEquals(once, Files.readAllLines(file), "adding a name already there changes nothing");
        assertEquals(OTHERS, once.subList(0, OTHERS.size()), "the machine's lines stay as they were, first");
        assertEquals("# BEGIN raft-lifecycle rig cluster=c1 pid=" + ProcessHandle.current().pid(), once.get(OTHERS.size()));
        assertEquals(List.of("127.42.1.4 ip-127-42-1-4.ec2.internal", "127.42.2.4 ip-127-42-2-4.ec2.internal",
                "# END raft-lifecycle rig cluster=c1"), once.subList(OTHERS.size() + 1, once.size()));
        EtcHosts.add("c2", "127.43.1.4", "ip-127-43-1-4.ec2.internal");
        assertEquals(Map.of("ip-127-43-1-4.ec2.internal", "127.43.1.4"), EtcHosts.names("c2"));
        EtcHosts.remove("c1");
        EtcHosts.remove("c2");
        assertEquals(OTHERS, Files.readAllLines(file), "nothing of the rig's left, nothing else touched");
    }

    @Test
    void aBlockOfAProcessThatIsGoneIsDroppedByTheNextWrite() throws Exception {
        long dead = ProcessHandle.current().pid() + 1_000_000; // above any pid_max
        Files.write(file, List.of(OTHERS.get(0), "# BEGIN raft-lifecycle rig cluster=old pid=" + dead,
                "127.9.1.4 ip-127-9-1-4.ec2.internal", "# END raft-lifecycle rig cluster=old", OTHERS.get(1)));
        EtcHosts.add("c1", "127.42.1.4", "ip-127-42-1-4.ec2.internal");
        List<String> lines = Files.readAllLines(file);
        assertTrue(lines.stream().noneMatch(l -> l.contains("cluster=old") || l.contains("127.9.1.4")), lines.toString());
        assertEquals(List.of(OTHERS.get(0), OTHERS.get(1)), lines.subList(0, 2));
    }

    @Test
    void anUnwritableFileIsAClearErrorAndNothingChanges() throws Exception {
        Path missing = dir.resolve("no-such-dir").resolve("hosts");
        System.setProperty(EtcHosts.FILE_PROPERTY, missing.toString());
        RigException e = assertThrows(RigException.class, () -> EtcHosts.add("c1", "127.42.1.4", "ip-127-42-1-4.ec2.internal"));
        assertTrue(e.getMessage().contains("is not writable") && e.getMessage().contains("Run as root"), e.getMessage());
        assertEquals(OTHERS, Files.readAllLines(file));
    }

    @Test
    void aNameThatIsNotAHostNameIsRefused() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> EtcHosts.add("c1", "127.42.1.4", "evil\n127.0.0.1 x"));
        assertEquals(OTHERS, Files.readAllLines(file));
    }
}
