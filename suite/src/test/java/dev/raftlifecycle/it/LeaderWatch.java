package dev.raftlifecycle.it;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Who leads, sampled every 100 ms from the nodes' own answers (the supplier: the leader's instance id, "" for none),
 * until closed: for asserting that a change kept the same leader throughout.
 */
final class LeaderWatch implements AutoCloseable {
    private final List<String> seen = new CopyOnWriteArrayList<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Future<?> task;

    LeaderWatch(Supplier<String> leader) {
        task = HandlerHarness.THREADS.submit(() -> {
            while (!stop.get()) {
                seen.add(leader.get());
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        });
    }

    /** The distinct leaders seen, in order ("" = none). */
    List<String> leaders() {
        List<String> out = new ArrayList<>();
        for (String s : seen) {
            if (out.isEmpty() || !out.get(out.size() - 1).equals(s)) {
                out.add(s);
            }
        }
        return out;
    }

    @Override
    public void close() throws Exception {
        stop.set(true);
        task.get();
    }
}
