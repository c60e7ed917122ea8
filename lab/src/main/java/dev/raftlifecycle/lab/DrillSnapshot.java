package dev.raftlifecycle.lab;

import dev.raftlifecycle.decisions.SnapshotArchive;
import dev.raftlifecycle.ports.Lazy;
import dev.raftlifecycle.ports.SnapshotObjects;
import dev.raftlifecycle.ports.SnapshotStore;
import dev.raftlifecycle.ports.VaultTls;
import dev.raftlifecycle.restore.RecordedMetadata;
import dev.raftlifecycle.rig.Rig;
import dev.raftlifecycle.rig.VaultCluster;
import dev.raftlifecycle.rig.VaultNode;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The drill's snapshot: {@code sys/storage/raft/snapshot} from the active node streamed into the emulator's S3 with the
 * snapshot function's store, recorded (cluster, system, Raft index and term) as that function records it.
 */
final class DrillSnapshot implements AutoCloseable {
    private final S3Client s3;
    private final String bucket;

    DrillSnapshot(Rig rig, String bucket) {
        this.bucket = bucket;
        this.s3 = SnapshotObjects.client(Rig.REGION.id(), Optional.of(rig.motoEndpoint()),
                StaticCredentialsProvider.create(rig.adminCredentials()));
        s3.createBucket(r -> r.bucket(bucket));
        s3.putBucketVersioning(r -> r.bucket(bucket).versioningConfiguration(v -> v.status("Enabled")));
    }

    String bucket() {
        return bucket;
    }

    /** Takes one; returns what was stored and the Raft index it holds. */
    record Taken(SnapshotStore.Stored stored, long index) {
    }

    Taken take(VaultCluster cluster, String prefix) throws Exception {
        VaultNode leader = cluster.awaitLeader(Duration.ofSeconds(30));
        HttpClient http = HttpClient.newBuilder()
                .sslContext(VaultTls.context(cluster.caPem(), Optional.of(cluster.tlsServerName())))
                .connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest request = HttpRequest.newBuilder(leader.apiAddress().resolve("/v1/sys/storage/raft/snapshot"))
                .timeout(Duration.ofSeconds(60)).header("X-Vault-Token", cluster.rootToken()).GET().build();
        HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
            response.body().close();
            throw new IllegalStateException("sys/storage/raft/snapshot: HTTP " + response.statusCode());
        }
        long[] index = new long[1];
        SnapshotStore store = new SnapshotStore(Lazy.ready(s3), bucket, Optional.empty(), SnapshotStore.MIN_PART_BYTES);
        try (InputStream body = response.body()) {
            SnapshotStore.Stored stored = store.upload(body, (head, length) -> {
                if (!(SnapshotArchive.read(head, length) instanceof SnapshotArchive.Meta meta)) {
                    throw new SnapshotStore.RefusedStream("not a snapshot");
                }
                index[0] = meta.index();
                return new SnapshotStore.Target(prefix + String.format("%020d", meta.index()) + ".snap", Map.of(
                        RecordedMetadata.CLUSTER, cluster.name(), RecordedMetadata.SYSTEM, cluster.system().value(),
                        RecordedMetadata.RAFT_INDEX, Long.toString(meta.index()),
                        RecordedMetadata.RAFT_TERM, Long.toString(meta.term())));
            });
            return new Taken(stored, index[0]);
        }
    }

    @Override
    public void close() {
        s3.close();
    }
}
