package dev.raftlifecycle.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.config.Settings;
import dev.raftlifecycle.handlers.HealthPublisherHandler;
import dev.raftlifecycle.handlers.TerminatingHandler;
import dev.raftlifecycle.rig.ClusterSpec;
import dev.raftlifecycle.rig.EventBridgeEvents;
import dev.raftlifecycle.rig.LifecycleRecorder;
import dev.raftlifecycle.rig.RaftCluster;
import dev.raftlifecycle.rig.RaftClusterExtension;
import dev.raftlifecycle.rig.RaftNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A node's certificate changed under running handlers, written once and run on each system ({@link CertificatesIT}
 * Vault, {@link ConsulCertificatesIT} Consul): the server reloads it on SIGHUP (as {@code systemctl reload}), while
 * the handlers' pooled connections were opened before and would never handshake again. What the handlers must see is
 * what a client connecting now sees. Expectations come from the test's own handshakes and its own reading of the
 * certificate files, not from the probe.
 */
abstract class CertificatesCases {
    private static final Duration LAMBDA_TIME = Duration.ofMinutes(1);

    /** The subclass's cluster fixture. */
    abstract RaftClusterExtension<? extends RaftCluster> fixture();

    private RaftCluster cluster;
    private HandlerHarness harness;
    private RaftNode changed;

    @BeforeEach
    void setUp() {
        cluster = fixture().cluster();
        harness = new HandlerHarness(cluster).with(Settings.LIFECYCLE_HEARTBEAT_SECONDS, "60");
    }

    @AfterEach
    void restore() {
        if (changed != null && changed.running()) {
            changed.replaceCertificate(cluster.tlsMaterial().issuePem(changed.ip(), List.of(cluster.tlsServerName())));
            cluster.await("the node's certificate verifies again", Duration.ofSeconds(30), () -> verifies(changed));
        }
        cluster.heal(Duration.ofSeconds(120));
    }

    /** The test's own client: a new handshake with the rig's CA (chain only). */
    private boolean verifies(RaftNode node) {
        try (SSLSocket socket = (SSLSocket) cluster.tlsMaterial().sslContext().getSocketFactory()
                .createSocket(node.ip(), node.apiAddress().getPort())) {
            socket.setSoTimeout(5000);
            socket.startHandshake();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The expiry of the certificate in a node's file, as the test reads it. */
    private static Instant notAfterOnDisk(RaftNode node) {
        try (InputStream in = Files.newInputStream(node.tlsFiles().certFile())) {
            X509Certificate leaf = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
            return leaf.getNotAfter().toInstant();
        } catch (Exception e) {
            throw new AssertionError("cannot read " + node.tlsFiles().certFile() + ": " + e.getMessage(), e);
        }
    }

    @Test
    void aSelfSignedRenewalOnAFollowerIsATlsFailureForThePublisherAndTheQuorumGuard() {
        HealthPublisherHandler publisher = harness.publisher();
        RaftNode leader = cluster.awaitLeader(Duration.ofSeconds(30));
        List<RaftNode> followers = cluster.runningNodes().stream().<RaftNode>map(n -> n).filter(n -> n != leader).toList();
        // Warm: the publisher's and the terminating handler's pooled connections reach every node before the change.
        HealthPublisherHandler.Outcome before = publisher.run(LAMBDA_TIME);
        assertThat(before.metrics()).containsEntry("TlsFailures", 0.0).containsEntry("HealthyVoters", 3.0);
        TerminatingHandler terminating = harness.terminating();

        changed = followers.get(0);
        changed.replaceCertificate(cluster.tlsMaterial().selfSignedPem(changed.ip(), List.of(cluster.tlsServerName())));
        cluster.await("the test's own client refuses the new certificate", Duration.ofSeconds(30), () -> !verifies(changed));

        HealthPublisherHandler.Outcome after = publisher.run(LAMBDA_TIME);
        assertThat(after.metrics()).as(after.detail()).containsEntry("TlsFailures", 1.0)
                .containsEntry("UnreachableNodes", 1.0).containsEntry("HealthyVoters", 2.0);
        assertThat(after.detail()).contains(changed.instanceId() + "=tls-failure");

        // The other follower's termination: with the changed node unusable by clients, its removal would leave one
        // serving voter of two. Before the probe, the pooled connection called the changed node healthy.
        RaftNode leaving = followers.get(1);
        LifecycleRecorder.LifecycleAction action = cluster.openTermination(leaving.instanceId());
        TerminatingHandler.Outcome outcome = terminating.handle(EventBridgeEvents.forAction(action), Duration.ofSeconds(20));
        assertThat(outcome.action()).as(outcome.detail()).isEqualTo("ABANDON");
        assertThat(outcome.peerRemoved()).isFalse();
        assertThat(outcome.detail()).contains(changed.instanceId() + "=tls-failure");
        assertThat(cluster.raftNodeIds()).hasSize(3).contains(leaving.instanceId());
        cluster.rig().recorder().lifecycleState(leaving.instanceId(), null); // back in service
    }

    @Test
    void theFewestDaysLeftOnAnyNodesCertificateArePublished() {
        HealthPublisherHandler publisher = harness.publisher();
        changed = cluster.follower();
        Instant now = Instant.now();
        // A renewal that went wrong the other way: a valid certificate from the cluster's CA with 30 hours left.
        changed.replaceCertificate(cluster.tlsMaterial().issuePem(changed.ip(), List.of(cluster.tlsServerName()),
                now.minus(Duration.ofDays(89)), now.plus(Duration.ofHours(30))));
        Instant expected = notAfterOnDisk(changed);
        cluster.await("the node presents its new certificate", Duration.ofSeconds(30), () -> presentsExpiry(changed, expected));

        HealthPublisherHandler.Outcome outcome = publisher.run(LAMBDA_TIME);

        long fewest = cluster.runningNodes().stream().map(CertificatesCases::notAfterOnDisk)
                .mapToLong(end -> Math.floorDiv(Duration.between(Instant.now(), end).toSeconds(), 86_400)).min().orElseThrow();
        assertThat(fewest).as("the changed node's 30 hours are the fewest").isEqualTo(1);
        assertThat(outcome.metrics()).containsEntry("CertificateDaysLeft", (double) fewest).containsEntry("TlsFailures", 0.0);
    }

    /** Whether a new handshake gets the certificate that expires at {@code notAfter}. */
    private boolean presentsExpiry(RaftNode node, Instant notAfter) {
        try (SSLSocket socket = (SSLSocket) cluster.tlsMaterial().sslContext().getSocketFactory()
                .createSocket(node.ip(), node.apiAddress().getPort())) {
            socket.setSoTimeout(5000);
            socket.startHandshake();
            X509Certificate leaf = (X509Certificate) socket.getSession().getPeerCertificates()[0];
            return leaf.getNotAfter().toInstant().equals(notAfter);
        } catch (IOException e) {
            return false;
        }
    }
}
