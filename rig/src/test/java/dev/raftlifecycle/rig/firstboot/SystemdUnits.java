package dev.raftlifecycle.rig.firstboot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Offline check of a unit file with {@code systemd-analyze verify}, which needs no running systemd. The unit
 * is verified inside a throwaway root that holds this machine's stock units (so After=/WantedBy= targets
 * resolve) and a stub for each program it executes (those are installed on the instance, not here).
 * Every line systemd-analyze prints is a finding: unknown keys and bad values are only warnings to it.
 */
final class SystemdUnits {
    private static final Pattern EXEC = Pattern.compile("^Exec[A-Za-z]*=\\s*[-@:+!]*(/\\S+)", Pattern.MULTILINE);

    private SystemdUnits() {
    }

    static NodeImageTools.Run verify(Path unitFile, Path scratch) {
        return verify(unitFile, scratch, List.of());
    }

    /** @param companions units installed beside it (what it Requires=), stubbed the same way but not verified */
    static NodeImageTools.Run verify(Path unitFile, Path scratch, List<Path> companions) {
        Path analyze = NodeImageTools.systemdAnalyze();
        try {
            Path root = Files.createDirectories(scratch.resolve("systemd-root-" + System.nanoTime()));
            copyStockUnits(analyze, root.resolve("usr/lib/systemd/system"), scratch);
            for (Path file : Stream.concat(Stream.of(unitFile), companions.stream()).toList()) {
                Path installed = root.resolve("etc/systemd/system").resolve(file.getFileName());
                Files.createDirectories(installed.getParent());
                String unit = Files.readString(file);
                Files.writeString(installed, unit);
                Matcher exec = EXEC.matcher(unit);
                while (exec.find()) {
                    Path stub = root.resolve(exec.group(1).substring(1));
                    Files.createDirectories(stub.getParent());
                    Files.writeString(stub, "#!/bin/sh\n");
                    Files.setPosixFilePermissions(stub, PosixFilePermissions.fromString("rwxr-xr-x"));
                }
            }
            return NodeImageTools.run(NodeImageTools.command(analyze, "verify", "--man=no", "--root=" + root,
                    unitFile.getFileName()), scratch, 60);
        } catch (IOException e) {
            throw new AssertionError("cannot prepare the systemd root for " + unitFile + ": " + e.getMessage(), e);
        }
    }

    /** The first unit directory systemd-analyze names that holds sysinit.target, copied (regular files). */
    private static void copyStockUnits(Path analyze, Path target, Path scratch) throws IOException {
        NodeImageTools.Run paths = NodeImageTools.run(NodeImageTools.command(analyze, "unit-paths"), scratch, 30);
        if (!paths.ok()) {
            throw new AssertionError(paths.describe());
        }
        Path stock = paths.output().lines().map(String::trim).filter(l -> l.startsWith("/")).map(Path::of)
                .filter(p -> Files.isRegularFile(p.resolve("sysinit.target"))).findFirst()
                .orElseThrow(() -> new AssertionError("no unit directory with sysinit.target among:\n" + paths.output()));
        Files.createDirectories(target);
        try (Stream<Path> units = Files.list(stock)) {
            for (Path unit : (Iterable<Path>) units::iterator) {
                if (Files.isRegularFile(unit)) { // follows links; skips masked units and directories
                    Files.copy(unit, target.resolve(unit.getFileName()));
                }
            }
        }
    }

    /** Lines of systemd-analyze's output: each one is a finding. */
    static List<String> findings(NodeImageTools.Run run) {
        return run.output().lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }
}
