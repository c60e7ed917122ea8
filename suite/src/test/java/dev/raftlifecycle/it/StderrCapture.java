package dev.raftlifecycle.it;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything written to the test JVM's standard error — where a handler's stray output (an exception's message, an
 * SDK warning, a print) lands, beside its structured log — still goes to the original stream, and is kept line by
 * line until {@link #takeLines()} hands it to the secrets check.
 */
final class StderrCapture extends OutputStream {
    private static StderrCapture installed;

    private final PrintStream original;
    private final ByteArrayOutputStream current = new ByteArrayOutputStream();
    private final List<String> lines = new ArrayList<>();

    private StderrCapture(PrintStream original) {
        this.original = original;
    }

    /** Puts the capture in front of System.err once per JVM. */
    static synchronized void install() {
        if (installed == null) {
            installed = new StderrCapture(System.err);
            System.setErr(new PrintStream(installed, true, StandardCharsets.UTF_8));
        }
    }

    /** The complete lines written since the last call (none if the capture is not installed). */
    static List<String> takeLines() {
        StderrCapture capture;
        synchronized (StderrCapture.class) {
            capture = installed;
        }
        if (capture == null) {
            return List.of();
        }
        synchronized (capture) {
            List<String> taken = List.copyOf(capture.lines);
            capture.lines.clear();
            return taken;
        }
    }

    @Override
    public void write(int b) {
        original.write(b);
        synchronized (this) {
            append(b);
        }
    }

    @Override
    public void write(byte[] bytes, int offset, int length) {
        original.write(bytes, offset, length);
        synchronized (this) {
            for (int i = offset; i < offset + length; i++) {
                append(bytes[i]);
            }
        }
    }

    @Override
    public void flush() {
        original.flush();
    }

    private void append(int b) {
        if (b == '\n') {
            lines.add(current.toString(StandardCharsets.UTF_8));
            current.reset();
        } else {
            current.write(b);
        }
    }
}
