package dev.raftlifecycle.it;

import dev.raftlifecycle.decisions.SnapshotArchive;
import dev.raftlifecycle.decisions.SnapshotSource;
import dev.raftlifecycle.ports.ClusterPort;
import dev.raftlifecycle.ports.ConsulClient;
import dev.raftlifecycle.ports.Lazy;
import dev.raftlifecycle.ports.SnapshotStore;
import dev.raftlifecycle.ports.VaultClient;
import dev.raftlifecycle.ports.VaultTls;
import dev.raftlifecycle.rig.RaftCluster;
import dev.raftlifecycle.rig.RaftNode;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A snapshot taken as the snapshot function takes it (its port's {@code snapshot} stream from the leader, its store's
 * multipart upload, its object key and metadata), with the rig's admin token and S3 credentials instead of the
 * function's IAM login and role: the snapshot role's policy is one per rig (RigIam.define), and test classes that run
 * at the same time would each name their own bucket in it. {@link SnapshotCases} tests the function's own path.
 */
final class SnapshotTaking {
    private static final Duration CONNECT = Duration.ofSeconds(5);
    private static final Duration IDLE = Duration.ofSeconds(10);
    private static final Duration LIMIT = Duration.ofMinutes(2);

    private SnapshotTaking() {
    }

    /** Takes one from {@code cluster}'s leader into {@code bucket} under {@code prefix}, recorded as {@code recordedCluster}'s. */
    static SnapshotStore.Stored take(RaftCluster cluster, S3Client s3, String bucket, String prefix, String recordedCluster)
            throws Exception {
        RaftNode leader = cluster.awaitLeader(Duration.ofSeconds(30));
        SSLContext tls = VaultTls.context(cluster.caPem(), Optional.of(cluster.tlsServerName()));
        ClusterPort port = switch (cluster.system()) {
            case VAULT -> new VaultClient(tls, CONNECT, IDLE, cluster.apiPort());
            case CONSUL -> new ConsulClient(tls, CONNECT, IDLE, cluster.apiPort());
        };
        ClusterPort.Session admin = new ClusterPort.Session(cluster.adminToken(), Instant.MAX);
        SnapshotStore store = new SnapshotStore(Lazy.ready(s3), bucket, Optional.empty(), SnapshotStore.MIN_PART_BYTES);
        Instant takenAt = Instant.now();
        return port.snapshot(leader.ip(), admin, IDLE, LIMIT, body -> store.upload(body, (head, length) -> {
            if (!(SnapshotArchive.read(head, length) instanceof SnapshotArchive.Meta meta)) {
                throw new SnapshotStore.RefusedStream("not a snapshot");
            }
            return new SnapshotStore.Target(SnapshotSource.objectKey(prefix, takenAt, meta),
                    SnapshotSource.metadata(recordedCluster, cluster.system().value(), leader.instanceId(), meta));
        }));
    }
}
