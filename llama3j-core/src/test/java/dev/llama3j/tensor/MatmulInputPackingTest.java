package dev.llama3j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The workers of a parallel section pack {@link MatmulInput}'s GEMM form together: whoever calls, and
 * however many at once, each gets the same form as one {@link Gemm#pack} of the whole input; and so
 * with the paired 8-bit form {@link IntGemm} reads.
 */
class MatmulInputPackingTest {
    private ExecutorService threads;

    @BeforeEach
    void startThreads() {
        threads = Executors.newFixedThreadPool(4);
    }

    @AfterEach
    void stopThreads() {
        threads.shutdownNow();
    }

    @Test
    void threadsPackingTogetherGiveTheWholePack() throws Exception {
        SplittableRandom r = new SplittableRandom(3);
        MatmulInput in = new MatmulInput();
        for (int n : countsAround(Gemm.TILE, 53)) {
            int cols = 40;
            float[] x = uniform(r, n * cols, 1);
            float[] want = new float[n * cols];
            Gemm.pack(x, 0, cols, n, cols, want);
            for (int round = 0; round < 3; round++) {
                in.set(x, n, cols);
                for (Future<float[]> f : packTogether(threads, in)) {
                    float[] packed = f.get();
                    assertArrayEquals(want, Arrays.copyOf(packed, n * cols), "n " + n + ", round " + round);
                }
                // A later caller of the same input gets the finished form without packing it again.
                assertArrayEquals(want, Arrays.copyOf(in.packedForGemm(), n * cols), "n " + n);
            }
        }
    }

    @Test
    void threadsPairingTogetherGiveTheQuantizedValuesInPairs() throws Exception {
        SplittableRandom r = new SplittableRandom(4);
        MatmulInput in = new MatmulInput();
        MatmulInput alone = new MatmulInput();
        int w = IntGemm.TILE;
        for (int n : countsAround(w, 41)) {
            int cols = 96;
            int blocks = cols / MatmulInput.BLOCK;
            float[] x = uniform(r, n * cols, 3);
            alone.set(x, n, cols).ensureQuantized();
            for (int round = 0; round < 3; round++) {
                in.set(x, n, cols);
                for (Future<Object> f : atOnce(threads, () -> {
                    in.pairedForIntGemm();
                    return null;
                })) {
                    f.get(30, TimeUnit.SECONDS);
                }
                for (int t = 0; t < (n + w - 1) / w * w; t++) {
                    int tile = t / w;
                    int j = t % w;
                    for (int b = 0; b < blocks; b++) {
                        int s = tile * w * blocks + b * w + j;
                        float scale = t < n ? alone.qScale[t * blocks + b] : 0;
                        float sum = t < n ? scale * alone.qSum[t * blocks + b] : 0;
                        assertEquals(scale, in.pairScale[s], "scale, n " + n + " token " + t + " block " + b);
                        assertEquals(sum, in.pairSum[s], "sum, n " + n + " token " + t + " block " + b);
                        for (int k = 0; k < 16; k++) {
                            int word = in.pairs[tile * w * cols / 2 + (b * 16 + k) * w + j];
                            int lo = t < n ? alone.q[t * cols + b * 32 + k] : 0;
                            int hi = t < n ? alone.q[t * cols + b * 32 + k + 16] : 0;
                            assertEquals(lo, (short) word, "n " + n + " token " + t + " block " + b + " pair " + k);
                            assertEquals(hi, word >> 16, "n " + n + " token " + t + " block " + b + " pair " + k);
                        }
                    }
                }
            }
        }
    }

    /** Rows that are not whole 8-bit blocks: both quantized forms refuse them, naming the length. */
    @Test
    void rowsOfPartialBlocksAreRefusedByName() {
        MatmulInput in = new MatmulInput().set(new float[3 * 40], 3, 40);
        IllegalStateException e = assertThrows(IllegalStateException.class, in::ensureQuantized);
        assertEquals("row length 40 is not a multiple of 32", e.getMessage());
        e = assertThrows(IllegalStateException.class, in::pairedForIntGemm);
        assertEquals("row length 40 is not a multiple of 32", e.getMessage());
    }

    /**
     * Token counts around a tile of {@code tile} tokens, and {@code last}: a remainder of smaller
     * tiles (or an unfilled last tile) is shared too.
     */
    private static int[] countsAround(int tile, int last) {
        return new int[] {1, tile - 1, tile, 3 * tile + 5, last};
    }

    /** {@code size} values drawn uniformly from {@code (-bound, bound)}. */
    private static float[] uniform(SplittableRandom r, int size, double bound) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = (float) r.nextDouble(-bound, bound);
        }
        return x;
    }

    /**
     * A part that throws (here: the vectors are shorter than the size they were declared with, so
     * the last tile reads past them) must not leave the other callers waiting for it: each returns
     * with an exception, none hangs, and good vectors set afterwards are packed.
     */
    @Test
    void aPartThatThrowsStopsTheOthersWaiting() throws Exception {
        MatmulInput in = new MatmulInput();
        int cols = 40;
        int n = 4 * Gemm.TILE;
        for (int round = 0; round < 20; round++) {
            in.set(new float[n * cols - 1], n, cols);
            boolean outOfRange = false;
            for (Future<float[]> f : packTogether(threads, in)) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(30, TimeUnit.SECONDS));
                outOfRange |= e.getCause() instanceof IndexOutOfBoundsException;
                if (!(e.getCause() instanceof IndexOutOfBoundsException)) {
                    assertInstanceOf(IllegalStateException.class, e.getCause());
                }
            }
            assertTrue(outOfRange, "one caller met the short vectors");
        }
        float[] x = new float[n * cols];
        Arrays.fill(x, 1f);
        float[] want = new float[n * cols];
        Gemm.pack(x, 0, cols, n, cols, want);
        assertArrayEquals(want, Arrays.copyOf(in.set(x, n, cols).packedForGemm(), n * cols));
    }

    /** Four of {@code threads} call {@link MatmulInput#packedForGemm()} on {@code in} at once; copies of what each got. */
    private static Future<float[]>[] packTogether(ExecutorService threads, MatmulInput in) {
        return atOnce(threads, () -> in.packedForGemm().clone());
    }

    /** Four of {@code threads} run {@code call} at once (released together); what each returns. */
    private static <T> Future<T>[] atOnce(ExecutorService threads, Callable<T> call) {
        CountDownLatch start = new CountDownLatch(1);
        @SuppressWarnings("unchecked")
        Future<T>[] got = new Future[4];
        for (int i = 0; i < got.length; i++) {
            got[i] = threads.submit(() -> {
                start.await();
                return call.call();
            });
        }
        start.countDown();
        return got;
    }
}
