package dev.raftlifecycle.rig;

import dev.raftlifecycle.contract.ConsulPorts;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One real Consul server process standing in for one EC2 instance: it binds the instance's private IP on Consul's
 * standard ports (HTTPS API, server RPC/Raft, LAN gossip; plain HTTP, gRPC, DNS and WAN off), its node name is the
 * instance id, it serves HTTPS from the rig's CA, and it has ACLs on with deny by default.
 */
public final class ConsulNode implements RaftNode {
    private final String instanceId;
    private final String groupName;
    private final String ip;
    private final Path dir;
    private volatile ManagedProcess process;
    private volatile Runnable launch;

    ConsulNode(String instanceId, String groupName, String ip, Path dir) {
        this.instanceId = instanceId;
        this.groupName = groupName;
        this.ip = ip;
        this.dir = dir;
    }

    /**
     * @param bootstrapExpect servers to wait for before the first election
     * @param join            the other servers' addresses (as cloud auto-join would list them)
     * @param managementToken the ACL bootstrap token (the rig's root)
     * @param cleanupDeadServers Consul's own dead-server cleanup (on by default in Consul; tests that keep a dead peer
     *                        turn it off)
     * @param gossipKey       null: plain gossip and RPC (the rig's default); a key: gossip encrypted with it and TLS
     *                        on server RPC with verify_incoming, verify_outgoing and verify_server_hostname, as a
     *                        deployment's servers run (the first-boot test joins such a cluster)
     */
    record Options(int bootstrapExpect, List<String> join, String managementToken, boolean cleanupDeadServers,
                   String gossipKey, java.time.Duration stabilizationTime) {
    }

    void start(Path consulBin, Options options, TlsMaterial.NodeCert cert, Path caFile) {
        launch = () -> launch(consulBin, options, cert, caFile);
        launch.run();
    }

    private void launch(Path consulBin, Options options, TlsMaterial.NodeCert cert, Path caFile) {
        try {
            Path data = dir.resolve("data");
            Files.createDirectories(data);
            boolean hardened = options.gossipKey() != null;
            String joins = options.join().stream().filter(a -> !a.equals(ip)).map(a -> "\"" + a + "\"")
                    .collect(Collectors.joining(", "));
            String hcl = """
                    # Rendered by the raft-lifecycle test rig for instance %s (%s)
                    server               = true
                    bootstrap_expect     = %d
                    node_name            = "%s"
                    datacenter           = "rig"
                    data_dir             = "%s"
                    bind_addr            = "%s"
                    client_addr          = "%s"
                    advertise_addr       = "%s"
                    retry_join           = [%s]
                    retry_interval       = "1s"
                    disable_update_check = true
                    # Stated, not left to the default: a server does not leave on SIGTERM (the handlers remove it).
                    leave_on_terminate   = false
                    log_level            = "INFO"
                    ports {
                      http     = -1
                      https    = %d
                      grpc     = -1
                      grpc_tls = -1
                      dns      = -1
                      serf_wan = -1
                      server   = %d
                      serf_lan = %d
                    }
                    %s
                    acl {
                      enabled                  = true
                      default_policy           = "deny"
                      enable_token_persistence = true
                      # Rig only: the agent registers itself with the management token; a deployment gives
                      # each agent a token of its own (node identity).
                      tokens {
                        initial_management = "%s"
                        agent              = "%s"
                      }
                    }
                    # Faster than Consul's defaults so that health changes show up within seconds in tests.
                    autopilot {
                      cleanup_dead_servers      = %s
                      last_contact_threshold    = "1s"
                      server_stabilization_time = "%ds"
                    }
                    performance {
                      raft_multiplier = 1
                    }
                    """.formatted(instanceId, groupName, options.bootstrapExpect(), instanceId, data, ip, ip, ip, joins,
                    ConsulPorts.HTTPS, ConsulPorts.SERVER_RPC, ConsulPorts.SERF_LAN,
                    tls(hardened, caFile, cert) + (hardened ? "encrypt = \"" + options.gossipKey() + "\"\n" : ""),
                    options.managementToken(), options.managementToken(), options.cleanupDeadServers(),
                    options.stabilizationTime().toSeconds());
            Path config = dir.resolve("consul.hcl");
            Files.writeString(config, hcl);
            process = ManagedProcess.start("consul " + instanceId,
                    List.of(consulBin.toString(), "agent", "-config-file=" + config), dir.resolve("consul.log"),
                    Map.of("TZ", "UTC"));
        } catch (IOException e) {
            throw new RigException("cannot prepare node " + instanceId + ": " + e.getMessage(), e);
        }
    }

    /**
     * HTTPS from the rig's CA; hardened, also TLS on server RPC with both sides verified and the server name checked
     * (verify_server_hostname), as a deployment's servers run.
     */
    private static String tls(boolean hardened, Path caFile, TlsMaterial.NodeCert cert) {
        String files = """
                    ca_file         = "%s"
                    cert_file       = "%s"
                    key_file        = "%s"
                """.formatted(caFile, cert.certFile(), cert.keyFile());
        if (!hardened) {
            return "tls {\n  https {\n" + files + "    verify_incoming = false\n  }\n}\n";
        }
        return "tls {\n  defaults {\n" + files + "    verify_incoming = true\n    verify_outgoing = true\n  }\n"
                + "  internal_rpc {\n    verify_server_hostname = true\n  }\n"
                + "  https {\n    verify_incoming = false\n  }\n}\n";
    }

    /**
     * Starts a Consul agent from a configuration directory written by someone else (the first-boot playbook), as
     * its systemd unit does ({@code consul agent -config-dir=...}), with the given environment.
     */
    void startWithConfigDir(Path consulBin, Path configDir, Map<String, String> env) {
        launch = () -> {
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new RigException("cannot prepare node " + instanceId + ": " + e.getMessage(), e);
            }
            process = ManagedProcess.start("consul " + instanceId,
                    List.of(consulBin.toString(), "agent", "-config-dir=" + configDir), dir.resolve("consul.log"), env);
        };
        launch.run();
    }

    /** SIGHUP, as {@code systemctl reload consul} (ExecReload): Consul re-reads its configuration, tokens included. */
    public void reload() {
        if (process == null || !process.alive()) {
            throw new RigException("consul " + instanceId + " is not running");
        }
        process.hangUp();
    }

    /** The whole log of the process so far. */
    public String log() {
        try {
            return process == null ? "" : Files.readString(process.log());
        } catch (IOException e) {
            return "";
        }
    }

    public String instanceId() {
        return instanceId;
    }

    public String groupName() {
        return groupName;
    }

    public String ip() {
        return ip;
    }

    public URI apiAddress() {
        return URI.create("https://" + ip + ":" + ConsulPorts.HTTPS);
    }

    public Path dir() {
        return dir;
    }


    /** Stops the process and starts it again with the same configuration and data. */
    public void restart() {
        stop();
        launch.run();
    }


    @Override
    public ManagedProcess process() {
        return process;
    }

    @Override
    public String toString() {
        return instanceId + "@" + ip + (running() ? "" : " (stopped)");
    }
}
