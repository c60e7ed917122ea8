package dev.raftlifecycle.decisions;

import dev.raftlifecycle.ports.TestArchives;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.contract.ClusterSystem;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

public class SnapshotArchiveTest {
    public static final String META = TestArchives.META;

    /** A raft-snapshot-shaped archive: gzip(tar(first, state.bin, SHA256SUMS)), from the tests' own tar writer. */
    public static byte[] archive(String firstName, byte[] first, byte[] state) throws IOException {
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        tar.write(TestArchives.entry(firstName, first));
        tar.write(TestArchives.entry("state.bin", state));
        tar.write(TestArchives.entry("SHA256SUMS", "x  meta.json\n".getBytes(StandardCharsets.US_ASCII)));
        tar.write(new byte[1024]);
        return TestArchives.gzip(tar.toByteArray());
    }

    private static SnapshotArchive.Head read(byte[] bytes) {
        return SnapshotArchive.read(bytes, bytes.length);
    }

    @Test
    void readsIndexAndTermFromMetaJson() throws IOException {
        byte[] a = archive("meta.json", META.getBytes(StandardCharsets.UTF_8), "state".getBytes());
        assertThat(read(a)).isEqualTo(new SnapshotArchive.Meta("2-1234-1700000000000", 1234, 2, 1));
    }

    @Test
    void readsTheHeadOfALargeIncompressibleArchiveFromItsPrefixOnly() throws IOException {
        byte[] state = new byte[3 * 1024 * 1024];
        new Random(7).nextBytes(state);
        byte[] a = archive("meta.json", META.getBytes(StandardCharsets.UTF_8), state);
        assertThat(a.length).isGreaterThan(SnapshotArchive.HEAD_BYTES * 10);
        byte[] head = Arrays.copyOf(a, SnapshotArchive.HEAD_BYTES);
        assertThat(SnapshotArchive.read(head, head.length)).isInstanceOf(SnapshotArchive.Meta.class);
        // more bytes than the bound are ignored, not an error
        assertThat(read(a)).isEqualTo(new SnapshotArchive.Meta("2-1234-1700000000000", 1234, 2, 1));
    }

