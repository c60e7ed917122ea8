package dev.raftlifecycle.time;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/** The time this invocation may still use: the Lambda's remaining time minus a safety margin. */
public final class Deadline {
    private final Clock clock;
    private final Instant at;

    public Deadline(Clock clock, Instant at) {
        this.clock = clock;
        this.at = at;
    }

    public static Deadline after(Clock clock, Duration available, Duration margin) {
        Duration usable = available.minus(margin);
        if (usable.isNegative()) {
            usable = Duration.ZERO;
        }
        return new Deadline(clock, clock.instant().plus(usable));
    }

    public Instant at() {
        return at;
    }

    public Duration remaining() {
        Duration left = Duration.between(clock.instant(), at);
        return left.isNegative() ? Duration.ZERO : left;
    }

    public boolean passed() {
        return !clock.instant().isBefore(at);
    }

    /** The earlier of this deadline and now + limit. */
    public Deadline within(Duration limit) {
        Instant capped = clock.instant().plus(limit);
        return new Deadline(clock, capped.isBefore(at) ? capped : at);
    }

    /** The earlier of this deadline and {@code instant}. */
    public Deadline until(Instant instant) {
        return new Deadline(clock, instant.isBefore(at) ? instant : at);
    }

    /** Sleeps up to {@code duration}, never past the deadline. Returns false if the deadline has passed. */
    public boolean sleep(Duration duration) {
        Duration wait = duration.compareTo(remaining()) < 0 ? duration : remaining();
        if (wait.isZero()) {
            return !passed();
        }
        try {
            Thread.sleep(wait.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return !passed();
    }
}
