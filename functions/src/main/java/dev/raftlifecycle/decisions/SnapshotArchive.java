package dev.raftlifecycle.decisions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
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
 */
public final class SnapshotArchive {
    /** How many bytes of the stream's head are enough: meta.json is small and comes first. */
    public static final int HEAD_BYTES = 64 * 1024;
    static final String META_ENTRY = "meta.json";
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
