package dev.raftlifecycle.ports;

import java.util.function.Supplier;

/**
 * An AWS SDK client built the first time a call needs it, once (thread-safe), and kept for the container's life.
 * Building a client loads its service model (the EC2 one alone is ~0.3 s on a cold start): a handler that never
 * calls a service (the terminating handler and CloudWatch) never pays for it.
 */
public final class Lazy<T> implements Supplier<T> {
    private final Supplier<T> factory;
    private volatile T value;

    private Lazy(Supplier<T> factory) {
        this.factory = factory;
    }

    public static <T> Lazy<T> of(Supplier<T> factory) {
        return new Lazy<>(factory);
    }

    /** One already built (tests, and callers that have a client). */
    public static <T> Lazy<T> ready(T value) {
        Lazy<T> lazy = new Lazy<>(() -> value);
        lazy.value = value;
        return lazy;
    }

    @Override
    public T get() {
        T v = value;
        if (v == null) {
            synchronized (this) {
                v = value;
                if (v == null) {
                    v = factory.get();
                    value = v;
                }
            }
        }
        return v;
    }

    /** Whether it has been built (for tests and the priming hook's report). */
    public boolean built() {
        return value != null;
    }
}
