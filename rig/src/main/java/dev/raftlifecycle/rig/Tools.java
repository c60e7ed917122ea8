package dev.raftlifecycle.rig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Finds the external programs the rig runs. The scripts (scripts/test, scripts/lab) install them and
 * export RIG_VAULT_BIN / RIG_MOTO_SERVER; when those are absent (a test started from an IDE) the same
 * search the scripts do is repeated here, and a missing tool fails with one line saying how to get it.
 */
public final class Tools {
    /** The Vault version scripts/build-vault builds; keep in step with scripts/lib/common.sh. */
    public static final String BUILT_VAULT_VERSION = "1.14.10";
    /** The moto version scripts/lib/common.sh pins. */
    public static final String MOTO_VERSION = "5.2.5";

    private Tools() {
    }

    static Path cacheDir() {
        String explicit = setting("RAFT_LIFECYCLE_CACHE");
        if (explicit != null) {
            return Path.of(explicit);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("raft-lifecycle");
    }

    /** The vault binary: RIG_VAULT_BIN, VAULT_BIN, `vault` on PATH, or the one scripts/build-vault made. */
    public static Path vault() {
        for (String name : List.of("RIG_VAULT_BIN", "VAULT_BIN")) {
            String value = setting(name);
            if (value != null) {
                Path path = Path.of(value);
                if (!Files.isExecutable(path)) {
                    throw new RigException(name + "=" + value + " is not an executable file");
                }
                return path;
            }
        }
        Optional<Path> onPath = onPath("vault");
        if (onPath.isPresent()) {
            return onPath.get();
        }
        Path built = cacheDir().resolve("vault").resolve(BUILT_VAULT_VERSION).resolve("vault");
        if (Files.isExecutable(built)) {
            return built;
        }
        throw new RigException("no vault binary: set VAULT_BIN, put vault on PATH, or run scripts/build-vault (needs Go)");
    }

    /** The consul binary: RIG_CONSUL_BIN or CONSUL_BIN (scripts/test exports the one scripts/build-consul made). */
    public static Path consul() {
        for (String name : List.of("RIG_CONSUL_BIN", "CONSUL_BIN")) {
            String value = setting(name);
            if (value != null) {
                Path path = Path.of(value);
                if (!Files.isExecutable(path)) {
                    throw new RigException(name + "=" + value + " is not an executable file");
                }
                return path;
            }
        }
        throw new RigException("no consul binary: set CONSUL_BIN, or run scripts/build-consul (needs Go) and export "
                + "RIG_CONSUL_BIN (scripts/test does both)");
    }

    /** moto's server entry point, from the virtualenv the scripts create. */
    public static Path motoServer() {
        String value = setting("RIG_MOTO_SERVER");
        if (value != null) {
            Path path = Path.of(value);
            if (!Files.isExecutable(path)) {
                throw new RigException("RIG_MOTO_SERVER=" + value + " is not an executable file");
            }
            return path;
        }
        Path venv = cacheDir().resolve("moto-" + MOTO_VERSION).resolve("bin").resolve("moto_server");
        if (Files.isExecutable(venv)) {
            return venv;
        }
        throw new RigException("no moto server: run scripts/test or scripts/lab once (they install moto "
                + MOTO_VERSION + " with python3 -m venv), or set RIG_MOTO_SERVER");
    }

    /** `consul version` of the binary, e.g. "v1.16.3" (from its first line, "Consul v1.16.3"). */
    public static String consulVersion(Path consul) {
        return run(List.of(consul.toString(), "version")).lines().findFirst().orElse("?").trim().replaceFirst("^Consul ", "");
    }

    /** `vault version` of the binary, e.g. "v1.14.10". */
    public static String vaultVersion(Path vault) {
        String out = run(List.of(vault.toString(), "version"));
        String[] words = out.trim().split("\\s+");
        return words.length >= 2 ? words[1] : out.trim();
    }

    /** moto's version, asked of the virtualenv's own interpreter. */
    public static String motoVersion(Path motoServer) {
        Path python = motoServer.resolveSibling("python");
        if (!Files.isExecutable(python)) {
            return "unknown";
        }
        return run(List.of(python.toString(), "-c", "import moto; print(moto.__version__)")).trim();
    }

    private static String run(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes());
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new RigException("timed out: " + String.join(" ", command));
            }
            return out;
        } catch (IOException e) {
            throw new RigException("cannot run " + command.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RigException("interrupted running " + command.get(0), e);
        }
    }

    private static Optional<Path> onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate) && !Files.isDirectory(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private static String setting(String name) {
        String value = System.getProperty(name);
        if (value == null || value.isBlank()) {
            value = System.getenv(name);
        }
        return value == null || value.isBlank() ? null : value;
    }
}
