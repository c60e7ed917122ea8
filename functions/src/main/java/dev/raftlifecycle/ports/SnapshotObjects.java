package dev.raftlifecycle.ports;

import dev.raftlifecycle.decisions.SnapshotObject;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ObjectVersion;

/**
 * The restore's read side of the snapshot bucket: the versions under a prefix, one version's metadata, one
 * version's bytes as a stream (read as they are sent on; never held whole, never written to disk).
 */
public final class SnapshotObjects implements AutoCloseable {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** A download stalls no longer than this between two reads. */
    private static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(60);
    /** Listing, HEAD and the start of a GET (its body is read afterwards, under the socket timeout). */
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);

    private final S3Client s3;
    private final String bucket;

    public SnapshotObjects(S3Client s3, String bucket) {
        this.s3 = s3;
        this.bucket = bucket;
    }

    /**
     * An S3 client for the restore: the region explicit; the endpoint the SDK resolves (AWS_ENDPOINT_URL and its
     * kin) unless one is given (the in-process rig and lab), which then is addressed path-style (an emulator on a
     * local address has no bucket subdomains).
     */
    public static S3Client client(String region, Optional<URI> endpoint, AwsCredentialsProvider credentials) {
        var builder = S3Client.builder()
                .region(Region.of(region))
                .credentialsProvider(credentials)
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(CONNECT_TIMEOUT).socketTimeout(SOCKET_TIMEOUT))
                .overrideConfiguration(ClientOverrideConfiguration.builder()
                        .apiCallTimeout(CALL_TIMEOUT)
                        .retryStrategy(RetryMode.STANDARD)
                        .build());
        endpoint.ifPresent(uri -> builder.endpointOverride(uri).forcePathStyle(true));
        return builder.build();
    }

    public String bucket() {
        return bucket;
    }

    /** Every version of every object under {@code prefix} (delete markers left out; each says if it is current). */
    public List<SnapshotObject> list(String prefix) {
        List<SnapshotObject> found = new ArrayList<>();
        s3.listObjectVersionsPaginator(r -> r.bucket(bucket).prefix(prefix)).versions().forEach((ObjectVersion v) ->
                found.add(new SnapshotObject(v.key(), v.versionId() == null ? "null" : v.versionId(), v.lastModified(),
                        v.size() == null ? 0 : v.size(), Boolean.TRUE.equals(v.isLatest()))));
        return found;
    }

    /** The version's user metadata (S3 lowercases the names). */
    public Map<String, String> metadata(SnapshotObject object) {
        return s3.headObject(r -> r.bucket(bucket).key(object.key()).versionId(object.versionId())).metadata();
    }

    /** The version's first {@code bytes} bytes (a ranged GET: the rest is not transferred), fewer for a shorter object. */
    public byte[] head(SnapshotObject object, int bytes) {
        return s3.getObjectAsBytes(r -> r.bucket(bucket).key(object.key()).versionId(object.versionId())
                .range("bytes=0-" + (bytes - 1))).asByteArray();
    }

    /** The version's bytes, from the first; close it when done. */
    public InputStream open(SnapshotObject object) {
        return s3.getObject(r -> r.bucket(bucket).key(object.key()).versionId(object.versionId()));
    }

    @Override
    public void close() {
        s3.close();
    }
}
