package dev.raftlifecycle.ports;

import dev.raftlifecycle.contract.ClusterSystem;
import dev.raftlifecycle.decisions.SnapshotArchive;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Checks a raft-snapshot archive as its bytes stream by, on the bytes that go to S3, in the uploading thread: no second
 * copy, no thread, no disk; memory is bounded (the inflater's window, one 64 KiB output buffer, one tar header block
 * and SHA256SUMS's few lines).
 *
 * <p>The gzip framing is read here (header, then raw deflate through an {@link Inflater}, then the 8-byte trailer whose
 * CRC-32 and length must match what was inflated: a stream that ends cleanly but early has no trailer, or a wrong one).
 * The tar inside is walked block by block (512-byte headers with a valid checksum, octal or base-256 sizes, bodies
 * padded to 512, the end marked by two zero blocks), each regular file's SHA-256 taken as it passes, SHA256SUMS kept.
 * At the end {@link SnapshotArchive#checkEntries} decides whether the entries make a snapshot. The first failure is
 * kept: every later call repeats it.
 */
public final class SnapshotVerifier implements SnapshotStore.Verifier {
    private static final int BLOCK = 512;
    private static final int MAX_GZIP_HEADER = 64 * 1024;
    private static final int MAX_ENTRIES = 64;
    private static final int FHCRC = 2;
    private static final int FEXTRA = 4;
    private static final int FNAME = 8;
    private static final int FCOMMENT = 16;

    private enum Gzip { HEADER, DATA, TRAILER, DONE }

    private enum Tar { HEADER, BODY, PADDING, END }

    private final ClusterSystem system;
    private final Inflater inflater = new Inflater(true);
    private final CRC32 crc = new CRC32();
    private final byte[] out = new byte[64 * 1024];
    private final ByteArrayOutputStream gzipHeader = new ByteArrayOutputStream();
    private final byte[] trailer = new byte[8];
    private int trailerLength;
    private Gzip gzip = Gzip.HEADER;
    private long compressed;
    private long inflated;

    private Tar tar = Tar.HEADER;
    private final byte[] block = new byte[BLOCK];
    private int blockLength;
    private int zeroBlocks;
    private String entryName;
    private long entrySize;
    private long entryLeft;
    private long padLeft;
    private boolean regular;
    private final MessageDigest digest;
    private ByteArrayOutputStream sumsCapture;
    private byte[] sums;
    private final List<SnapshotArchive.Entry> entries = new ArrayList<>();

    private String failure;
    private boolean finished;

    public SnapshotVerifier(ClusterSystem system) {
        this.system = system;
        try {
            this.digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-256", e);
        }
    }

    /** The regular files seen so far (all of them once {@link #finish} passed). */
    public List<SnapshotArchive.Entry> entries() {
        return List.copyOf(entries);
    }

    @Override
    public void update(byte[] b, int off, int len) throws SnapshotStore.Unverified {
        if (failure != null) {
            throw new SnapshotStore.Unverified(failure);
        }
        if (finished) {
            throw fail("bytes after the stream was finished");
        }
        compressed += len;
        int pos = off;
        int end = off + len;
        while (pos < end) {
            switch (gzip) {
                case HEADER -> {
                    int take = Math.min(end - pos, MAX_GZIP_HEADER + 1 - gzipHeader.size());
                    gzipHeader.write(b, pos, take);
                    pos += take;
                    byte[] h = gzipHeader.toByteArray();
                    int length = gzipHeaderLength(h);
                    if (length < 0) {
                        if (h.length > MAX_GZIP_HEADER) {
                            throw fail("the gzip header is longer than " + MAX_GZIP_HEADER + " bytes");
                        }
                        continue;
                    }
                    gzip = Gzip.DATA;
                    gzipHeader.reset();
                    if (length < h.length) {
                        inflate(h, length, h.length - length); // what came after the header in this chunk
                    }
                }
                case DATA -> {
                    int used = inflate(b, pos, end - pos);
                    pos += used;
                }
                case TRAILER -> {
                    int take = Math.min(end - pos, trailer.length - trailerLength);
                    System.arraycopy(b, pos, trailer, trailerLength, take);
                    trailerLength += take;
                    pos += take;
                    if (trailerLength == trailer.length) {
                        checkTrailer();
                    }
                }
                case DONE -> throw fail((end - pos) + " bytes after the gzip stream's end");
            }
        }
    }

    /** Inflates from {@code b}; returns how many bytes belonged to the deflate data (the rest follow it). */
    private int inflate(byte[] b, int off, int len) throws SnapshotStore.Unverified {
        inflater.setInput(b, off, len);
        try {
            while (true) {
                int n = inflater.inflate(out);
                if (n > 0) {
                    crc.update(out, 0, n);
                    inflated += n;
                    tar(out, 0, n);
                }
                if (inflater.finished()) {
                    int rest = inflater.getRemaining();
                    gzip = Gzip.TRAILER;
                    if (rest > 0) {
                        int used = len - rest;
                        int take = Math.min(rest, trailer.length);
                        System.arraycopy(b, off + used, trailer, 0, take);
                        trailerLength = take;
                        if (trailerLength == trailer.length) {
                            checkTrailer();
                        }
                        if (rest > take) {
                            throw fail((rest - take) + " bytes after the gzip stream's end");
                        }
                    }
                    return len;
                }
                if (inflater.needsDictionary()) {
                    throw fail("the deflate data asks for a preset dictionary");
                }
                if (n == 0 && inflater.needsInput()) {
                    return len;
                }
            }
        } catch (DataFormatException e) {
            throw fail("corrupt gzip data after " + compressed + " bytes: " + e.getMessage());
        }
    }

    private void checkTrailer() throws SnapshotStore.Unverified {
        long expectCrc = le32(trailer, 0);
        long expectSize = le32(trailer, 4);
        if (expectCrc != crc.getValue()) {
            throw fail("the gzip trailer's CRC-32 does not match the data");
        }
        if (expectSize != (inflated & 0xffffffffL)) {
            throw fail("the gzip trailer's length does not match the data");
        }
        gzip = Gzip.DONE;
        inflater.end();
    }

    private static long le32(byte[] b, int off) {
        return (b[off] & 0xffL) | (b[off + 1] & 0xffL) << 8 | (b[off + 2] & 0xffL) << 16 | (b[off + 3] & 0xffL) << 24;
    }

    /** The gzip header's length in {@code h}, or -1 if it needs more bytes; fails if it is not a gzip header. */
    private int gzipHeaderLength(byte[] h) throws SnapshotStore.Unverified {
        if (h.length >= 1 && (h[0] & 0xff) != 0x1f || h.length >= 2 && (h[1] & 0xff) != 0x8b) {
            throw fail("not gzip");
        }
        if (h.length >= 3 && h[2] != 8) {
            throw fail("gzip compression method " + h[2] + " is not deflate");
        }
        if (h.length < 10) {
            return -1;
        }
        int flags = h[3] & 0xff;
        int pos = 10;
        if ((flags & FEXTRA) != 0) {
            if (h.length < pos + 2) {
                return -1;
            }
            pos += 2 + ((h[pos] & 0xff) | (h[pos + 1] & 0xff) << 8);
        }
        for (int flag : new int[] {FNAME, FCOMMENT}) {
            if ((flags & flag) != 0) {
                while (pos < h.length && h[pos] != 0) {
                    pos++;
                }
                if (pos >= h.length) {
                    return -1;
                }
                pos++;
            }
        }
        if ((flags & FHCRC) != 0) {
            pos += 2;
        }
        return pos <= h.length ? pos : -1;
    }

    private void tar(byte[] b, int off, int len) throws SnapshotStore.Unverified {
        int pos = off;
        int end = off + len;
        while (pos < end) {
            switch (tar) {
                case HEADER -> {
                    int take = Math.min(end - pos, BLOCK - blockLength);
                    System.arraycopy(b, pos, block, blockLength, take);
                    blockLength += take;
                    pos += take;
                    if (blockLength == BLOCK) {
                        blockLength = 0;
                        header();
                    }
                }
                case BODY -> {
                    int take = (int) Math.min(end - pos, entryLeft);
                    if (regular) {
                        digest.update(b, pos, take);
                        if (sumsCapture != null) {
                            sumsCapture.write(b, pos, take);
                        }
                    }
                    entryLeft -= take;
                    pos += take;
                    if (entryLeft == 0) {
                        endEntry();
                    }
                }
                case PADDING -> {
                    int take = (int) Math.min(end - pos, padLeft);
                    padLeft -= take;
                    pos += take;
                    if (padLeft == 0) {
                        tar = Tar.HEADER;
                    }
                }
                case END -> {
                    for (; pos < end; pos++) {
                        if (b[pos] != 0) {
                            throw fail("data after the tar's end");
                        }
                    }
                }
            }
        }
    }

    private void header() throws SnapshotStore.Unverified {
        boolean zero = true;
        for (byte x : block) {
            if (x != 0) {
                zero = false;
                break;
            }
        }
        if (zero) {
            zeroBlocks++;
            if (zeroBlocks == 2) {
                tar = Tar.END;
            }
            return;
        }
        if (zeroBlocks > 0) {
            throw fail("a tar header after an end-of-archive block");
        }
        Optional<Long> stored = octal(block, 148, 8);
        long sum = 0;
        for (int i = 0; i < BLOCK; i++) {
            sum += i >= 148 && i < 156 ? ' ' : block[i] & 0xff;
        }
        if (stored.isEmpty() || stored.get() != sum) {
            throw fail("a tar header's checksum is wrong (after " + entries.size() + " entries)");
        }
        String name = cString(block, 0, 100);
        if ("ustar".equals(cString(block, 257, 6)) || "ustar ".equals(new String(block, 257, 6, StandardCharsets.US_ASCII))) {
            String prefix = cString(block, 345, 155);
            if (!prefix.isEmpty() && block[257 + 5] == 0) {
                name = prefix + "/" + name;
            }
        }
        long size = size();
        if (size < 0) {
            throw fail("the tar header of '" + name + "' has no valid size");
        }
        byte type = block[156];
        regular = type == '0' || type == 0;
        entryName = name;
        entrySize = size;
        entryLeft = size;
        padLeft = (BLOCK - size % BLOCK) % BLOCK;
        sumsCapture = null;
        if (regular) {
            if (entries.size() >= MAX_ENTRIES) {
                throw fail("the archive holds more than " + MAX_ENTRIES + " files");
            }
            digest.reset();
            if (SnapshotArchive.SUMS_ENTRY.equals(name)) {
                if (size > SnapshotArchive.MAX_SUMS_BYTES) {
                    throw fail("SHA256SUMS is " + size + " bytes: not raft-snapshot's");
                }
                sumsCapture = new ByteArrayOutputStream((int) size);
            }
        }
        tar = Tar.BODY;
        if (size == 0) {
            endEntry();
        }
    }

    private void endEntry() {
        if (regular) {
            entries.add(new SnapshotArchive.Entry(entryName, entrySize, HexFormat.of().formatHex(digest.digest())));
            if (sumsCapture != null) {
                sums = sumsCapture.toByteArray();
                sumsCapture = null;
            }
        }
        entryName = null;
        tar = padLeft > 0 ? Tar.PADDING : Tar.HEADER;
    }

    /** The size field: octal, or GNU base-256 (high bit of the first byte set); -1 if neither. */
    private long size() {
        if ((block[124] & 0x80) != 0) {
            long v = block[124] & 0x7f;
            for (int i = 125; i < 136; i++) {
                if ((v >>> 55) != 0) {
                    return -1;
                }
                v = v << 8 | (block[i] & 0xff);
            }
            return v;
        }
        return octal(block, 124, 12).orElse(-1L);
    }

    private static Optional<Long> octal(byte[] b, int off, int len) {
        String s = cString(b, off, len).trim();
        if (s.isEmpty() || !s.matches("[0-7]{1,12}")) {
            return Optional.empty();
        }
        return Optional.of(Long.parseLong(s, 8));
    }

    private static String cString(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.US_ASCII);
    }

    @Override
    public void finish() throws SnapshotStore.Unverified {
        if (failure != null) {
            throw new SnapshotStore.Unverified(failure);
        }
        if (finished) {
            return;
        }
        switch (gzip) {
            case HEADER -> throw fail("the stream ends after " + compressed + " bytes, inside the gzip header");
            case DATA -> throw fail("the stream ends after " + compressed + " bytes, before the gzip data does ("
                    + where() + ")");
            case TRAILER -> throw fail("the stream ends after " + compressed + " bytes, inside the gzip trailer ("
                    + trailerLength + " of its 8 bytes)");
            case DONE -> {
            }
        }
        if (tar != Tar.END) {
            throw fail("the gzip data is complete but the tar is not: it ends " + where());
        }
        Optional<String> wrong = SnapshotArchive.checkEntries(system, entries, sums);
        if (wrong.isPresent()) {
            throw fail(wrong.get());
        }
        finished = true;
    }

    private String where() {
        return switch (tar) {
            case HEADER -> zeroBlocks > 0 ? "inside the tar's end marker"
                    : blockLength > 0 ? "inside a tar header, after " + describeEntries()
                    : "after " + describeEntries();
            case BODY -> "inside " + entryName + " (" + (entrySize - entryLeft) + " of its " + entrySize + " bytes)";
            case PADDING -> "inside the padding after " + describeEntries();
            case END -> "after the tar's end";
        };
    }

    private String describeEntries() {
        return entries.isEmpty() ? "no entry" : String.join(", ", entries.stream().map(SnapshotArchive.Entry::name).toList());
    }

    private SnapshotStore.Unverified fail(String why) {
        failure = "the snapshot archive is incomplete or corrupt: " + why;
        inflater.end();
        return new SnapshotStore.Unverified(failure);
    }

    @Override
    public void close() {
        inflater.end();
    }
}
