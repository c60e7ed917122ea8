package dev.raftlifecycle.lab;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.function.Consumer;

/** Progress of long work, one line per step with the time since the start: no silent minutes. */
final class Progress implements Consumer<String> {
    static final String PREFIX = "lab: [";
    private final PrintStream out;
    private final Instant start = Instant.now();

    Progress(PrintStream out) {
        this.out = out;
    }

    @Override
    public void accept(String step) {
        double seconds = Duration.between(start, Instant.now()).toMillis() / 1000.0;
        out.println(String.format(Locale.ROOT, "%s%6.1f s] %s", PREFIX, seconds, step));
        out.flush();
    }
}
