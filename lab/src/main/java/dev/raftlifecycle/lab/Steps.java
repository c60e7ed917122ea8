package dev.raftlifecycle.lab;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/** Step lines with durations and a pass/fail tally; colours only on a terminal. */
final class Steps {
    private final PrintStream out;
    private final boolean colour = System.console() != null && System.getenv("NO_COLOR") == null;
    private int passed;
    private int failed;

    Steps(PrintStream out) {
        this.out = out;
    }

    /** A check that ran; prints one line. */
    void check(String name, boolean ok, Duration took, String detail) {
        if (ok) {
            passed++;
        } else {
            failed++;
        }
        String status = ok ? paint("PASS", "32") : paint("FAIL", "31");
        out.printf(Locale.ROOT, "  %s  %-58s %7.1f s  %s%n", status, name, took.toMillis() / 1000.0,
                detail == null ? "" : detail);
        out.flush();
    }

    /** Runs a step: its body returns a detail string, or throws to fail it. */
    boolean run(String name, Step step) {
        out.printf(Locale.ROOT, "  ....  %s%n", name);
        out.flush();
        Instant start = Instant.now();
        try {
            String detail = step.run();
            check(name, true, Duration.between(start, Instant.now()), detail);
            return true;
        } catch (Exception | AssertionError e) {
            check(name, false, Duration.between(start, Instant.now()), e.getMessage());
            return false;
        }
    }

    void info(String text) {
        out.println(text);
        out.flush();
    }

    int passed() {
        return passed;
    }

    int failed() {
        return failed;
    }

    private String paint(String text, String code) {
        return colour ? "\u001b[" + code + "m" + text + "\u001b[0m" : text;
    }

    @FunctionalInterface
    interface Step {
        String run() throws Exception;
    }

    /** Fails the current step with a message. */
    static void require(boolean condition, String message) {
        if (!condition) {
            throw new AssertionError(message);
        }
    }
}
