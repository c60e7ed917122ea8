package dev.raftlifecycle.rig;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One real Vault server process standing in for one EC2 instance: it binds the instance's private IP
 * (a loopback address from the emulator's subnet) on the standard ports, uses the instance id as its Raft
 * node_id (a foreign cluster's node: a random UUID, and its private DNS name in api_addr and cluster_addr), auto-unseals through the emulator's KMS and serves TLS from the rig's CA.
 */
public final class VaultNode implements RaftNode {
    private final String instanceId;
    private final String groupName;
    private final String availabilityZone;
    private final String ip;
    private final String nodeId;
    private final String advertisedHost;
    private final int apiPort;
    private final int clusterPort;
    private final Path dir;
    private volatile ManagedProcess process;
    private volatile Runnable launch;

    VaultNode(String instanceId, String groupName, String availabilityZone, String ip, int apiPort, int clusterPort,
              Path dir) {
        this(instanceId, groupName, availabilityZone, ip, instanceId, ip, apiPort, clusterPort, dir);
    }

    /**
     * @param nodeId         its Raft node_id (ours: the instance id; a foreign cluster's: a random UUID)
     * @param advertisedHost the host of its api_addr and cluster_addr (ours: the private IP; a foreign cluster's: the
     *                       instance's EC2 private DNS name)
     */
    VaultNode(String instanceId, String groupName, String availabilityZone, String ip, String nodeId,
              String advertisedHost, int apiPort, int clusterPort, Path dir) {
        this.nodeId = nodeId;
        this.advertisedHost = advertisedHost;
        this.instanceId = instanceId;
        this.groupName = groupName;
        this.availabilityZone = availabilityZone;
        this.ip = ip;
        this.apiPort = apiPort;
        this.clusterPort = clusterPort;
        this.dir = dir;
    }

    /** How a node is started; the defaults are those of a healthy cluster member. */
    public record Options(String kmsKeyId, List<String> retryJoinAddresses) {
        public Options withKmsKeyId(String keyId) {
            return new Options(keyId, retryJoinAddresses);
        }

        public Options withRetryJoin(List<String> addresses) {
            return new Options(kmsKeyId, addresses);
        }
    }

    void start(Path vaultBin, Options options, TlsMaterial.NodeCert cert, Path caFile, URI kmsEndpoint,
               String region, software.amazon.awssdk.auth.credentials.AwsCredentials credentials) {
        launch = () -> launch(vaultBin, options, cert, caFile, kmsEndpoint, region, credentials);
        launch.run();
    }

    /**
     * Starts the node from a configuration file rendered elsewhere (the first-boot playbook), with the
     * given extra environment (e.g. AWS credentials for the seal).
     */
    void startWithConfig(Path vaultBin, Path configFile, Map<String, String> env) {
        launch = () -> {
            java.util.Map<String, String> all = new java.util.HashMap<>(Map.of("AWS_EC2_METADATA_DISABLED", "true"));
            all.putAll(env);
            process = ManagedProcess.start("vault " + instanceId,
                    List.of(vaultBin.toString(), "server", "-config=" + configFile), dir.resolve("vault.log"), all);
        };
        launch.run();
    }

    /** Stops the process (SIGTERM) and starts it again with the same configuration and data. */
    public void restart() {
        stop();
        launch.run();
    }

    private void launch(Path vaultBin, Options options, TlsMaterial.NodeCert cert, Path caFile, URI kmsEndpoint,
                        String region, software.amazon.awssdk.auth.credentials.AwsCredentials credentials) {
        try {
            Path data = dir.resolve("data");
            Files.createDirectories(data);
            StringBuilder joins = new StringBuilder();
            for (String address : options.retryJoinAddresses()) {
                joins.append("""
                          retry_join {
                            leader_api_addr     = "%s"
                            leader_ca_cert_file = "%s"
                          }
                        """.formatted(address, caFile));
            }
            String hcl = """
                    # Rendered by the raft-lifecycle test rig for instance %s (%s, %s)
                    ui            = false
                    disable_mlock = true
                    log_level     = "info"
                    api_addr      = "https://%s:%d"
                    cluster_addr  = "https://%s:%d"

                    storage "raft" {
                      path    = "%s"
                      node_id = "%s"
                      # Faster than Vault's 10 s / 2 s defaults so promotions and health changes show up
                      # within seconds in tests; the handlers' logic does not depend on these values.
                      autopilot_reconcile_interval = "2s"
                      autopilot_update_interval    = "1s"
                      # Vault's recommended production timing (the default, 0, means a 5x slower election).
                      performance_multiplier       = 1
                    %s}

                    listener "tcp" {
                      address         = "%s:%d"
                      cluster_address = "%s:%d"
                      tls_cert_file   = "%s"
                      tls_key_file    = "%s"
                    }

                    seal "awskms" {
                      region     = "%s"
                      kms_key_id = "%s"
                      endpoint   = "%s"
                    }
                    """.formatted(instanceId, groupName, availabilityZone, advertisedHost, apiPort, advertisedHost,
                    clusterPort, data, nodeId, joins, ip, apiPort, ip, clusterPort, cert.certFile(), cert.keyFile(), region,
                    options.kmsKeyId(), kmsEndpoint);
            Path config = dir.resolve("vault.hcl");
            Files.writeString(config, hcl);
            process = ManagedProcess.start("vault " + instanceId,
                    List.of(vaultBin.toString(), "server", "-config=" + config),
                    dir.resolve("vault.log"),
                    // The seal's AWS credentials (and the AWS auth method's, for its IAM reads): the rig's own
                    // principal. Log timestamps in UTC, whatever the machine's zone: the lab reads them back as instants.
                    Map.of("AWS_ACCESS_KEY_ID", credentials.accessKeyId(), "AWS_SECRET_ACCESS_KEY", credentials.secretAccessKey(),
                            "AWS_EC2_METADATA_DISABLED", "true", "VAULT_LOG_FORMAT", "standard", "TZ", "UTC"));
        } catch (IOException e) {
            throw new RigException("cannot prepare node " + instanceId + ": " + e.getMessage(), e);
        }
    }

    public String instanceId() {
        return instanceId;
    }

    public String groupName() {
        return groupName;
    }

    /** Its Raft node_id: the instance id, or a random UUID on a foreign cluster. */
    @Override
    public String nodeId() {
        return nodeId;
    }

    /** The host its api_addr and cluster_addr name: the private IP, or the private DNS name on a foreign cluster. */
    public String advertisedHost() {
        return advertisedHost;
    }

    /** Its api_addr as the cluster knows it (what other nodes join and redirect to). */
    public URI advertisedApiAddress() {
        return URI.create("https://" + advertisedHost + ":" + apiPort);
    }

    public String availabilityZone() {
        return availabilityZone;
    }

    /** The instance's private IP, which the node binds. */
    public String ip() {
        return ip;
    }

    public int apiPort() {
        return apiPort;
    }

    public URI apiAddress() {
        return URI.create("https://" + ip + ":" + apiPort);
    }

    public String clusterAddress() {
        return ip + ":" + clusterPort;
    }

    public Path dir() {
        return dir;
    }



    public ManagedProcess process() {
        return process;
    }

    @Override
    public String toString() {
        return instanceId + "@" + ip + (running() ? "" : " (stopped)");
    }
}
