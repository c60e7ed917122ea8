package dev.raftlifecycle.decisions;

import dev.raftlifecycle.contract.Defaults;
import dev.raftlifecycle.contract.MetricName;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * SnapshotAgeSeconds: how long ago the newest snapshot of the cluster was written (its object's LastModified).
 *
 * <p>With no object at all, the age published is {@link #NEVER_SECONDS}, the retention period
 * ({@link Defaults#SNAPSHOT_RETENTION_DAYS} days): a cluster that never had a snapshot, or whose every snapshot has
 * expired, is as far behind as the bucket can ever be, so an alarm on any sensible threshold (a few intervals) fires,
 * while the value stays on the same scale as real ages in a graph (a huge sentinel would flatten them). When the
 * listing fails, nothing is published (unknown is not "old"; the alarm treats missing data as breaching).
 *
 * @param seconds the age, or empty when unknown
 */
public record SnapshotAge(Optional<Double> seconds, String detail) {
    /** The age published when the prefix holds no object. */
    public static final double NEVER_SECONDS = Duration.ofDays(Defaults.SNAPSHOT_RETENTION_DAYS).toSeconds();

    public static SnapshotAge of(Optional<Instant> newest, Optional<String> key, Instant now) {
        if (newest.isEmpty()) {
            return new SnapshotAge(Optional.of(NEVER_SECONDS), "no snapshot object: published as " + (long) NEVER_SECONDS + " s");
        }
        // A LastModified a little ahead of this clock (S3's own clock) is age 0, not negative.
        double age = Math.max(0, Duration.between(newest.get(), now).toSeconds());
        return new SnapshotAge(Optional.of(age), "newest " + key.orElse("?") + " written " + newest.get());
    }

    public static SnapshotAge unknown(String why) {
        return new SnapshotAge(Optional.empty(), why);
    }

    public Optional<MetricValue> metric() {
        return seconds.map(s -> new MetricValue(MetricName.SNAPSHOT_AGE_SECONDS, s));
    }
}
