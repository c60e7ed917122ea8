package dev.raftlifecycle.decisions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.restore.RecordedMetadata;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class RestoreCheckTest {
    private static final RestoreTarget FRESH = new RestoreTarget(true, true, 40, List.of(), Optional.empty());
    private static final RestoreCheck.Recorded OURS = RecordedMetadata.read(Map.of(
            SnapshotSource.META_CLUSTER, "prod", SnapshotSource.META_SYSTEM, "vault", SnapshotSource.META_INDEX, "812"));

    @Test
    void proceedsWithOwnSnapshotIntoFreshTarget() {
        var verdict = RestoreCheck.check("prod", "vault", OURS, RestoreCheck.Archive.of(812, 3), FRESH, false);
        assertThat(verdict).isEqualTo(new RestoreCheck.Proceed(812, List.of()));
    }

    @Test
    void refusesAnotherClustersSnapshot() {
        var verdict = RestoreCheck.check("staging", "vault", OURS, RestoreCheck.Archive.of(812, 3), FRESH, false);
        assertThat(verdict).isInstanceOfSatisfying(RestoreCheck.Refuse.class, r ->
                assertThat(r.reasons()).containsExactly("the snapshot is of cluster prod, not staging"));
    }

    @Test
    void refusesAnotherSystemsSnapshotAndAnObjectWithoutClusterName() {
        var verdict = RestoreCheck.check("prod", "consul", OURS, RestoreCheck.Archive.of(812, 3), FRESH, false);
        assertThat(verdict).isInstanceOfSatisfying(RestoreCheck.Refuse.class, r ->
                assertThat(r.reasons()).singleElement().asString().contains("vault cluster, not consul"));
        var unnamed = RestoreCheck.check("prod", "vault", RecordedMetadata.read(Map.of()),
                RestoreCheck.Archive.of(812, 3), FRESH, false);
        assertThat(unnamed).isInstanceOf(RestoreCheck.Refuse.class);
    }

    @Test
    void refusesWhatIsNotASnapshotOrNotTheRecordedOne() {
        assertThat(RestoreCheck.check("prod", "vault", OURS, RestoreCheck.Archive.notASnapshot("not gzip"), FRESH, false))
                .isInstanceOfSatisfying(RestoreCheck.Refuse.class, r ->
                        assertThat(r.reasons()).singleElement().asString().contains("not gzip"));
        assertThat(RestoreCheck.check("prod", "vault", OURS, RestoreCheck.Archive.of(700, 3), FRESH, false))
                .isInstanceOfSatisfying(RestoreCheck.Refuse.class, r ->
                        assertThat(r.reasons()).singleElement().asString().contains("index 700"));
    }

    @Test
    void refusesTargetWithDataUnlessConfirmed() {
        RestoreTarget used = new RestoreTarget(true, true, 90, List.of("secret engine kv/"), Optional.empty());
        assertThat(RestoreCheck.check("prod", "vault", OURS, RestoreCheck.Archive.of(812, 3), used, false))
                .isInstanceOfSatisfying(RestoreCheck.Refuse.class, r ->
                        assertThat(r.reasons()).singleElement().asString().contains("secret engine kv/")
                                .contains("--replace-data"));
        assertThat(RestoreCheck.check("prod", "vault", OURS, RestoreCheck.Archive.of(812, 3), used, true))
                .isEqualTo(new RestoreCheck.Proceed(812, List.of("secret engine kv/")));
    }

    @Test
    void refusesSealedOrLeaderlessTarget() {
        RestoreTarget sealed = new RestoreTarget(false, false, RestoreTarget.UNKNOWN_INDEX, List.of(), Optional.empty());
        RestoreTarget leaderless = new RestoreTarget(false, true, 5, List.of(), Optional.empty());
        assertThat(RestoreCheck.check("prod", "vault", OURS, RestoreCheck.Archive.of(812, 3), sealed, true))
                .isInstanceOf(RestoreCheck.Refuse.class);
        assertThat(RestoreCheck.check("prod", "vault", OURS, RestoreCheck.Archive.of(812, 3), leaderless, true))
                .isInstanceOf(RestoreCheck.Refuse.class);
    }

    @Test
    void confirmedOnlyServingWithTheIndexApplied() {
        assertThat(RestoreCheck.confirmed(new RestoreTarget(true, true, 813, List.of(), Optional.empty()), 812)).isTrue();
        assertThat(RestoreCheck.confirmed(new RestoreTarget(true, true, 811, List.of(), Optional.empty()), 812)).isFalse();
        assertThat(RestoreCheck.confirmed(new RestoreTarget(false, true, 900, List.of(), Optional.empty()), 812)).isFalse();
        assertThat(RestoreCheck.confirmed(new RestoreTarget(true, true, RestoreTarget.UNKNOWN_INDEX, List.of(),
                Optional.empty()), 812)).isTrue();
    }

    @Test
    void choosesNewestAtOrBeforeAndByVersion() {
        SnapshotObject a = new SnapshotObject("p/a", "v1", Instant.parse("2026-12-07T10:00:00Z"), 10, true);
        SnapshotObject b = new SnapshotObject("p/b", "v2", Instant.parse("2026-12-07T11:00:00Z"), 10, true);
        SnapshotObject c = new SnapshotObject("p/c", "v3", Instant.parse("2026-12-07T12:00:00Z"), 10, true);
        List<SnapshotObject> all = List.of(b, c, a);
        assertThat(SnapshotChoice.choose(all, new SnapshotChoice.Newest())).contains(c);
        assertThat(SnapshotChoice.choose(all, new SnapshotChoice.AtOrBefore(Instant.parse("2026-12-07T11:30:00Z")))).contains(b);
        assertThat(SnapshotChoice.choose(all, new SnapshotChoice.AtOrBefore(Instant.parse("2026-12-07T11:00:00Z")))).contains(b);
        assertThat(SnapshotChoice.choose(all, new SnapshotChoice.AtOrBefore(Instant.parse("2026-12-07T09:00:00Z")))).isEmpty();
        assertThat(SnapshotChoice.choose(all, new SnapshotChoice.Version("v1"))).contains(a);
        assertThat(SnapshotChoice.choose(all, new SnapshotChoice.Version("v9"))).isEmpty();
        assertThat(RecordedMetadata.read(Map.of(SnapshotSource.META_INDEX, "x")).index()).isEqualTo(OptionalLong.empty());
    }

    /** An operator who deleted the newest snapshot (a delete marker in a versioned bucket) does not get it back by default. */
    @Test
    void aDeletedVersionIsChosenOnlyByItsVersionId() {
        SnapshotObject kept = new SnapshotObject("p/a", "v1", Instant.parse("2026-12-07T10:00:00Z"), 10, true);
        SnapshotObject deleted = new SnapshotObject("p/b", "v2", Instant.parse("2026-12-07T11:00:00Z"), 10, false);
        List<SnapshotObject> all = List.of(deleted, kept);
        assertThat(SnapshotChoice.choose(all, new SnapshotChoice.Newest())).contains(kept);
        assertThat(SnapshotChoice.choose(all, new SnapshotChoice.AtOrBefore(Instant.parse("2026-12-07T12:00:00Z"))))
                .contains(kept);
        assertThat(SnapshotChoice.choose(all, new SnapshotChoice.Version("v2"))).contains(deleted);
        assertThat(SnapshotChoice.choose(List.of(deleted), new SnapshotChoice.Newest())).isEmpty();
    }
}
