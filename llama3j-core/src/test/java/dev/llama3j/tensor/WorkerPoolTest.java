package dev.llama3j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    @Test
    void theActivityCountsSectionsTheCallersTimeAloneAndItsWaiting() {
        try (WorkerPool pool = new WorkerPool(2)) {
            pool.parallelFor(2, 1, (s, e) -> {}); // before the reset: not counted
            sleep(30);
            pool.resetActivity();
            for (int round = 0; round < 3; round++) {
                sleep(20); // the caller alone: counted from the second section on
                pool.parallelFor(2, 1, (s, e) -> {
                    // The worker takes item 0 or 1; whoever gets item 1 sleeps, so the caller waits
                    // or works 20 ms in the section either way.
                    if (e > 1) {
                        sleep(20);
                    }
                });
            }
            pool.parallelFor(1, 1, (s, e) -> sleep(5)); // too small to share: alone, not a section
            WorkerPool.Activity a = pool.activity();
            assertEquals(3, a.sections());
            assertTrue(a.aloneNanos() >= 40_000_000L, "two gaps of 20 ms: " + a);
            assertTrue(a.sectionNanos() >= 60_000_000L && a.waitNanos() <= a.sectionNanos(), a.toString());
            pool.resetActivity();
            assertEquals(new WorkerPool.Activity(0, 0, 0, 0), pool.activity());
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
