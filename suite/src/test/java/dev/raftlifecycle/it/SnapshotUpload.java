package dev.raftlifecycle.it;

import dev.raftlifecycle.contract.ClusterSystem;
import dev.raftlifecycle.decisions.SnapshotArchive;
import dev.raftlifecycle.ports.Lazy;
import dev.raftlifecycle.ports.SnapshotObjects;
import dev.raftlifecycle.ports.SnapshotStore;
import dev.raftlifecycle.ports.VaultTls;
import dev.raftlifecycle.restore.RecordedMetadata;
import dev.raftlifecycle.rig.RaftCluster;
import dev.raftlifecycle.rig.Rig;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A snapshot taken from a rig cluster's leader through the system's own endpoint (Vault
 * {@code sys/storage/raft/snapshot}, Consul {@code /v1/snapshot}, with the rig's admin token) and streamed into the
 * emulator's S3 with the snapshot function's store ({@link SnapshotStore}), its metadata as that function records it.
 */
final class SnapshotUpload {

    private final Rig rig;
    private final S3Client s3;
    private final String bucket;

    SnapshotUpload(Rig rig, String bucket) {
        this.rig = rig;
        this.bucket = bucket;
        this.s3 = SnapshotObjects.client(Rig.REGION.id(), Optional.of(rig.motoEndpoint()),
                StaticCredentialsProvider.create(rig.adminCredentials()));
        s3.createBucket(r -> r.bucket(bucket));
        s3.putBucketVersioning(r -> r.bucket(bucket).versioningConfiguration(v -> v.status("Enabled")));
    }

    String bucket() {
        return bucket;
    }

    /** Takes a snapshot of {@code cluster} and stores it under {@code prefix}, recorded as a snapshot of {@code recordedCluster}. */
    SnapshotStore.Stored take(RaftCluster cluster, String prefix, String recordedCluster) throws Exception {
        var leader = cluster.awaitLeader(Duration.ofSeconds(30));
        HttpClient http = HttpClient.newBuilder()
                .sslContext(VaultTls.context(cluster.caPem(), Optional.of(cluster.tlsServerName())))
                .connectTimeout(Duration.ofSeconds(5)).build();
        boolean vault = cluster.system() == ClusterSystem.VAULT;
        URI uri = leader.apiAddress().resolve(vault ? "/v1/sys/storage/raft/snapshot" : "/v1/snapshot");
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
                .header(vault ? "X-Vault-Token" : "X-Consul-Token", cluster.adminToken()).GET().build();
        HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
            response.body().close();
            throw new IllegalStateException("snapshot from " + uri + ": HTTP " + response.statusCode());
        }
        SnapshotStore store = new SnapshotStore(Lazy.ready(s3), bucket, Optional.empty(), SnapshotStore.MIN_PART_BYTES);
        try (InputStream body = response.body()) {
            return store.upload(body, (head, length) -> {
                if (!(SnapshotArchive.read(head, length) instanceof SnapshotArchive.Meta meta)) {
                    throw new SnapshotStore.RefusedStream("not a snapshot");
                }
                Map<String, String> metadata = new HashMap<>();
                metadata.put(RecordedMetadata.CLUSTER, recordedCluster);
                metadata.put(RecordedMetadata.SYSTEM, cluster.system().value());
                metadata.put(RecordedMetadata.RAFT_INDEX, Long.toString(meta.index()));
                metadata.put(RecordedMetadata.RAFT_TERM, Long.toString(meta.term()));
                return new SnapshotStore.Target(prefix + String.format("%020d", meta.index()) + ".snap", metadata);
            });
        }
    }

    void close() {
        s3.close();
    }
}
