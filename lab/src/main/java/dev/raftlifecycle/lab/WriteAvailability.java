package dev.raftlifecycle.lab;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Availability counted by time, as a client with a deadline sees it: over a set of windows, from the instants at which
 * writes succeeded (were acknowledged), the longest interval without one, the whole seconds without one, and the
 * share of whole seconds with at least one. A window is cut into whole seconds from its start; a last part shorter
 * than a second is left out of the second counts (not of the longest interval). Pure arithmetic.
 */
final class WriteAvailability {
    private WriteAvailability() {
    }

    record Window(Instant from, Instant to) {
        Window {
            if (to.isBefore(from)) {
                throw new IllegalArgumentException("window ends before it starts: " + from + " .. " + to);
            }
        }

        boolean contains(Instant at) {
            return !at.isBefore(from) && at.isBefore(to);
        }
    }

    /** An interval without a successful write. */
    record Stall(Instant from, Instant to) {
        Duration length() {
            return Duration.between(from, to);
        }
    }

    record Figures(Duration longestStall, int secondsWithout, int seconds) {
        /** Percent of whole seconds with at least one successful write (100 with no whole second). */
        double percent() {
            return seconds == 0 ? 100.0 : 100.0 * (seconds - secondsWithout) / seconds;
        }
    }

    static Figures of(List<Instant> successes, List<Window> windows) {
        Duration longest = Duration.ZERO;
        int without = 0;
        int seconds = 0;
        for (Window w : windows) {
            for (Stall s : stalls(successes, w, Duration.ZERO)) {
                if (s.length().compareTo(longest) > 0) {
                    longest = s.length();
                }
            }
            long whole = Duration.between(w.from(), w.to()).toSeconds();
            for (long k = 0; k < whole; k++) {
                Window second = new Window(w.from().plusSeconds(k), w.from().plusSeconds(k + 1));
                seconds++;
                if (successes.stream().noneMatch(second::contains)) {
                    without++;
                }
            }
        }
        return new Figures(longest, without, seconds);
    }

    /**
     * The intervals of at least {@code atLeast} in the window with no successful write: between the window's start,
     * each success inside it (in time order) and the window's end.
     */
    static List<Stall> stalls(List<Instant> successes, Window window, Duration atLeast) {
        List<Instant> inside = successes.stream().filter(window::contains).sorted().toList();
        List<Stall> out = new ArrayList<>();
        Instant previous = window.from();
        for (Instant at : inside) {
            add(out, previous, at, atLeast);
            previous = at;
        }
        add(out, previous, window.to(), atLeast);
        return out;
    }

    private static void add(List<Stall> out, Instant from, Instant to, Duration atLeast) {
        Stall s = new Stall(from, to);
        if (s.length().compareTo(atLeast) >= 0 && !s.length().isZero()) {
            out.add(s);
        }
    }
}
