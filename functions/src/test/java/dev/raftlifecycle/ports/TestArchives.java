package dev.raftlifecycle.ports;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/**
 * raft-snapshot-format archives built by the tests' own tar and gzip writer: gzip(tar(meta.json, state.bin, SHA256SUMS
 * [, SHA256SUMS.sealed]), two zero blocks), the gzip flushed after each entry so the tests know where in the
 * compressed stream each entry ends.
 */
public final class TestArchives {
    public static final String META = "{\"Version\":1,\"ID\":\"2-1234-1700000000000\",\"Index\":1234,\"Term\":2,"
            + "\"Peers\":\"ka4xMjcuMC4wLjE6ODMwMA==\",\"Configuration\":{\"Servers\":[]},\"ConfigurationIndex\":1,\"Size\":10}";

    private TestArchives() {
    }

    /** An archive and, for each entry, the compressed offset where it starts and where it ends (flushed). */
    public record Built(byte[] bytes, Map<String, long[]> offsets, byte[] tar) {
        public byte[] cut(int length) {
            return Arrays.copyOf(bytes, length);
        }

        public int start(String entry) {
            return (int) offsets.get(entry)[0];
        }

        public int end(String entry) {
            return (int) offsets.get(entry)[1];
        }
    }

    /** Random (incompressible) state of {@code stateBytes}. */
    public static byte[] state(int stateBytes, long seed) {
        byte[] state = new byte[stateBytes];
        new Random(seed).nextBytes(state);
        return state;
    }

    public static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** SHA256SUMS as raft-snapshot writes it. */
    public static byte[] sums(byte[] meta, byte[] state) {
        return (sha256(meta) + "  meta.json\n" + sha256(state) + "  state.bin\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** A valid archive: Vault's has SHA256SUMS.sealed, Consul's not. */
    public static Built valid(boolean sealed, byte[] state) throws IOException {
        byte[] meta = META.getBytes(StandardCharsets.UTF_8);
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("meta.json", meta);
        entries.put("state.bin", state);
        entries.put("SHA256SUMS", sums(meta, state));
        if (sealed) {
            entries.put("SHA256SUMS.sealed", "{\"Ciphertext\":\"c2lnbmVk\"}".getBytes(StandardCharsets.US_ASCII));
        }
        return build(entries, true);
    }

    /** An archive of these entries in order, with or without tar's end blocks. */
    public static Built build(Map<String, byte[]> entries, boolean tarEnd) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        Map<String, long[]> offsets = new LinkedHashMap<>();
        try (GZIPOutputStream gz = new GZIPOutputStream(out, 4096, true)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                gz.flush();
                long start = out.size();
                byte[] entry = entry(e.getKey(), e.getValue());
                gz.write(entry);
                tar.write(entry);
                gz.flush();
                offsets.put(e.getKey(), new long[] {start, out.size()});
            }
            if (tarEnd) {
                gz.write(new byte[1024]);
                tar.write(new byte[1024]);
            }
        }
        return new Built(out.toByteArray(), offsets, tar.toByteArray());
    }

    /** One tar entry (ustar header, body, padding to 512). */
    public static byte[] entry(String name, byte[] body) {
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
        int pad = (512 - body.length % 512) % 512;
        byte[] all = new byte[512 + body.length + pad];
        System.arraycopy(h, 0, all, 0, 512);
        System.arraycopy(body, 0, all, 512, body.length);
        return all;
    }

    /** gzip of {@code raw} (a complete member). */
    public static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(raw);
        }
        return out.toByteArray();
    }

    /** Splits {@code b} into chunks of {@code size} (the last shorter). */
    public static List<byte[]> chunks(byte[] b, int size) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < b.length; i += size) {
            out.add(Arrays.copyOfRange(b, i, Math.min(b.length, i + size)));
        }
        return out;
    }

    private static void put(byte[] h, int off, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, h, off, b.length);
    }
}
