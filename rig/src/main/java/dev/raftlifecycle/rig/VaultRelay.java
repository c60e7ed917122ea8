package dev.raftlifecycle.rig;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A TCP relay in front of each node's API: the code under test talks to {@code <node ip>:<relay port>}, the relay
 * passes the (TLS) bytes through to the real Vault at {@code <node ip>:<api port>} unchanged. One fault can be armed:
 * the answers are lost. For a while, everything the client sends still reaches Vault (which acts on it), but
 * nothing Vault answers reaches the client, and then every connection is cut — the client sees its request fail,
 * though Vault did what it asked (a remove-peer whose response never arrived).
 */
public final class VaultRelay implements AutoCloseable {
    private final int port;
    private final int target;
    private final List<ServerSocket> listeners = new ArrayList<>();
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    /** Until when answers are swallowed (EPOCH: not armed). */
    private final AtomicReference<Instant> swallowUntil = new AtomicReference<>(Instant.EPOCH);
    private final AtomicLong swallowed = new AtomicLong();
    private volatile boolean closed;

    private VaultRelay(int port, int target) {
        this.port = port;
        this.target = target;
    }

    /** Starts one relay per address on a port free on all of them. */
    static VaultRelay start(List<String> addresses, int target) {
        for (int attempt = 0; attempt < 50; attempt++) {
            int candidate = Net.freePort();
            if (addresses.stream().allMatch(a -> Net.bindable(a, candidate))) {
                VaultRelay relay = new VaultRelay(candidate, target);
                try {
                    for (String address : addresses) {
                        relay.listen(address);
                    }
                    return relay;
                } catch (IOException e) {
                    relay.close();
                }
            }
        }
        throw new RigException("no port free on all of " + addresses + " for the Vault relay");
    }

    /** The port to give the handlers (VAULT_PORT). */
    public int port() {
        return port;
    }

    /** Bytes of answers swallowed so far. */
    public long swallowedBytes() {
        return swallowed.get();
    }

    /**
     * From now on and for {@code window}, requests still reach Vault but no answer reaches the client; at the end of
     * the window every connection open through the relay is cut.
     */
    public void loseAnswersFor(Duration window) {
        Instant until = Instant.now().plus(window);
        swallowUntil.set(until);
        Thread cutter = new Thread(() -> {
            MotoServer.sleep(window.toMillis());
            for (Socket s : open) {
                closeQuietly(s);
            }
            swallowUntil.set(Instant.EPOCH);
        }, "vault-relay-cut");
        cutter.setDaemon(true);
        cutter.start();
    }

    private boolean swallowing() {
        return Instant.now().isBefore(swallowUntil.get());
    }

    private void listen(String address) throws IOException {
        ServerSocket server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getByName(address), port));
        listeners.add(server);
        Thread accept = new Thread(() -> {
            while (!closed) {
                try {
                    Socket client = server.accept();
                    Socket upstream = new Socket(address, target);
                    open.add(client);
                    open.add(upstream);
                    pump(client, upstream, false);
                    pump(upstream, client, true);
                } catch (IOException e) {
                    if (closed) {
                        return;
                    }
                }
            }
        }, "vault-relay-" + address);
        accept.setDaemon(true);
        accept.start();
    }

    private void pump(Socket from, Socket to, boolean answers) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[16384];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    if (answers && swallowing()) {
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
        }, "vault-relay-pump");
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
        for (ServerSocket s : listeners) {
            try {
                s.close();
            } catch (IOException e) {
                // already closed
            }
        }
        for (Socket s : open) {
            closeQuietly(s);
        }
    }
}
