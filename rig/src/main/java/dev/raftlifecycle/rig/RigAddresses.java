package dev.raftlifecycle.rig;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/** The loopback ranges the rig's clusters (Vault or Consul) take their instance addresses from, one per cluster. */
final class RigAddresses {
    private RigAddresses() {
    }

    private static final Set<Integer> OCTETS_IN_USE = new HashSet<>();
    /**
     * The ranges this JVM holds, each by an OS lock on a file of its own, so that rigs in other JVMs (a lab daemon,
     * another test JVM) starting at the same moment cannot pick the same range between the bind check and the
     * nodes' start. The OS drops the locks when the process ends, however it ends.
     */
    private static final java.util.Map<Integer, java.nio.channels.FileLock> RANGE_LOCKS = new java.util.HashMap<>();

    /** Locks the range's file for this JVM, or returns false if another process holds it. */
    private static boolean reserve(int octet) {
        java.nio.channels.FileChannel channel = null;
        try {
            java.nio.file.Path dir = java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), "raft-lifecycle-rig-ranges");
            java.nio.file.Files.createDirectories(dir);
            channel = java.nio.channels.FileChannel.open(dir.resolve("127." + octet + ".lock"),
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
            java.nio.channels.FileLock lock = channel.tryLock();
            if (lock != null) {
                RANGE_LOCKS.put(octet, lock);
                return true;
            }
        } catch (java.io.IOException | java.nio.channels.OverlappingFileLockException e) {
            // held here or unusable: not ours
        }
        if (channel != null) {
            try {
                channel.close();
            } catch (java.io.IOException e) {
                // nothing held
            }
        }
        return false;
    }

    private static void unreserve(int octet) {
        java.nio.channels.FileLock lock = RANGE_LOCKS.remove(octet);
        if (lock != null) {
            try {
                lock.channel().close();
            } catch (java.io.IOException e) {
                // the lock goes with the process anyway
            }
        }
    }
    /**
     * Picks a 127.X.0.0/16 range no rig holds (this JVM or another: see {@link #RANGE_LOCKS}) whose node addresses can
     * bind the given ports; returns the range's second octet and the API port to use.
     */
    static synchronized int[] allocate(int apiPort, int... otherPorts) {
        for (int attempt = 0; attempt < 200; attempt++) {
            int candidate = ThreadLocalRandom.current().nextInt(16, 250);
            if (OCTETS_IN_USE.contains(candidate) || !reserve(candidate)) {
                continue;
            }
            boolean free = true;
            for (int zone = 1; zone <= 3 && free; zone++) {
                String host = "127." + candidate + "." + zone + ".4";
                free = Net.bindable(host, apiPort);
                for (int port : otherPorts) {
                    free = free && Net.bindable(host, port);
                }
            }
            if (free) {
                OCTETS_IN_USE.add(candidate);
                return new int[] {candidate, apiPort};
            }
            unreserve(candidate);
        }
        // Something holds the Vault port on every loopback address (e.g. a vault on 0.0.0.0:8200):
        // fall back to a free port pair; the handlers get it through VAULT_PORT.
        int port = Net.freePort();
        int candidate = ThreadLocalRandom.current().nextInt(16, 250);
        for (int attempt = 0; attempt < 200 && (OCTETS_IN_USE.contains(candidate) || !reserve(candidate)); attempt++) {
            candidate = ThreadLocalRandom.current().nextInt(16, 250);
        }
        OCTETS_IN_USE.add(candidate);
        System.err.println("rig: port " + apiPort + " is taken on loopback; using " + port);
        return new int[] {candidate, port};
    }

    /** Gives the range back (the cluster closed). */
    static synchronized void release(int octet) {
        OCTETS_IN_USE.remove(octet);
        unreserve(octet);
    }
}
