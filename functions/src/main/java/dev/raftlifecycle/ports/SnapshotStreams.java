package dev.raftlifecycle.ports;

import dev.raftlifecycle.decisions.ReadFailure;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A snapshot request whose answer is streamed, not buffered: both ports' {@link ClusterPort#snapshot}. The request's
 * own timeout bounds the wait for the response's headers; after them, a watchdog bounds the body: a read that waits
 * longer than {@code idle} for a byte (measured from that read's start: time the consumer spends between reads,
 * such as uploading a part, does not count), or a stream still going at {@code limit}, is cut (the reading thread is
 * interrupted only while it waits in the body's read, and the stream closed) and the consumer sees an IOException.
 */
final class SnapshotStreams {
    private static final int ERROR_BODY_BYTES = 4096;
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "snapshot-watchdog");
        t.setDaemon(true);
        return t;
    });

    /** Turns a refusal's status and (bounded) body into the port's failure. */
    interface Refusal {
        ClusterCallException of(int status, String body);
    }

    private SnapshotStreams() {
    }

    static <T, E extends Exception> T take(HttpClient http, HttpRequest request, String where, Duration idle,
                                           Duration limit, Refusal refusal, ClusterPort.SnapshotConsumer<T, E> consumer)
            throws ClusterCallException, E {
        HttpResponse<InputStream> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClusterCallException(ReadFailure.UNREACHABLE, 0, where + ": interrupted", e);
        } catch (IOException e) {
            if (HttpFailures.isTls(e)) {
                throw new ClusterCallException(ReadFailure.TLS, 0, where + ": TLS verification failed: "
                        + HttpFailures.describe(e), e);
            }
            throw new ClusterCallException(ReadFailure.UNREACHABLE, 0, where + ": " + HttpFailures.describe(e), e);
        }
        int status = response.statusCode();
        if (status != 200) {
            String body;
            try (InputStream in = response.body()) {
                body = new String(in.readNBytes(ERROR_BODY_BYTES), StandardCharsets.UTF_8);
            } catch (IOException e) {
                body = "";
            }
            throw refusal.of(status, body);
        }
        Guarded body = new Guarded(response.body(), Thread.currentThread(), idle, limit);
        try {
            return consumer.consume(body);
        } finally {
            body.close(); // an unread rest is discarded with the connection
        }
    }

    /** The body under the watchdog. */
    static final class Guarded extends InputStream {
        private final InputStream in;
        private final Thread reader;
        private final long idleNanos;
        private final long endNanos;
        private final ScheduledFuture<?> check;
        private volatile boolean reading;
        /** When the current read started: the idle time is the wait inside one read, not the time between reads. */
        private volatile long readStarted = System.nanoTime();
        private volatile String cut;

        Guarded(InputStream in, Thread reader, Duration idle, Duration limit) {
            this.in = in;
            this.reader = reader;
            this.idleNanos = idle.toNanos();
            this.endNanos = System.nanoTime() + limit.toNanos();
            this.check = WATCHDOG.scheduleWithFixedDelay(this::check, 200, 200, TimeUnit.MILLISECONDS);
        }

        private synchronized void check() {
            long now = System.nanoTime();
            if (cut == null && reading && (now - readStarted > idleNanos || now > endNanos)) {
                cut = now > endNanos ? "the snapshot stream was still going at its time limit"
                        : "no byte of the snapshot for " + Duration.ofNanos(idleNanos).toMillis() + " ms";
                reader.interrupt();
            }
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (cut != null) {
                throw new IOException(cut);
            }
            readStarted = System.nanoTime();
            reading = true;
            try {
                return in.read(b, off, len);
            } catch (IOException e) {
                throw cut != null ? new IOException(cut, e) : e;
            } finally {
                synchronized (this) {
                    reading = false;
                    if (cut != null) {
                        Thread.interrupted(); // the interrupt was for the read only: the caller goes on to abort
                    }
                }
            }
        }

        @Override
        public void close() {
            check.cancel(false);
            synchronized (this) {
                if (cut != null) {
                    Thread.interrupted();
                }
            }
            try {
                in.close();
            } catch (IOException e) {
                // the connection is dropped either way
            }
        }
    }
}
