package dev.raftlifecycle.rig;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * A TCP forwarder: each connection accepted on {@code address:port} is passed, bytes unchanged (TLS stays end to end),
 * to the target the selector names at that moment; no target, the connection is closed at once. It can be told to
 * lose answers for a while: what the client sends still reaches the target, what the target answers is dropped.
 * The rig's {@link VaultRelay} and the lab's load-balancer stand-in are both made of it.
 */
public final class TcpProxy implements AutoCloseable {
    private final ServerSocket server;
    private final Supplier<Optional<InetSocketAddress>> target;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final AtomicReference<Instant> swallowUntil = new AtomicReference<>(Instant.EPOCH);
    private final AtomicLong swallowed = new AtomicLong();
    private final AtomicLong connections = new AtomicLong();
    private volatile boolean closed;

    private TcpProxy(ServerSocket server, Supplier<Optional<InetSocketAddress>> target) {
        this.server = server;
        this.target = target;
    }

    /** Listens on the address and port (0: a free one) and forwards to what the selector returns per connection. */
    public static TcpProxy start(String address, int port, String name, Supplier<Optional<InetSocketAddress>> target)
            throws IOException {
        ServerSocket server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getByName(address), port));
        TcpProxy proxy = new TcpProxy(server, target);
        Thread accept = new Thread(proxy::acceptLoop, "tcp-proxy-" + name);
        accept.setDaemon(true);
        accept.start();
        return proxy;
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Connections accepted so far. */
    public long connections() {
        return connections.get();
    }

    /** Bytes of answers dropped so far. */
    public long swallowedBytes() {
        return swallowed.get();
    }

    /** Until {@code until}, answers are dropped (requests still pass). */
    public void loseAnswersUntil(Instant until) {
        swallowUntil.set(until);
    }

    /** Cuts every connection open through the proxy. */
    public void cutAll() {
        for (Socket s : open) {
            closeQuietly(s);
        }
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                continue;
            }
            connections.incrementAndGet();
            Optional<InetSocketAddress> to = target.get();
            if (to.isEmpty()) {
                closeQuietly(client);
                continue;
            }
            try {
                Socket upstream = new Socket();
                upstream.connect(to.get(), 2000);
                open.add(client);
                open.add(upstream);
                pump(client, upstream, false);
                pump(upstream, client, true);
            } catch (IOException e) {
                closeQuietly(client);
            }
        }
    }

    private void pump(Socket from, Socket to, boolean answers) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[16384];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    if (answers && Instant.now().isBefore(swallowUntil.get())) {
                        swallowed.addAndGet(n);
                        continue;
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // a side closed: close the other
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                open.remove(from);
                open.remove(to);
            }
        }, "tcp-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // already closed
        }
        cutAll();
    }
}
