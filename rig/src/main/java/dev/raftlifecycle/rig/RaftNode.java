package dev.raftlifecycle.rig;

import java.net.URI;
import java.nio.file.Path;

/** One server process of a rig cluster, whatever the system: what every test may do to it and ask of it. */
public interface RaftNode {
    /** The EC2 instance it runs for (also its Raft node id / node name). */
    String instanceId();

    /** Its Raft node id: the instance id on a cluster built our way (a foreign Vault cluster's node: a UUID). */
    default String nodeId() {
        return instanceId();
    }

    /** The Auto Scaling group its instance was launched in. */
    String groupName();

    /** The instance's private address (a loopback address) the server binds. */
    String ip();

    /** The server's HTTPS API. */
    URI apiAddress();

    /** Its data, configuration and log. */
    Path dir();

    /** Its server process; null before it was started. */
    ManagedProcess process();

    default boolean running() {
        ManagedProcess process = process();
        return process != null && process.alive();
    }

    /** SIGKILL: a crash or a lost instance. */
    default void kill() {
        ManagedProcess process = process();
        if (process != null) {
            process.kill();
        }
    }

    /** SIGTERM with a grace period, as systemd stopping the service. */
    default void stop() {
        ManagedProcess process = process();
        if (process != null) {
            process.stop(10);
        }
    }

    /** The certificate chain and key its listener was started with (the rig writes them under its directory). */
    default TlsMaterial.NodeCert tlsFiles() {
        return new TlsMaterial.NodeCert(dir().resolve("tls").resolve("tls.crt"), dir().resolve("tls").resolve("tls.key"));
    }

    /**
     * Writes {@code pem} over its certificate files and has the server reload them (SIGHUP, as systemd's reload): a
     * renewal, or a botched one.
     */
    default void replaceCertificate(TlsMaterial.NodeCertPem pem) {
        TlsMaterial.replace(tlsFiles(), pem);
        ManagedProcess process = process();
        if (process == null || !process.alive()) {
            throw new RigException(instanceId() + " is not running: nothing reloads its certificate");
        }
        process.hangUp();
    }

    /** Starts the process again with the same configuration and data, as a reboot would. */
    void restart();

    /** The last lines of its log. */
    default String logTail(int lines) {
        ManagedProcess process = process();
        return process == null ? "(never started)" : process.tail(lines);
    }
}
