package dev.raftlifecycle.rig;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * moto in server mode on a free loopback port: the AWS emulator. It runs through {@value #LAUNCHER} (moto's own
 * server, with DynamoDB's per-item write atomicity, which moto alone does not keep under load) with the Python
 * interpreter moto_server's own first line names.
 */
public final class MotoServer implements AutoCloseable {
    private final ManagedProcess process;
    private final URI endpoint;
    private final String version;

    private MotoServer(ManagedProcess process, URI endpoint, String version) {
        this.process = process;
        this.endpoint = endpoint;
        this.version = version;
    }

    static final String LAUNCHER = "moto_atomic_server.py";

    public static MotoServer start(Path workDir) {
        Path bin = Tools.motoServer();
        int port = Net.freePort();
        Path launcher = writeLauncher(workDir);
        ManagedProcess process = ManagedProcess.start("moto", List.of(interpreter(bin).toString(), launcher.toString(),
                "-H", "127.0.0.1", "-p", Integer.toString(port)), workDir.resolve("moto.log"), Map.of());
        URI endpoint = URI.create("http://127.0.0.1:" + port);
        awaitReady(process, endpoint);
        return new MotoServer(process, endpoint, Tools.motoVersion(bin));
    }

    private static Path writeLauncher(Path workDir) {
        try (InputStream in = MotoServer.class.getResourceAsStream(LAUNCHER)) {
            if (in == null) {
                throw new RigException(LAUNCHER + " is missing from the rig's resources");
            }
            Path target = workDir.resolve(LAUNCHER);
            Files.createDirectories(workDir);
            Files.write(target, in.readAllBytes());
            return target;
        } catch (IOException e) {
            throw new RigException("could not write " + LAUNCHER + " into " + workDir, e);
        }
    }

    /** The interpreter of a pip entry point: its "#!" line (the virtualenv's python). */
    public static Path interpreter(Path entryPoint) {
        try (BufferedReader reader = Files.newBufferedReader(entryPoint)) {
            String first = reader.readLine();
            if (first != null && first.startsWith("#!")) {
                Path python = Path.of(first.substring(2).trim().split("\\s+")[0]);
                if (Files.isExecutable(python)) {
                    return python;
                }
            }
        } catch (IOException e) {
            throw new RigException("could not read " + entryPoint, e);
        }
        throw new RigException(entryPoint + " does not start with a \"#!\" line naming an executable Python: point"
                + " RIG_MOTO_SERVER at the moto_server script pip installed");
    }

    private static void awaitReady(ManagedProcess process, URI endpoint) {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest probe = HttpRequest.newBuilder(endpoint.resolve("/moto-api/data.json"))
                .timeout(Duration.ofSeconds(2)).GET().build();
        Instant deadline = Instant.now().plusSeconds(60);
        while (Instant.now().isBefore(deadline)) {
            if (!process.alive()) {
                throw new RigException("moto server exited at start:\n" + process.tail(30));
            }
            try {
                if (client.send(probe, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RigException("interrupted waiting for moto", e);
            }
            sleep(100);
        }
        process.kill();
        throw new RigException("moto server did not answer within 60 s:\n" + process.tail(30));
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RigException("interrupted", e);
        }
    }

    public URI endpoint() {
        return endpoint;
    }

    /**
     * Turns moto's access control on (its {@code /moto-api/reset-auth} with no unauthenticated requests left): from now
     * on every request must be signed by a key moto knows, and the signer's identity policies are evaluated.
     */
    void enforceIam() {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest reset = HttpRequest.newBuilder(endpoint.resolve("/moto-api/reset-auth"))
                .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString("0")).build();
        try {
            HttpResponse<String> answer = client.send(reset, HttpResponse.BodyHandlers.ofString());
            if (answer.statusCode() != 200) {
                throw new RigException("moto refused to turn access control on: " + answer.statusCode() + " "
                        + answer.body());
            }
        } catch (IOException e) {
            throw new RigException("cannot turn moto's access control on: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RigException("interrupted", e);
        }
    }

    public String version() {
        return version;
    }

    public boolean alive() {
        return process.alive();
    }

    public ManagedProcess process() {
        return process;
    }

    @Override
    public void close() {
        process.stop(5);
    }
}
