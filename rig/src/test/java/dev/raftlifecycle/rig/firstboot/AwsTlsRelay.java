package dev.raftlifecycle.rig.firstboot;

import dev.raftlifecycle.rig.TlsMaterial;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * Lets a real AWS client reach the emulator under the real AWS host name. Vault's auto_join (go-discover's
 * aws provider, built on aws-sdk-go v1) has no endpoint setting: it always calls
 * {@code https://ec2.<region>.amazonaws.com}. Given {@code HTTPS_PROXY} pointing here and
 * {@code SSL_CERT_FILE} pointing at {@link #caFile()}, its CONNECT to an allowed AWS host is answered here:
 * TLS is terminated with a certificate for that host signed by a CA of this run, and the plain HTTP inside
 * goes to the emulator, which routes by the Host header and the signature's service name. Nothing is ever
 * sent to AWS: CONNECTs to any other host are refused (403) and recorded.
 */
final class AwsTlsRelay implements AutoCloseable {
    private static final int MAX_HEADER = 8192;
    private static final int TRANSCRIPT_LIMIT = 64 * 1024;

    private final URI emulator;
    private final Set<String> hosts;
    private final SSLContext tls;
    private final Path caFile;
    private final ServerSocket listener;
    private final List<StringBuffer> transcripts = new CopyOnWriteArrayList<>();
    private final List<String> refused = new CopyOnWriteArrayList<>();
    private final List<Socket> open = new CopyOnWriteArrayList<>();

    AwsTlsRelay(URI emulator, Set<String> hosts, Path caFile) {
        this.emulator = emulator;
        this.hosts = Set.copyOf(hosts);
        TlsMaterial authority = TlsMaterial.newAuthority("raft-lifecycle test AWS relay CA");
        TlsMaterial.NodeCertPem cert = authority.issuePem("127.0.0.1", List.copyOf(hosts));
        this.tls = serverContext(cert);
        this.caFile = authority.writeCa(caFile);
        try {
            listener = new ServerSocket();
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 32);
        } catch (IOException e) {
            throw new IllegalStateException("cannot bind the AWS relay: " + e.getMessage(), e);
        }
        Thread.ofVirtual().name("aws-relay-accept").start(this::acceptLoop);
    }

    /** The value for HTTPS_PROXY. */
    URI proxyUrl() {
        return URI.create("http://127.0.0.1:" + listener.getLocalPort());
    }

    /** The CA the client must trust (SSL_CERT_FILE). */
    Path caFile() {
        return caFile;
    }

    /** Whether any relayed request so far contains the text (requests are form-encoded, as sent). */
    boolean relayed(String text) {
        return transcripts.stream().anyMatch(t -> t.indexOf(text) >= 0);
    }

    /** Hosts whose CONNECT was refused. */
    List<String> refusedHosts() {
        return List.copyOf(refused);
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                open.add(client);
                Thread.ofVirtual().name("aws-relay-conn").start(() -> serve(client));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket client) {
        try (client) {
            InputStream in = client.getInputStream();
            String head = readHead(in);
            String[] requestLine = head.split("\r\n", 2)[0].split(" ");
            String target = requestLine.length >= 2 ? requestLine[1] : "";
            String host = target.contains(":") ? target.substring(0, target.lastIndexOf(':')) : target;
            OutputStream out = client.getOutputStream();
            if (!requestLine[0].equals("CONNECT") || !hosts.contains(host)) {
                refused.add(target);
                out.write("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                return;
            }
            out.write("HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            try (SSLSocket secure = (SSLSocket) tls.getSocketFactory().createSocket(client,
                    new ByteArrayInputStream(new byte[0]), true);
                 Socket upstream = new Socket(emulator.getHost(), emulator.getPort())) {
                open.add(upstream);
                secure.setUseClientMode(false);
                secure.startHandshake();
                StringBuffer transcript = new StringBuffer();
                transcripts.add(transcript);
                Thread back = Thread.ofVirtual().start(() -> pump(upstream, secure, null));
                pump(secure, upstream, transcript);
                back.join();
            }
        } catch (IOException e) {
            // the client went away or the handshake failed: nothing to relay
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Reads the proxy request up to the blank line, byte by byte, so no TLS byte is consumed. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < end.length && head.size() < MAX_HEADER) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.US_ASCII);
    }

    private static void pump(Socket from, Socket to, StringBuffer transcript) {
        byte[] buffer = new byte[16384];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buffer)) > 0) {
                out.write(buffer, 0, n);
                out.flush();
                if (transcript != null && transcript.length() < TRANSCRIPT_LIMIT) {
                    transcript.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
                }
            }
        } catch (IOException e) {
            // one side closed
        } finally {
            // HTTP over the tunnel: either side closing ends the exchange (the emulator closes after replying).
            closeQuietly(to);
            closeQuietly(from);
        }
    }

    private static SSLContext serverContext(TlsMaterial.NodeCertPem pem) {
        try {
            List<? extends Certificate> chain = CertificateFactory.getInstance("X.509").generateCertificates(
                    new ByteArrayInputStream(pem.certificateChainPem().getBytes(StandardCharsets.US_ASCII))).stream()
                    .toList();
            String base64 = pem.privateKeyPem().replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
            PrivateKey key = KeyFactory.getInstance("EC")
                    .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
            char[] password = "relay".toCharArray();
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("relay", key, password, chain.toArray(Certificate[]::new));
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, password);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, null);
            return context;
        } catch (Exception e) {
            throw new IllegalStateException("cannot build the relay's TLS context: " + e.getMessage(), e);
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException e) {
            // already closed
        }
        open.forEach(AwsTlsRelay::closeQuietly);
        try {
            Files.deleteIfExists(caFile);
        } catch (IOException e) {
            // left in the scratch directory
        }
    }
}
