package dev.raftlifecycle.decisions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raftlifecycle.contract.ClusterSystem;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * What the head of a Raft snapshot says about it. Vault's {@code sys/storage/raft/snapshot} and Consul's
 * {@code /v1/snapshot} both answer with hashicorp/raft-snapshot's archive: a gzip'd tar whose first entry is
 * {@code meta.json} (raft's SnapshotMeta: Version, ID, Index, Term, ...), then {@code state.bin} and
 * {@code SHA256SUMS}. This reads only the first entry, from a bounded prefix of the stream that the caller keeps while
 * streaming (the first upload part), so the stream is never read twice nor held whole.
 *
 * <p>Pure: the prefix is bytes in memory, the answer a record. Anything else than such an archive in the prefix
 * (plain JSON, an HTML error page, a truncated or corrupt gzip, a tar whose first entry is not {@code meta.json}, a
 * meta.json without a non-negative Index and Term) is {@link NotASnapshot} with the reason in words.
 *
 * <p>{@link #checkEntries} is the whole archive's check, on what a streaming reader found (each regular file's name and
 * SHA-256, and the text of {@code SHA256SUMS}): the entries a snapshot needs are there, and the checksums raft-snapshot
 * wrote agree with the bytes that came.
 */
public final class SnapshotArchive {
    /** How many bytes of the stream's head are enough: meta.json is small and comes first. */
    public static final int HEAD_BYTES = 64 * 1024;
    static final String META_ENTRY = "meta.json";
    public static final String STATE_ENTRY = "state.bin";
    public static final String SUMS_ENTRY = "SHA256SUMS";
    /** Vault's seal's signature of SHA256SUMS (verifiable only with the seal's key: its presence is checked). */
    public static final String SEALED_SUMS_ENTRY = "SHA256SUMS.sealed";
    /** A SHA256SUMS larger than this is not raft-snapshot's (two or three lines). */
    public static final int MAX_SUMS_BYTES = 16 * 1024;
    private static final Pattern SUMS_LINE = Pattern.compile("([0-9a-fA-F]{64}) [ *]?(\\S.*)");
    /** A meta.json larger than this is not raft's (it holds a few ids and the configuration). */
    static final int MAX_META_BYTES = 32 * 1024;
    private static final int TAR_BLOCK = 512;
    private static final ObjectMapper JSON = new ObjectMapper();

    private SnapshotArchive() {
    }

    /** The outcome of reading the head. */
    public sealed interface Head permits Meta, NotASnapshot {
    }

    /**
     * raft's SnapshotMeta, the fields this project uses.
     *
     * @param version the snapshot format version (raft's SnapshotVersion)
     */
    public record Meta(String id, long index, long term, int version) implements Head {
    }

    /** The head is not a raft snapshot archive; {@code why} says what was found instead. */
    public record NotASnapshot(String why) implements Head {
        public Reason reason() {
            return Reason.NOT_A_SNAPSHOT;
        }
    }

    /** Reads the first {@code length} bytes of {@code head} (the start of the stream, or all of a short one). */
    public static Head read(byte[] head, int length) {
        if (length < 2 || (head[0] & 0xff) != 0x1f || (head[1] & 0xff) != 0x8b) {
            return new NotASnapshot("not gzip (the stream starts with " + describeStart(head, length) + ")");
        }
        byte[] header = new byte[TAR_BLOCK];
        try (InputStream tar = new GZIPInputStream(new ByteArrayInputStream(head, 0, Math.min(length, HEAD_BYTES)))) {
            if (readFully(tar, header) < TAR_BLOCK) {
                return new NotASnapshot("the gzip holds no tar header");
            }
            String name = cString(header, 0, 100);
            if (!META_ENTRY.equals(name)) {
                return new NotASnapshot("the archive's first entry is '" + printable(name) + "', not meta.json");
            }
            char type = (char) header[156];
            if (type != '0' && type != '\0') {
                return new NotASnapshot("meta.json is not a regular file in the tar");
            }
            Optional<Long> size = octal(header, 124, 12);
            if (size.isEmpty() || size.get() <= 0 || size.get() > MAX_META_BYTES) {
                return new NotASnapshot("meta.json's size in the tar header is not plausible");
            }
            byte[] meta = new byte[size.get().intValue()];
            if (readFully(tar, meta) < meta.length) {
                return new NotASnapshot("meta.json is cut short in the first " + length + " bytes");
            }
            return meta(meta);
        } catch (ZipException e) {
            return new NotASnapshot("corrupt gzip: " + e.getMessage());
        } catch (EOFException e) {
            return new NotASnapshot("the gzip ends before meta.json does");
        } catch (IOException e) {
            return new NotASnapshot("unreadable gzip: " + e.getClass().getSimpleName());
        }
    }

    /**
     * One regular file of the archive as it streamed by.
     *
     * @param sha256 its SHA-256, lower-case hex
     */
    public record Entry(String name, long size, String sha256) {
    }

    /**
     * Whether a whole archive's entries make a snapshot of {@code system}: meta.json first, state.bin and SHA256SUMS
     * present (and, for Vault, SHA256SUMS.sealed), no name twice, and {@code sums} (SHA256SUMS's text, lines
     * {@code <hex sha256>  <name>}) naming meta.json and state.bin with the hashes the entries have (every name it lists
     * must be an entry with that hash). Empty when it does; otherwise what is wrong, in words.
     */
    public static Optional<String> checkEntries(ClusterSystem system, List<Entry> entries, byte[] sums) {
        if (entries.isEmpty()) {
            return Optional.of("the archive holds no file");
        }
        if (!META_ENTRY.equals(entries.get(0).name())) {
            return Optional.of("the archive's first entry is '" + printable(entries.get(0).name()) + "', not meta.json");
        }
        Map<String, String> hashes = new HashMap<>();
        for (Entry e : entries) {
            if (hashes.put(e.name(), e.sha256().toLowerCase(java.util.Locale.ROOT)) != null) {
                return Optional.of("the archive holds '" + printable(e.name()) + "' twice");
            }
        }
        List<String> required = system == ClusterSystem.VAULT
                ? List.of(META_ENTRY, STATE_ENTRY, SUMS_ENTRY, SEALED_SUMS_ENTRY)
                : List.of(META_ENTRY, STATE_ENTRY, SUMS_ENTRY);
        for (String name : required) {
            if (!hashes.containsKey(name)) {
                return Optional.of("the archive has no " + name + (name.equals(SEALED_SUMS_ENTRY)
                        ? " (Vault's seal's signature of the checksums)" : ""));
            }
        }
        if (sums == null) {
            return Optional.of("SHA256SUMS's content was not kept");
        }
        Set<String> listed = new HashSet<>();
        for (String line : new String(sums, StandardCharsets.UTF_8).split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            Matcher m = SUMS_LINE.matcher(line.endsWith("\r") ? line.substring(0, line.length() - 1) : line);
            if (!m.matches()) {
                return Optional.of("SHA256SUMS has a line that is not '<sha256>  <name>': '" + printable(line) + "'");
            }
            String name = m.group(2);
            if (!listed.add(name)) {
                return Optional.of("SHA256SUMS lists " + printable(name) + " twice");
            }
            String actual = hashes.get(name);
            if (actual == null) {
                return Optional.of("SHA256SUMS lists " + printable(name) + ", which the archive does not hold");
            }
            if (!actual.equals(m.group(1).toLowerCase(java.util.Locale.ROOT))) {
                return Optional.of(printable(name) + "'s SHA-256 is not the one SHA256SUMS lists");
            }
        }
        for (String name : List.of(META_ENTRY, STATE_ENTRY)) {
            if (!listed.contains(name)) {
                return Optional.of("SHA256SUMS does not list " + name);
            }
        }
        return Optional.empty();
    }

    private static Head meta(byte[] bytes) {
        JsonNode json;
        try {
            json = JSON.readTree(bytes);
        } catch (IOException e) {
            return new NotASnapshot("meta.json is not JSON");
        }
        if (json == null || !json.isObject()) {
            return new NotASnapshot("meta.json is not a JSON object");
        }
        JsonNode index = json.get("Index");
        JsonNode term = json.get("Term");
        if (index == null || !index.canConvertToLong() || !index.isIntegralNumber() || index.asLong() < 0
                || term == null || !term.isIntegralNumber() || !term.canConvertToLong() || term.asLong() < 0) {
            return new NotASnapshot("meta.json has no non-negative integer Index and Term");
        }
        return new Meta(json.path("ID").asText(""), index.asLong(), term.asLong(), json.path("Version").asInt(0));
    }

    private static int readFully(InputStream in, byte[] into) throws IOException {
        int off = 0;
        while (off < into.length) {
            int n = in.read(into, off, into.length - off);
            if (n < 0) {
                break;
            }
            off += n;
        }
        return off;
    }

    private static String cString(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.US_ASCII);
    }

    /** A tar numeric field: octal digits, optionally space/NUL padded. */
    private static Optional<Long> octal(byte[] b, int off, int len) {
        String s = cString(b, off, len).trim();
        if (s.isEmpty() || !s.matches("[0-7]{1,11}")) {
            return Optional.empty();
        }
        return Optional.of(Long.parseLong(s, 8));
    }

    private static String describeStart(byte[] head, int length) {
        if (length <= 0) {
            return "nothing: the stream is empty";
        }
        int n = Math.min(length, 16);
        return "'" + printable(new String(head, 0, n, StandardCharsets.ISO_8859_1)) + "'";
    }

    private static String printable(String s) {
        StringBuilder out = new StringBuilder();
        for (char c : s.toCharArray()) {
            out.append(c >= 0x20 && c < 0x7f ? c : '?');
            if (out.length() >= 40) {
                break;
            }
        }
        return out.toString();
    }
}
