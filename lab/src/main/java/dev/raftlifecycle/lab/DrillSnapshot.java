package dev.raftlifecycle.lab;

import dev.raftlifecycle.decisions.SnapshotArchive;
import dev.raftlifecycle.decisions.SnapshotSource;
import dev.raftlifecycle.ports.AwsClients;
import dev.raftlifecycle.ports.ClusterPort;
import dev.raftlifecycle.ports.Lazy;
import dev.raftlifecycle.ports.SnapshotStore;
import dev.raftlifecycle.ports.VaultClient;
import dev.raftlifecycle.ports.VaultTls;
import dev.raftlifecycle.rig.Rig;
import dev.raftlifecycle.rig.VaultCluster;
import dev.raftlifecycle.rig.VaultNode;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The drill's snapshot, as the snapshot function takes it (its port's {@code snapshot} stream from the active node,
 * its store's multipart upload, its object key and metadata) but with the rig's root token instead of the function's
 * IAM login: the drill has no Lambda runtime. Into a versioned bucket of the emulator's S3, as the stack creates it.
 */
final class DrillSnapshot implements AutoCloseable {
    private static final Duration CONNECT = Duration.ofSeconds(5);
    private static final Duration IDLE = Duration.ofSeconds(10);
    private static final Duration LIMIT = Duration.ofMinutes(2);

    private final S3Client s3;
    private final String bucket;

    DrillSnapshot(Rig rig, String bucket) {
        this.bucket = bucket;
        this.s3 = new AwsClients(Rig.REGION.id(), Optional.of(rig.motoEndpoint()),
                StaticCredentialsProvider.create(rig.adminCredentials())).s3();
        s3.createBucket(r -> r.bucket(bucket));
        s3.putBucketVersioning(r -> r.bucket(bucket).versioningConfiguration(v -> v.status("Enabled")));
    }

    String bucket() {
        return bucket;
    }

    /** Takes one from the active node into {@code prefix}; returns what was stored. */
    SnapshotStore.Stored take(VaultCluster cluster, String prefix) throws Exception {
        VaultNode leader = cluster.awaitLeader(Duration.ofSeconds(30));
        VaultClient port = new VaultClient(VaultTls.context(cluster.caPem(), Optional.of(cluster.tlsServerName())),
                CONNECT, IDLE, cluster.apiPort());
        ClusterPort.Session root = new ClusterPort.Session(cluster.rootToken(), Instant.MAX);
        SnapshotStore store = new SnapshotStore(Lazy.ready(s3), bucket, Optional.empty(), SnapshotStore.MIN_PART_BYTES);
        Instant takenAt = Instant.now();
        try {
            return port.snapshot(leader.ip(), root, IDLE, LIMIT, body -> store.upload(body, (head, length) -> {
                if (!(SnapshotArchive.read(head, length) instanceof SnapshotArchive.Meta meta)) {
                    throw new SnapshotStore.RefusedStream("not a snapshot");
                }
                return new SnapshotStore.Target(SnapshotSource.objectKey(prefix, takenAt, meta),
                        SnapshotSource.metadata(cluster.name(), cluster.system().value(), leader.instanceId(), meta));
            }));
        } finally {
            port.release();
        }
    }

    @Override
    public void close() {
        s3.close();
    }
}
