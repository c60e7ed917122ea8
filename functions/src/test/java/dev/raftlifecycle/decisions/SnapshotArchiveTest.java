package dev.raftlifecycle.decisions;

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
    public static final String META = "{\"Version\":1,\"ID\":\"2-1234-1700000000000\",\"Index\":1234,\"Term\":2,"
            + "\"Peers\":\"ka4xMjcuMC4wLjE6ODMwMA==\",\"Configuration\":{\"Servers\":[]},\"ConfigurationIndex\":1,\"Size\":10}";

    /** A raft-snapshot-shaped archive: gzip(tar(meta.json, state.bin, SHA256SUMS)). */
    public static byte[] archive(String firstName, byte[] first, byte[] state) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            entry(gz, firstName, first);
            entry(gz, "state.bin", state);
            entry(gz, "SHA256SUMS", "x  meta.json\n".getBytes(StandardCharsets.US_ASCII));
            gz.write(new byte[1024]);
        }
        return out.toByteArray();
    }

    static void entry(GZIPOutputStream gz, String name, byte[] body) throws IOException {
        byte[] h = new byte[512];
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(n, 0, h, 0, n.length);
        put(h, 100, String.format("%07o", 0644));
        put(h, 108, String.format("%07o", 0));
        put(h, 116, String.format("%07o", 0));
        put(h, 124, String.format("%011o", body.length));
        put(h, 136, String.format("%011o", 1700000000L));
        Arrays.fill(h, 148, 156, (byte) ' ');
        h[156] = '0';
        put(h, 257, "ustar");
        put(h, 263, "00");
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        put(h, 148, String.format("%06o", sum));
        h[154] = 0;
        gz.write(h);
        gz.write(body);
        int pad = (512 - body.length % 512) % 512;
        gz.write(new byte[pad]);
    }

    private static void put(byte[] h, int off, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, h, off, b.length);
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
