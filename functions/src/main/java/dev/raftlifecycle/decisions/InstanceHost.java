package dev.raftlifecycle.decisions;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The one rule for "this host names this instance", used wherever the host of a Raft address is compared with an
 * instance (peer matching, "another running instance owns this address", the health of a peer, stale peers, the
 * status, the launch gate): the host is the instance's private IP, or it is the private DNS name EC2 reports for the
 * instance, compared without regard to case and to one trailing dot ({@code IP-10-0-1-5.ec2.internal.} names the
 * instance EC2 reports as {@code ip-10-0-1-5.ec2.internal}). Nothing is resolved: a name EC2 does not report for an
 * instance (a custom hostname, another DNS zone) names no instance.
 */
public final class InstanceHost {
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    private InstanceHost() {
    }

    /** How a host names an instance, if it does. */
    public static Optional<PeerMatch.Basis> names(String host, ClusterInstance instance) {
        if (host == null || host.isEmpty()) {
            return Optional.empty();
        }
        if (instance.privateIp().filter(host::equals).isPresent()) {
            return Optional.of(PeerMatch.Basis.PRIVATE_IP);
        }
        if (!isIpLiteral(host) && instance.privateDnsName().map(InstanceHost::canonical)
                .filter(canonical(host)::equals).isPresent()) {
            return Optional.of(PeerMatch.Basis.PRIVATE_DNS_NAME);
        }
        return Optional.empty();
    }

    /** Whether the host names the instance (by its private IP or its private DNS name). */
    public static boolean isNamedBy(String host, ClusterInstance instance) {
        return names(host, instance).isPresent();
    }

    /** An IPv4 or IPv6 literal (what a host is when it is not a name). */
    public static boolean isIpLiteral(String host) {
        return IPV4.matcher(host).matches() || host.contains(":");
    }

    private static String canonical(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }
}
