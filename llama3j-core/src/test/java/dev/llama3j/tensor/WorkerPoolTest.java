package dev.llama3j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The pool wakes its threads only when they may be asleep: these loops would hang, not fail, on a
 * lost wake-up, so each runs under a time limit.
 */
class WorkerPoolTest {
    @Test
    void everyItemRunsOnceWhetherTheWorkersSpinOrSleep() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            try (WorkerPool pool = new WorkerPool(3)) {
                for (int round = 0; round < 40; round++) {
                    if (round % 8 == 0) {
                        Thread.sleep(30); // long enough for the workers (and later the caller) to park
                    }
                    int n = 1 + round * 37;
                    AtomicIntegerArray seen = new AtomicIntegerArray(n);
                    pool.parallelFor(n, 1, (s, e) -> {
                        for (int i = s; i < e; i++) {
                            seen.incrementAndGet(i);
                        }
                    });
                    for (int i = 0; i < n; i++) {
                        assertEquals(1, seen.get(i), "round " + round + ", item " + i);
                    }
                }
            }
        });
    }

    @Test
    void manyShortLoopsInARowAllFinish() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            try (WorkerPool pool = new WorkerPool(2)) {
                AtomicLong total = new AtomicLong();
                for (int round = 0; round < 100_000; round++) {
                    pool.parallelFor(2, 1, (s, e) -> total.addAndGet(e - s));
                }
                assertEquals(200_000, total.get());
            }
        });
    }

    @Test
    void aCallerThatWaitsLongForAWorkerIsWokenWhenItFinishes() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            try (WorkerPool pool = new WorkerPool(2)) {
                for (int round = 0; round < 5; round++) {
                    // One slow item: whoever does not take it waits past its spinning and parks.
                    AtomicLong done = new AtomicLong();
                    pool.parallelFor(2, 1, (s, e) -> {
                        for (int i = s; i < e; i++) {
                            if (i == 1) {
                                sleep(20);
                            }
                            done.incrementAndGet();
                        }
                    });
                    assertEquals(2, done.get());
                }
            }
        });
    }

    @Test
    void aFailureInAWorkerReachesTheCaller() {
        try (WorkerPool pool = new WorkerPool(2)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.parallelFor(64, 1, (s, t) -> {
                throw new IllegalStateException("bad item " + s);
            }));
            assertEquals(true, e.getMessage().startsWith("bad item"));
            AtomicLong after = new AtomicLong();
            pool.parallelFor(64, 1, (s, t) -> after.addAndGet(t - s));
            assertEquals(64, after.get(), "the pool still works after a failure");
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
