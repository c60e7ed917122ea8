package dev.raftlifecycle.rig;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A {@link TcpProxy} in front of each node's API: the code under test talks to {@code <node ip>:<relay port>}, the
 * relay passes the (TLS) bytes through to the real Vault at {@code <node ip>:<api port>} unchanged. One fault can be
 * armed: the answers are lost. For a while, everything the client sends still reaches Vault (which acts on it), but
 * nothing Vault answers reaches the client, and then every connection is cut — the client sees its request fail,
 * though Vault did what it asked (a remove-peer whose response never arrived).
 */
public final class VaultRelay implements AutoCloseable {
    private final int port;
    private final List<TcpProxy> proxies;

    private VaultRelay(int port, List<TcpProxy> proxies) {
        this.port = port;
        this.proxies = proxies;
    }

    /** Starts one relay per address on a port free on all of them. */
    static VaultRelay start(List<String> addresses, int target) {
        for (int attempt = 0; attempt < 50; attempt++) {
            int candidate = Net.freePort();
            if (addresses.stream().allMatch(a -> Net.bindable(a, candidate))) {
                List<TcpProxy> proxies = new ArrayList<>();
                try {
                    for (String address : addresses) {
                        InetSocketAddress to = new InetSocketAddress(address, target);
                        proxies.add(TcpProxy.start(address, candidate, "relay-" + address, () -> Optional.of(to)));
                    }
                    return new VaultRelay(candidate, proxies);
                } catch (IOException e) {
                    proxies.forEach(TcpProxy::close);
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
        return proxies.stream().mapToLong(TcpProxy::swallowedBytes).sum();
    }

    /**
     * From now on and for {@code window}, requests still reach Vault but no answer reaches the client; at the end of
     * the window every connection open through the relay is cut.
     */
    public void loseAnswersFor(Duration window) {
        Instant until = Instant.now().plus(window);
        proxies.forEach(p -> p.loseAnswersUntil(until));
        Thread cutter = new Thread(() -> {
            MotoServer.sleep(window.toMillis());
            proxies.forEach(TcpProxy::cutAll);
        }, "vault-relay-cut");
        cutter.setDaemon(true);
        cutter.start();
    }

    @Override
    public void close() {
        proxies.forEach(TcpProxy::close);
    }
}
