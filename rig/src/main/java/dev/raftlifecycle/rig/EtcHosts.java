package dev.raftlifecycle.rig;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The rig's names in /etc/hosts: what a VPC's resolver answers for an instance's private DNS name
 * ({@code ip-10-0-1-5.ec2.internal}), here for the loopback addresses of a foreign cluster's nodes
 * ({@link ClusterSpec#asForeign()}). Vault (Go's resolver) reads only /etc/hosts and /etc/resolv.conf, Java goes through
 * the system's resolver, which reads /etc/hosts too: one file serves both.
 *
 * <p>Each cluster has a block of its own between markers naming the project, the cluster and the process that wrote it:
 * <pre>
 *   # BEGIN raft-lifecycle rig cluster=NAME pid=PID
 *   127.42.1.4 ip-127-42-1-4.ec2.internal
 *   # END raft-lifecycle rig cluster=NAME
 * </pre>
 * Adding a name already there changes nothing; removing a cluster removes its block; no other line is ever touched.
 * A block whose process is gone (a JVM killed before it could clean up) is removed by the next write. Writes from
 * several JVMs are serialized by a lock file; the file is rewritten in place (a container's /etc/hosts is a bind mount,
 * which a rename cannot replace). The file is {@code /etc/hosts} unless the system property
 * {@value #FILE_PROPERTY} names another (a test of this class).
 */
public final class EtcHosts {
    /** The system property naming another hosts file. */
    public static final String FILE_PROPERTY = "raftlifecycle.hostsFile";
    static final String BEGIN = "# BEGIN raft-lifecycle rig cluster=";
    static final String END = "# END raft-lifecycle rig cluster=";
    private static final Pattern BEGIN_LINE = Pattern.compile("^# BEGIN raft-lifecycle rig cluster=(\\S+) pid=(\\d+)$");

    private EtcHosts() {
    }

    static Path file() {
        return Path.of(System.getProperty(FILE_PROPERTY, "/etc/hosts"));
    }

    /** Adds {@code name} for {@code ip} to the cluster's block (created if missing); nothing if it is there. */
    public static void add(String cluster, String ip, String name) {
        requireToken(cluster, "cluster name");
        requireToken(ip, "address");
        requireToken(name, "host name");
        edit(blocks -> {
            Map<String, String> block = blocks.computeIfAbsent(cluster, c -> new LinkedHashMap<>());
            block.put(name, ip);
        });
    }

    /** Removes the cluster's block, if any. */
    public static void remove(String cluster) {
        edit(blocks -> blocks.remove(cluster));
    }

    /** The names of the cluster's block, name to address (empty if it has none). */
    public static Map<String, String> names(String cluster) {
        try {
            return parse(Files.readAllLines(file(), StandardCharsets.UTF_8)).blocks.getOrDefault(cluster, Map.of());
        } catch (IOException e) {
            throw new RigException("cannot read " + file() + ": " + e.getMessage(), e);
        }
    }

    private static void requireToken(String value, String what) {
        if (value == null || value.isBlank() || !value.matches("[A-Za-z0-9._:-]+")) {
            throw new IllegalArgumentException("not a " + what + " for " + file() + ": '" + value + "'");
        }
    }

    /** The file's lines outside the rig's blocks, and the blocks of live processes (this one's first). */
    private record Parsed(List<String> others, Map<String, Map<String, String>> blocks, Map<String, Long> owners) {
    }

    private static Parsed parse(List<String> lines) {
        List<String> others = new ArrayList<>();
        Map<String, Map<String, String>> blocks = new LinkedHashMap<>();
        Map<String, Long> owners = new LinkedHashMap<>();
        String current = null;
        for (String line : lines) {
            Matcher begin = BEGIN_LINE.matcher(line.strip());
            if (current == null && begin.matches()) {
                current = begin.group(1);
                owners.put(current, Long.parseLong(begin.group(2)));
                blocks.put(current, new LinkedHashMap<>());
            } else if (current != null && line.strip().equals(END + current)) {
                current = null;
            } else if (current != null) {
                String[] parts = line.strip().split("\\s+");
                if (parts.length >= 2 && !parts[0].startsWith("#")) {
                    for (int i = 1; i < parts.length; i++) {
                        blocks.get(current).put(parts[i], parts[0]);
                    }
                }
            } else {
                others.add(line);
            }
        }
        if (current != null) {
            throw new RigException(file() + " has '" + BEGIN + current + "' without its end marker: fix the file by hand"
                    + " (remove the rig's unterminated block) before starting a foreign cluster");
        }
        return new Parsed(others, blocks, owners);
    }

    private static synchronized void edit(java.util.function.Consumer<Map<String, Map<String, String>>> change) {
        Path file = file();
        if (!Files.isWritable(file)) {
            throw notWritable(file, null);
        }
        Path lockFile = Path.of(System.getProperty("java.io.tmpdir"), "raft-lifecycle-rig-hosts.lock");
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock lock = channel.lock()) {
            Parsed parsed = parse(Files.readAllLines(file, StandardCharsets.UTF_8));
            long me = ProcessHandle.current().pid();
            Map<String, Map<String, String>> blocks = new LinkedHashMap<>();
            Map<String, Long> owners = new LinkedHashMap<>();
            parsed.blocks().forEach((cluster, names) -> {
                long pid = parsed.owners().get(cluster);
                if (pid == me || ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                    blocks.put(cluster, names);
                    owners.put(cluster, pid);
                }
            });
            Map<String, Map<String, String>> before = copy(blocks);
            change.accept(blocks);
            if (blocks.equals(before) && blocks.size() == parsed.blocks().size()) {
                return; // nothing to change, no dead block to drop
            }
            StringBuilder out = new StringBuilder();
            for (String line : parsed.others()) {
                out.append(line).append('\n');
            }
            blocks.forEach((cluster, names) -> {
                if (names.isEmpty()) {
                    return;
                }
                out.append(BEGIN).append(cluster).append(" pid=").append(owners.getOrDefault(cluster, me)).append('\n');
                names.forEach((name, ip) -> out.append(ip).append(' ').append(name).append('\n'));
                out.append(END).append(cluster).append('\n');
            });
            // In place: truncate and write (no rename: a bind-mounted /etc/hosts cannot be replaced).
            Files.writeString(file, out, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE);
        } catch (AccessDeniedException e) {
            throw notWritable(file, e);
        } catch (IOException e) {
            throw new RigException("cannot update " + file + ": " + e.getMessage(), e);
        }
    }

    private static Map<String, Map<String, String>> copy(Map<String, Map<String, String>> blocks) {
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        blocks.forEach((k, v) -> out.put(k, new LinkedHashMap<>(v)));
        return out;
    }

    private static RigException notWritable(Path file, Exception cause) {
        return new RigException(file + " is not writable by this user: a foreign cluster's nodes are reached by their"
                + " EC2 private DNS names, which the rig resolves through its own block in " + file + " (Vault's Go"
                + " resolver reads only /etc/hosts and /etc/resolv.conf). Run as root (CI does), or make the file"
                + " writable for this user", cause);
    }
}
