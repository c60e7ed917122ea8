package dev.raftlifecycle.rig;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** moto in server mode on a free loopback port: the AWS emulator. */
public final class MotoServer implements AutoCloseable {
    private final ManagedProcess process;
    private final URI endpoint;
    private final String version;

    private MotoServer(ManagedProcess process, URI endpoint, String version) {
        this.process = process;
        this.endpoint = endpoint;
        this.version = version;
    }

    public static MotoServer start(Path workDir) {
        Path bin = Tools.motoServer();
        int port = Net.freePort();
        ManagedProcess process = ManagedProcess.start("moto", List.of(bin.toString(), "-H", "127.0.0.1", "-p",
                Integer.toString(port)), workDir.resolve("moto.log"), Map.of());
        URI endpoint = URI.create("http://127.0.0.1:" + port);
        awaitReady(process, endpoint);
        return new MotoServer(process, endpoint, Tools.motoVersion(bin));
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
