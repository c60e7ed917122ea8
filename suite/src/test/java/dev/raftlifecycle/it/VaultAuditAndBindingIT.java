package dev.raftlifecycle.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.raftlifecycle.contract.HandlerNames;
import dev.raftlifecycle.contract.VaultAccess;
import dev.raftlifecycle.ports.ClusterPort;
import dev.raftlifecycle.ports.IamLoginRequest;
import dev.raftlifecycle.ports.VaultClient;
import dev.raftlifecycle.ports.VaultTls;
import dev.raftlifecycle.rig.ClusterSpec;
import dev.raftlifecycle.rig.RaftClusterExtension;
import dev.raftlifecycle.rig.VaultCluster;
import dev.raftlifecycle.rig.VaultNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What scripts/configure-vault hardens, on the real rig cluster it configured: the file audit device is enabled and
 * records the handlers' requests (without their tokens), and the handler roles' tokens only work from the networks
 * given with --token-bound-cidr (the rig passes the handlers' own address, 127.0.0.1/32).
 */
class VaultAuditAndBindingIT {
    @RegisterExtension
    static final RaftClusterExtension<VaultCluster> CLUSTER = RaftClusterExtension.vault(ClusterSpec.defaults());

    private static final String AUDIT_DEVICE = "file/";

    @Test
    void theFileAuditDeviceIsEnabledAndRecordsEveryHandlerRequestWithoutItsToken() throws Exception {
        VaultCluster cluster = CLUSTER.cluster();
        JsonNode device = cluster.adminRead("sys/audit").path(AUDIT_DEVICE);
        assertThat(device.path("type").asText()).as("sys/audit lists " + AUDIT_DEVICE).isEqualTo("file");
        assertThat(device.path("options").path("file_path").asText()).isEqualTo(cluster.auditLogFile().toString());

        long before = Files.size(cluster.auditLogFile());
        VaultClient client = client(cluster);
        ClusterPort.Session reader = login(cluster, client, HandlerNames.LAUNCHING_NAME, VaultAccess.READ_ROLE);
        VaultNode leader = cluster.awaitLeader(Duration.ofSeconds(30));
        assertThat(client.raftConfiguration(leader.ip(), reader)).hasSize(3);

        String added = Files.readString(cluster.auditLogFile()).substring((int) before);
        List<String> entries = added.lines().toList();
        assertThat(entries).as("audit entries written after the login and the read")
                .anyMatch(l -> l.contains("\"type\":\"response\"") && l.contains("\"path\":\"auth/aws/login\""))
                .anyMatch(l -> l.contains("\"type\":\"request\"")
                        && l.contains("\"path\":\"sys/storage/raft/configuration\""));
        // Tokens are HMAC'd in the audit trail, never written in the clear.
        assertThat(added).doesNotContain(reader.token());
        // Written by the vault user, readable by its directory's group (the CloudWatch agent's), by nobody else.
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(cluster.auditLogFile())))
                .isEqualTo("rw-r-----");
    }

    @Test
    void handlerTokensWorkFromTheBoundNetworkOnly() throws Exception {
        VaultCluster cluster = CLUSTER.cluster();
        for (String role : List.of(VaultAccess.MUTATING_ROLE, VaultAccess.READ_ROLE, VaultAccess.PUBLISHER_ROLE)) {
            JsonNode cidrs = cluster.adminRead("auth/" + VaultAccess.AUTH_MOUNT + "/role/" + role)
                    .path("token_bound_cidrs");
            List<String> bound = new ArrayList<>();
            cidrs.forEach(c -> bound.add(c.asText()));
            // Vault answers a single-address block as the bare address.
            assertThat(bound).as(role + " token_bound_cidrs")
                    .isEqualTo(VaultCluster.handlerTokenCidrs().stream().map(c -> c.replaceFirst("/32$", "")).toList());
        }

        VaultClient client = client(cluster);
        ClusterPort.Session reader = login(cluster, client, HandlerNames.LAUNCHING_NAME, VaultAccess.READ_ROLE);
        // The active node: a standby would forward the request (with its source address) and answer the same.
        VaultNode node = cluster.awaitLeader(Duration.ofSeconds(30));
        String path = "/v1/sys/storage/raft/configuration";
        // The same token, the same node, the same request: from the bound address it is served, from another
        // loopback address (outside 127.0.0.1/32) Vault refuses it.
        assertThat(statusFrom("127.0.0.1", cluster, node, path, reader.token())).isEqualTo(200);
        assertThat(statusFrom("127.0.0.2", cluster, node, path, reader.token())).isEqualTo(403);
    }

    private static VaultClient client(VaultCluster cluster) {
        return new VaultClient(VaultTls.context(cluster.caPem(), Optional.of(cluster.tlsServerName())),
                Duration.ofSeconds(1), Duration.ofSeconds(5), cluster.apiPort());
    }

    private static ClusterPort.Session login(VaultCluster cluster, VaultClient client, String handler, String role)
            throws Exception {
        IamLoginRequest.Payload payload = IamLoginRequest.sign(cluster.rig().handlerCredentials(handler, cluster.name()),
                "https://sts.amazonaws.com/", "us-east-1", cluster.tlsServerName(), Clock.systemUTC());
        return client.login(cluster.runningNodes().get(0).ip(), VaultAccess.AUTH_MOUNT, role, payload, Instant.now());
    }

    /** The HTTP status of a GET sent from {@code sourceAddress} (a socket bound to it), over the cluster's TLS. */
    private static int statusFrom(String sourceAddress, VaultCluster cluster, VaultNode node, String path, String token)
            throws IOException {
        Socket plain = new Socket();
        plain.bind(new InetSocketAddress(sourceAddress, 0));
        plain.connect(new InetSocketAddress(node.ip(), cluster.apiPort()), 5_000);
        plain.setSoTimeout(10_000);
        try (SSLSocket tls = (SSLSocket) VaultTls.context(cluster.caPem(), Optional.of(cluster.tlsServerName()))
                .getSocketFactory().createSocket(plain, cluster.tlsServerName(), cluster.apiPort(), true)) {
            tls.startHandshake();
            OutputStream out = tls.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: " + cluster.tlsServerName() + "\r\nX-Vault-Token: " + token
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = tls.getInputStream();
            StringBuilder statusLine = new StringBuilder();
            for (int c = in.read(); c != -1 && c != '\n'; c = in.read()) {
                statusLine.append((char) c);
            }
            String[] parts = statusLine.toString().trim().split(" ");
            assertThat(parts).as("status line from " + sourceAddress + ": " + statusLine).hasSizeGreaterThan(1);
            return Integer.parseInt(parts[1]);
        }
    }
}
