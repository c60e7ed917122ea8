package dev.raftlifecycle.decisions;

import java.util.Collection;
import java.util.List;

/**
 * Which node a snapshot is taken from: the leader, as the nodes' own unauthenticated health answers say (Vault's
 * sys/health 200 = the active node; Consul's status/leader naming the node itself). The snapshot role can read
 * nothing but the snapshot, so the Raft configuration is not read; and a standby would only forward or redirect.
 * Anything else is a refusal with the reason, and no snapshot is taken.
 */
public final class SnapshotSource {
    private SnapshotSource() {
    }

    /** The outcome. */
    public sealed interface Choice permits Leader, Refused {
    }

    /** Take it from this node. */
    public record Leader(String instanceId, String address) implements Choice {
    }

    /** Take none, because of {@code reason}. */
    public record Refused(Reason reason, String detail) implements Choice {
    }

    /** Whether the answers name exactly one leader (the observer stops retrying then). */
    public static boolean hasLeader(Collection<NodeHealth> answers) {
        return answers.stream().filter(h -> h.state() == NodeHealth.State.ACTIVE).count() == 1;
    }

    public static Choice choose(Collection<NodeHealth> answers) {
        List<NodeHealth> actives = answers.stream().filter(h -> h.state() == NodeHealth.State.ACTIVE).toList();
        if (actives.size() == 1) {
            return new Leader(actives.get(0).instanceId(), actives.get(0).address());
        }
        if (actives.size() > 1) {
            return new Refused(Reason.NO_LEADER, "several nodes answer as the leader: "
                    + actives.stream().map(NodeHealth::instanceId).toList());
        }
        if (answers.isEmpty()) {
            return new Refused(Reason.CLUSTER_UNREACHABLE, "the groups have no running instance");
        }
        if (answers.stream().anyMatch(NodeHealth::unsealed)) {
            return new Refused(Reason.NO_LEADER, "no node answers as the leader: " + summary(answers));
        }
        List<NodeHealth> answered = answers.stream().filter(NodeHealth::answered).toList();
        if (!answered.isEmpty() && answered.stream().allMatch(h -> h.state() == NodeHealth.State.UNINITIALIZED)) {
            return new Refused(Reason.CLUSTER_UNINITIALIZED, "no node is initialized: " + summary(answers));
        }
        if (answered.stream().anyMatch(NodeHealth::sealed)) {
            return new Refused(Reason.SEALED, "no node is unsealed: " + summary(answers));
        }
        if (answered.isEmpty() && answers.stream().anyMatch(h -> h.state() == NodeHealth.State.TLS_FAILURE)) {
            return new Refused(Reason.TLS_FAILURE, "no node could be verified: " + summary(answers));
        }
        return new Refused(Reason.CLUSTER_UNREACHABLE, "no node answered usefully: " + summary(answers));
    }

    /** Why a snapshot could not be asked for, from the login's or the request's failure. */
    public static Reason refusal(ReadFailure failure) {
        return switch (failure) {
            case DENIED, ACCESS_NOT_SET_UP -> Reason.AUTH_FAILED;
            case TLS -> Reason.TLS_FAILURE;
            case NO_LEADER -> Reason.NO_LEADER;
            case UNREACHABLE -> Reason.CLUSTER_UNREACHABLE;
            case BAD_RESPONSE -> Reason.SNAPSHOT_STREAM_FAILED;
        };
    }

    /** The UTC timestamp in an object key: {@code 20261207T120000Z}, which sorts as time does. */
    private static final java.time.format.DateTimeFormatter KEY_TIME =
            java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(java.time.ZoneOffset.UTC);

    /** Metadata names on each object (S3 user metadata: {@code x-amz-meta-<name>}). */
    public static final String META_CLUSTER = "cluster";
    public static final String META_SYSTEM = "system";
    public static final String META_INDEX = "raft-index";
    public static final String META_TERM = "raft-term";
    public static final String META_NODE = "node";
    public static final String META_ID = "raft-snapshot-id";

    /** Where a snapshot goes: {@code <prefix><yyyyMMdd'T'HHmmss'Z'>-<index>.snap} (prefix: snapshots/<cluster>/). */
    public static String objectKey(String prefix, java.time.Instant takenAt, SnapshotArchive.Meta meta) {
        return prefix + KEY_TIME.format(takenAt) + "-" + meta.index() + ".snap";
    }

    /** What the object says about itself. */
    public static java.util.Map<String, String> metadata(String cluster, String system, String node,
                                                         SnapshotArchive.Meta meta) {
        java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
        m.put(META_CLUSTER, cluster);
        m.put(META_SYSTEM, system);
        m.put(META_INDEX, Long.toString(meta.index()));
        m.put(META_TERM, Long.toString(meta.term()));
        m.put(META_NODE, node);
        m.put(META_ID, meta.id());
        return m;
    }

    private static String summary(Collection<NodeHealth> answers) {
        return answers.stream().map(h -> h.instanceId() + "=" + h.state().name().toLowerCase(java.util.Locale.ROOT))
                .sorted().toList().toString();
    }
}
