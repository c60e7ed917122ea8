package dev.raftlifecycle.ports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.raftlifecycle.decisions.ReadFailure;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The streamed snapshot request's limits, against a local server that stalls or refuses. */
class SnapshotStreamsTest {
    private HttpServer server;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        server.createContext("/stall", exchange -> {
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            out.write(new byte[1000]);
            out.flush();
            sleep(5000); // then nothing: a node that stopped sending
            exchange.close();
        });
        server.createContext("/trickle", exchange -> {
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            for (int i = 0; i < 40; i++) {
                out.write(new byte[10]);
                out.flush();
                sleep(100);
            }
            exchange.close();
        });
        server.createContext("/refused", exchange -> {
            byte[] body = "{\"errors\":[\"permission denied\"]}".getBytes();
            exchange.sendResponseHeaders(403, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.createContext("/whole", exchange -> {
            exchange.sendResponseHeaders(200, 3000);
            exchange.getResponseBody().write(new byte[3000]);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private HttpRequest get(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path))
                .timeout(Duration.ofSeconds(2)).GET().build();
    }

    private static ClusterCallException refused(int status, String body) {
        return new ClusterCallException(ReadFailure.DENIED, status, "refused " + status, null);
    }

    @Test
    void aBodyThatStallsIsCutAfterTheIdleTime() {
        long start = System.nanoTime();
        assertThatThrownBy(() -> SnapshotStreams.take(http, get("/stall"), "stall", Duration.ofMillis(500),
                Duration.ofMinutes(1), SnapshotStreamsTest::refused, body -> body.readAllBytes()))
                .isInstanceOf(IOException.class).hasMessageContaining("no byte of the snapshot for 500 ms");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
        assertThat(Thread.currentThread().isInterrupted()).as("the interrupt stays with the cut read").isFalse();
    }

    @Test
    void aBodyStillGoingAtItsLimitIsCutThoughBytesKeepComing() {
        assertThatThrownBy(() -> SnapshotStreams.take(http, get("/trickle"), "trickle", Duration.ofSeconds(2),
                Duration.ofMillis(800), SnapshotStreamsTest::refused, body -> body.readAllBytes()))
                .isInstanceOf(IOException.class).hasMessageContaining("time limit");
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }

    @Test
    void aRefusalIsTheCallersFailureAndTheConsumerIsNotCalled() {
        AtomicBoolean called = new AtomicBoolean();
        assertThatThrownBy(() -> SnapshotStreams.take(http, get("/refused"), "refused", Duration.ofSeconds(1),
                Duration.ofSeconds(5), SnapshotStreamsTest::refused, body -> {
                    called.set(true);
                    return 0;
                })).isInstanceOfSatisfying(ClusterCallException.class, e -> assertThat(e.status()).isEqualTo(403));
        assertThat(called).isFalse();
    }

    @Test
    void aWholeBodyIsHandedOverAsItCame() throws Exception {
        byte[] read = SnapshotStreams.take(http, get("/whole"), "whole", Duration.ofSeconds(1), Duration.ofSeconds(5),
                SnapshotStreamsTest::refused, body -> body.readAllBytes());
        assertThat(read).hasSize(3000);
    }

    @Test
    void noAnswerIsUnreachable() {
        HttpRequest nowhere = HttpRequest.newBuilder(URI.create("http://127.0.0.1:1/x")).timeout(Duration.ofSeconds(1)).GET().build();
        assertThatThrownBy(() -> SnapshotStreams.take(http, nowhere, "nowhere", Duration.ofSeconds(1), Duration.ofSeconds(5),
                SnapshotStreamsTest::refused, body -> body.readAllBytes()))
                .isInstanceOfSatisfying(ClusterCallException.class,
                        e -> assertThat(e.failure()).isEqualTo(ReadFailure.UNREACHABLE));
    }

    /** A stream whose every read waits {@code ms} before giving one byte. */
    private static InputStream slow(long ms) {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0];
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                try {
                    Thread.sleep(ms);
                } catch (InterruptedException e) {
                    throw new java.io.InterruptedIOException("interrupted");
                }
                b[off] = 1;
                return 1;
            }
        };
    }

    @Test
    void timeSpentBetweenReadsIsNotIdleTime() throws Exception {
        SnapshotStreams.Guarded body = new SnapshotStreams.Guarded(slow(400), Thread.currentThread(),
                Duration.ofSeconds(1), Duration.ofMinutes(1));
        try {
            assertThat(body.read(new byte[10], 0, 10)).isEqualTo(1);
            Thread.sleep(2500); // the consumer uploads a part
            assertThat(body.read(new byte[10], 0, 10)).isEqualTo(1);
        } finally {
            body.close();
        }
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }

    @Test
    void aReadThatWaitsLongerThanTheIdleTimeIsStillCut() {
        SnapshotStreams.Guarded body = new SnapshotStreams.Guarded(slow(3000), Thread.currentThread(),
                Duration.ofSeconds(1), Duration.ofMinutes(1));
        try {
            assertThatThrownBy(() -> body.read(new byte[10], 0, 10)).isInstanceOf(IOException.class)
                    .hasMessageContaining("no byte of the snapshot for 1000 ms");
        } finally {
            body.close();
        }
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }
}