    @Test
    void refusesAnythingElse() throws IOException {
        assertThat(read(new byte[0])).isInstanceOf(SnapshotArchive.NotASnapshot.class);
        assertThat(read("{\"errors\":[\"permission denied\"]}".getBytes()))
                .isInstanceOfSatisfying(SnapshotArchive.NotASnapshot.class,
                        n -> assertThat(n.why()).startsWith("not gzip").contains("{\"errors\""));
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(plain)) {
            gz.write("hello, not a tar".getBytes());
        }
        assertThat(read(plain.toByteArray())).isInstanceOf(SnapshotArchive.NotASnapshot.class);
        assertThat(read(archive("state.bin", "x".getBytes(), "y".getBytes())))
                .isInstanceOfSatisfying(SnapshotArchive.NotASnapshot.class, n -> assertThat(n.why()).contains("state.bin"));
        assertThat(read(archive("meta.json", "not json".getBytes(), "y".getBytes())))
                .isEqualTo(new SnapshotArchive.NotASnapshot("meta.json is not JSON"));
        assertThat(read(archive("meta.json", "{\"Index\":-1,\"Term\":2}".getBytes(), "y".getBytes())))
                .isInstanceOf(SnapshotArchive.NotASnapshot.class);
        assertThat(read(archive("meta.json", "{\"Index\":\"5\",\"Term\":2}".getBytes(), "y".getBytes())))
                .isInstanceOf(SnapshotArchive.NotASnapshot.class);
        assertThat(read(archive("meta.json", "[1,2]".getBytes(), "y".getBytes())))
                .isInstanceOf(SnapshotArchive.NotASnapshot.class);
    }

    @Test
    void refusesATruncatedOrCorruptHead() throws IOException {
        byte[] a = archive("meta.json", META.getBytes(StandardCharsets.UTF_8), "state".getBytes());
        for (int cut : new int[] {1, 2, 10, 30, a.length / 2}) {
            assertThat(SnapshotArchive.read(a, cut)).as("cut at %d", cut).isInstanceOf(SnapshotArchive.NotASnapshot.class);
        }
        byte[] corrupt = a.clone();
        for (int i = 12; i < 40; i++) {
            corrupt[i] ^= 0x5a;
        }
        assertThat(read(corrupt)).isInstanceOf(SnapshotArchive.NotASnapshot.class);
    }

    private static final String A = "a".repeat(64);
    private static final String B = "b".repeat(64);
    private static final String S = "c".repeat(64);
    private static final String SEALED = "d".repeat(64);

    private static List<SnapshotArchive.Entry> entries(String... names) {
        return Arrays.stream(names).map(n -> new SnapshotArchive.Entry(n, 10, switch (n) {
            case "meta.json" -> A;
            case "state.bin" -> B;
            case "SHA256SUMS" -> S;
            default -> SEALED;
        })).toList();
    }

    private static Optional<String> check(ClusterSystem system, String sums, String... names) {
        return SnapshotArchive.checkEntries(system, entries(names), sums.getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void entriesWhoseSumsAgreeMakeASnapshot() {
        String sums = A + "  meta.json\n" + B + "  state.bin\n";
        assertThat(check(ClusterSystem.CONSUL, sums, "meta.json", "state.bin", "SHA256SUMS")).isEmpty();
        assertThat(check(ClusterSystem.VAULT, sums, "meta.json", "state.bin", "SHA256SUMS", "SHA256SUMS.sealed")).isEmpty();
        assertThat(check(ClusterSystem.CONSUL, sums.toUpperCase().replace("  META.JSON", "  meta.json")
                .replace("  STATE.BIN", "  state.bin"), "meta.json", "state.bin", "SHA256SUMS")).isEmpty();
    }

    @Test
    void anythingMissingOrDisagreeingIsSaid() {
        String sums = A + "  meta.json\n" + B + "  state.bin\n";
        assertThat(check(ClusterSystem.VAULT, sums, "meta.json", "state.bin", "SHA256SUMS"))
                .hasValueSatisfying(w -> assertThat(w).contains("no SHA256SUMS.sealed"));
        assertThat(check(ClusterSystem.CONSUL, sums, "meta.json", "SHA256SUMS"))
                .hasValueSatisfying(w -> assertThat(w).contains("no state.bin"));
        assertThat(check(ClusterSystem.CONSUL, sums, "meta.json", "state.bin"))
                .hasValueSatisfying(w -> assertThat(w).contains("no SHA256SUMS"));
        assertThat(check(ClusterSystem.CONSUL, sums, "state.bin", "meta.json", "SHA256SUMS"))
                .hasValueSatisfying(w -> assertThat(w).contains("first entry"));
        assertThat(check(ClusterSystem.CONSUL, sums, "meta.json", "state.bin", "state.bin", "SHA256SUMS"))
                .hasValueSatisfying(w -> assertThat(w).contains("twice"));
        assertThat(check(ClusterSystem.CONSUL, A + "  meta.json\n" + A + "  state.bin\n", "meta.json", "state.bin",
                "SHA256SUMS")).hasValueSatisfying(w -> assertThat(w).contains("state.bin's SHA-256"));
        assertThat(check(ClusterSystem.CONSUL, A + "  meta.json\n", "meta.json", "state.bin", "SHA256SUMS"))
                .hasValueSatisfying(w -> assertThat(w).contains("does not list state.bin"));
        assertThat(check(ClusterSystem.CONSUL, sums + S + "  other.bin\n", "meta.json", "state.bin", "SHA256SUMS"))
                .hasValueSatisfying(w -> assertThat(w).contains("other.bin"));
        assertThat(check(ClusterSystem.CONSUL, sums + "garbage\n", "meta.json", "state.bin", "SHA256SUMS"))
                .hasValueSatisfying(w -> assertThat(w).contains("not '<sha256>  <name>'"));
        assertThat(SnapshotArchive.checkEntries(ClusterSystem.CONSUL, entries("meta.json", "state.bin", "SHA256SUMS"),
                null)).isPresent();
        assertThat(SnapshotArchive.checkEntries(ClusterSystem.CONSUL, List.of(), new byte[0])).isPresent();
    }
}
