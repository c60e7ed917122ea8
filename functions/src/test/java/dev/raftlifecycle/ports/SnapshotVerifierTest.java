package dev.raftlifecycle.ports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftlifecycle.contract.ClusterSystem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The streaming check of a raft-snapshot archive, on archives built by the tests' own tar and gzip writer. */
class SnapshotVerifierTest {
    private static final byte[] STATE = TestArchives.state(300 * 1024, 11);

    /** Feeds {@code bytes} in chunks of {@code chunk}, then ends the stream. */
    private static SnapshotVerifier verify(ClusterSystem system, byte[] bytes, int chunk) throws SnapshotStore.Unverified {
        SnapshotVerifier verifier = new SnapshotVerifier(system);
        try (verifier) {
            for (byte[] part : TestArchives.chunks(bytes, chunk)) {
                verifier.update(part, 0, part.length);
            }
            verifier.finish();
        }
        return verifier;
    }

    private static void refused(ClusterSystem system, byte[] bytes, String why) {
        for (int chunk : new int[] {1 << 20, 4096, 777}) {
            assertThatThrownBy(() -> verify(system, bytes, chunk)).as("chunks of %d", chunk)
                    .isInstanceOf(SnapshotStore.Unverified.class).hasMessageContaining(why);
        }
    }

    @Test
    void aCompleteArchivePassesWhateverTheChunks() throws Exception {
        TestArchives.Built vault = TestArchives.valid(true, STATE);
        for (int chunk : new int[] {vault.bytes().length, 1 << 20, 65536, 4096, 511, 1}) {
            SnapshotVerifier v = verify(ClusterSystem.VAULT, vault.bytes(), chunk);
            assertThat(v.entries()).extracting(e -> e.name())
                    .containsExactly("meta.json", "state.bin", "SHA256SUMS", "SHA256SUMS.sealed");
            assertThat(v.entries().get(1).sha256()).isEqualTo(TestArchives.sha256(STATE));
            assertThat(v.entries().get(1).size()).isEqualTo(STATE.length);
        }
        TestArchives.Built consul = TestArchives.valid(false, STATE);
        assertThatCode(() -> verify(ClusterSystem.CONSUL, consul.bytes(), 4096)).doesNotThrowAnyException();
        // A gzip made at once (no flushes) too.
        assertThatCode(() -> verify(ClusterSystem.CONSUL, TestArchives.gzip(consul.tar()), 8192))
                .doesNotThrowAnyException();
    }

    @Test
    void aStreamCutInsideStateBinFails() throws Exception {
        TestArchives.Built a = TestArchives.valid(true, STATE);
        for (int cut : new int[] {a.start("state.bin") + 100, (a.start("state.bin") + a.end("state.bin")) / 2,
                a.end("state.bin") - 100}) {
            refused(ClusterSystem.VAULT, a.cut(cut), "before the gzip data does (inside state.bin (");
        }
    }

    @Test
    void aStreamCutBeforeSha256SumsFails() throws Exception {
        TestArchives.Built a = TestArchives.valid(false, STATE);
        refused(ClusterSystem.CONSUL, a.cut(a.start("SHA256SUMS")), "before the gzip data does (after meta.json, state.bin)");
        // The same tar cut, in a complete gzip member (the writer closed its gzip cleanly): the tar is not whole.
        int tarCut = 512 + 512 + 512 + STATE.length;
        refused(ClusterSystem.CONSUL, TestArchives.gzip(Arrays.copyOf(a.tar(), tarCut)),
                "the gzip data is complete but the tar is not");
        // Every entry but without the tar's end blocks.
        refused(ClusterSystem.CONSUL, TestArchives.gzip(Arrays.copyOf(a.tar(), a.tar().length - 1024)),
                "the tar is not");
    }

    @Test
    void aStreamCutInsideTheGzipTrailerFails() throws Exception {
        TestArchives.Built a = TestArchives.valid(true, STATE);
        int length = a.bytes().length;
        for (int missing = 1; missing <= 8; missing++) {
            refused(ClusterSystem.VAULT, a.cut(length - missing), "inside the gzip trailer (" + (8 - missing) + " of");
        }
        refused(ClusterSystem.VAULT, a.cut(length - 9), "before the gzip data does");
        refused(ClusterSystem.VAULT, a.cut(5), "inside the gzip header");
        refused(ClusterSystem.VAULT, new byte[0], "inside the gzip header");
    }

    @Test
    void aWrongTrailerOrBytesAfterItFail() throws Exception {
        byte[] a = TestArchives.valid(true, STATE).bytes();
        byte[] crc = a.clone();
        crc[crc.length - 8] ^= 1;
        refused(ClusterSystem.VAULT, crc, "CRC-32");
        byte[] size = a.clone();
        size[size.length - 1] ^= 1;
        refused(ClusterSystem.VAULT, size, "length");
        byte[] more = Arrays.copyOf(a, a.length + 3);
        refused(ClusterSystem.VAULT, more, "after the gzip stream's end");
        byte[] corrupt = a.clone();
        for (int i = a.length / 2; i < a.length / 2 + 64; i++) {
            corrupt[i] ^= 0x5a;
        }
        assertThatThrownBy(() -> verify(ClusterSystem.VAULT, corrupt, 4096)).isInstanceOf(SnapshotStore.Unverified.class);
        refused(ClusterSystem.VAULT, "{\"errors\":[]}".getBytes(StandardCharsets.US_ASCII), "not gzip");
    }

    @Test
    void aWrongHashFails() throws Exception {
        byte[] meta = TestArchives.META.getBytes(StandardCharsets.UTF_8);
        byte[] other = STATE.clone();
        other[1000] ^= 1;
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("meta.json", meta);
        entries.put("state.bin", STATE);
        entries.put("SHA256SUMS", TestArchives.sums(meta, other)); // the sums of another state
        refused(ClusterSystem.CONSUL, TestArchives.build(entries, true).bytes(),
                "state.bin's SHA-256 is not the one SHA256SUMS lists");
    }

    @Test
    void vaultNeedsSha256SumsSealedAndConsulDoesNot() throws Exception {
        byte[] consul = TestArchives.valid(false, STATE).bytes();
        refused(ClusterSystem.VAULT, consul, "no SHA256SUMS.sealed");
        assertThatCode(() -> verify(ClusterSystem.CONSUL, consul, 65536)).doesNotThrowAnyException();
    }

    @Test
    void aFailureIsKeptAndRepeated() throws Exception {
        byte[] a = TestArchives.valid(true, STATE).bytes();
        SnapshotVerifier v = new SnapshotVerifier(ClusterSystem.VAULT);
        assertThatThrownBy(() -> v.update(new byte[] {'{', '}'}, 0, 2)).hasMessageContaining("not gzip");
        assertThatThrownBy(() -> v.update(a, 0, a.length)).hasMessageContaining("not gzip");
        assertThatThrownBy(v::finish).hasMessageContaining("not gzip");
        v.close();
    }

    @Test
    void aTarHeaderWithAWrongChecksumFails() throws IOException {
        TestArchives.Built a = TestArchives.valid(false, STATE);
        byte[] tar = a.tar().clone();
        tar[512 + 512 + 3] ^= 1; // state.bin's header (meta.json's body is one block)
        refused(ClusterSystem.CONSUL, TestArchives.gzip(tar), "checksum");
    }
}
