package dev.raftlifecycle.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.ports.MutationLock;
import dev.raftlifecycle.rig.Rig;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The lock holds under contention on the emulator's DynamoDB: many invocations trying at the same instant, on busy
 * cores, never both get it. (moto alone evaluates a condition and stores the item as two steps on many threads and
 * let two writers through under load — a QuorumGuardIT run removed two voters below the floor that way; the rig
 * starts moto with its writes serialized, as DynamoDB's are. This test is what catches that regressing.)
 */
class MutationLockIT {
    private static final int CONTENDERS = 6;
    private static final int ROUNDS = 150;

    @Test
    void contendersAtTheSameInstantOnBusyCoresNeverBothHoldTheLock() throws Exception {
        Rig rig = Rig.shared();
        String table = HandlerHarness.createLockTable(rig);
        MutationLock lock = new MutationLock(rig.dynamoDb(), table, "contended", Clock.systemUTC());
        AtomicBoolean busy = new AtomicBoolean(true);
        List<Thread> burners = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            // Keep the cores busy, as the Vault nodes and the other test classes do in CI.
            Thread burner = new Thread(() -> {
                long x = 0;
                while (busy.get()) {
                    x += System.nanoTime() % 7;
                }
                if (x == 42) {
                    System.out.print("");
                }
            }, "burner-" + i);
            burner.setDaemon(true);
            burner.start();
            burners.add(burner);
        }
        int doubleHolds = 0;
        int rounds = 0;
        try {
            for (int round = 0; round < ROUNDS; round++) {
                CyclicBarrier start = new CyclicBarrier(CONTENDERS);
                Instant leaseUntil = Instant.now().plusSeconds(60);
                List<CompletableFuture<Boolean>> tries = new ArrayList<>();
                for (int c = 0; c < CONTENDERS; c++) {
                    String owner = "round-" + round + "-contender-" + c;
                    tries.add(CompletableFuture.supplyAsync(() -> {
                        await(start);
                        return lock.tryAcquire(owner, Instant.now(), leaseUntil);
                    }, HandlerHarness.THREADS));
                }
                long winners = tries.stream().map(CompletableFuture::join).filter(Boolean::booleanValue).count();
                rounds++;
                assertThat(winners).as("round %d: someone gets a free lock", round).isPositive();
                if (winners > 1) {
                    doubleHolds++;
                }
                for (int c = 0; c < CONTENDERS; c++) {
                    lock.release("round-" + round + "-contender-" + c);
                }
            }
        } finally {
            busy.set(false);
            for (Thread burner : burners) {
                burner.join();
            }
        }
        assertThat(rounds).isEqualTo(ROUNDS);
        assertThat(doubleHolds).as("rounds in which two contenders both held the lock").isZero();
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
