package dev.llama3j.bench;

import dev.llama3j.tensor.Fp8;
import dev.llama3j.tensor.Fp8Activations;
import dev.llama3j.tensor.Fp8Matrix;
import dev.llama3j.tensor.GgmlType;
import dev.llama3j.tensor.HugePageArena;
import dev.llama3j.tensor.Int4GroupMatrix;
import dev.llama3j.tensor.MatmulInput;
import dev.llama3j.tensor.Quantizer;
import dev.llama3j.tensor.WeightMatrix;
import dev.llama3j.tensor.WorkerPool;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Where generation time goes, kernel by kernel ({@code llama3j bench --kernels}): the matrix-vector
 * product of each weight layout on the Llama 3.2 1B shapes (2048×2048, 8192×2048, 2048×8192) as the
 * time of one product and the GB/s of weight bytes it reaches, beside what the machine can read at all
 * with the same threads ({@link #readBandwidth}) and the cost of one hand-off to the worker threads
 * and back ({@link #handOff}). Layouts: Q8_0, Q4_0, Q4_K, Q6_K (llama3j's repacked forms of the GGUF
 * types), grouped INT4 (AWQ/GPTQ) and FP8 (weight-only and per-token dynamic); also the prompt path
 * (64 tokens) in GFLOP/s. Rounds interleave the layouts, so that other load on the machine disturbs
 * them alike; the best time of each is reported (the median beside it). Attention is measured at the
 * model level, by {@code bench -d DEPTH} against depth 0.
 * <pre>java --add-modules jdk.incubator.vector -cp llama3j-core/target/classes dev.llama3j.bench.KernelSpeed [threads [rounds [rows cols]]]</pre>
 */
public final class KernelSpeed {
    private KernelSpeed() {}

    private record Candidate(String label, WeightMatrix m) {}

    /** One layout on one shape: bits per weight, one product's best and median time, prompt GFLOP/s. */
    public record Kernel(String layout, int rows, int cols, double bitsPerWeight, double bestMicros,
            double medianMicros, double gbPerSecond, double promptGflops) {}

    /**
     * The whole report: the kernels, the read bandwidth probe (GB/s) over {@code probeBytes}, one
     * hand-off (µs), and the last-level cache's size (0: unknown), which sizes the probe and the reads
     * between products.
     */
    public record Report(int threads, List<Kernel> kernels, double readGbPerSecond, double handOffMicros,
            long probeBytes, long cacheBytes, List<WorkProbe> workProbes) {}

    /**
     * The read probe with {@code xorsPer64Bytes} dependent vector XORs added per 64 bytes read: GB/s
     * from memory (over the probe's bytes) and from the core's L2 cache (1 MB per thread, read again
     * and again). How fast a kernel can read from memory depends on how much it computes per byte,
     * not only on whether it keeps up from the caches: the hardware prefetchers hide less of the
     * memory latency the longer a core spends between its loads (docs/SPEED.md, finding 10).
     * {@code twoStreamsGbPerSecond}: the same from memory with each thread reading its share as two
     * streams, its two halves, {@link #STREAM_CHUNK} bytes of each in turn, as the Q4_K, Q6_K and Q8_0
     * kernels read a group of rows (finding 14).
     */
    public record WorkProbe(int xorsPer64Bytes, double memoryGbPerSecond, double cacheGbPerSecond,
            double twoStreamsGbPerSecond) {}

    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int[][] shapes = args.length > 3
                ? new int[][] {{Integer.parseInt(args[2]), Integer.parseInt(args[3])}}
                : SHAPES_1B;
        print(run(threads, rounds, shapes, 1), System.out);
    }

    /** The 1B model's matrix shapes (rows × cols): attention, MLP up/gate, MLP down. */
    public static final int[][] SHAPES_1B = {{2048, 2048}, {8192, 2048}, {2048, 8192}};

    /**
     * Measures every layout on every shape, then the read bandwidth and the hand-off, with {@code threads}.
     *
     * @param timeScale multiplies the time spent per measurement (1: about 4 s of warm-up and 0.4 s per
     *     round for each layout and shape; tests use a small fraction)
     */
    public static Report run(int threads, int rounds, int[][] shapes, double timeScale) {
        List<Kernel> kernels = new ArrayList<>();
        try (WorkerPool pool = new WorkerPool(threads); Arena arena = new HugePageArena()) {
            long cache = LastLevelCache.bytes();
            // The weights, the flush and the probe come from the arena the model loader uses (2 MB pages
            // where the system allows them), so that they are read as a model's weights are. Its large
            // allocations are fresh mappings: written once here, or their reads would all hit the one
            // shared zero page.
            MemorySegment flush = arena.allocate(timeScale >= 1 ? Math.max(FLUSH_BYTES, 2 * cache) : 1 << 20, 64)
                    .fill((byte) 1);
            for (int[] shape : shapes) {
                int rows = shape[0];
                int cols = shape[1];
                List<Candidate> cs = candidates(rows, cols, arena, pool);
                List<List<Long>> one = new ArrayList<>();
                List<List<Long>> many = new ArrayList<>();
                for (Candidate c : cs) {
                    // Warm-up: interpreted, the vector kernels are a hundred times slower; run each path
                    // long enough for C2 to compile it.
                    for (int i = 0; i < 6; i++) {
                        times(c.m(), 1, pool, 0.3 * timeScale, null);
                        times(c.m(), 3, pool, 0.1 * timeScale, null);
                        times(c.m(), 64, pool, 0.2 * timeScale, null);
                    }
                    one.add(new ArrayList<>());
                    many.add(new ArrayList<>());
                }
                for (int round = 0; round < rounds; round++) {
                    for (int i = 0; i < cs.size(); i++) {
                        one.get(i).addAll(times(cs.get(i).m(), 1, pool, 0.2 * timeScale, flush));
                        many.get(i).addAll(times(cs.get(i).m(), 64, pool, 0.2 * timeScale, flush));
                    }
                }
                for (int i = 0; i < cs.size(); i++) {
                    WeightMatrix m = cs.get(i).m();
                    double bytes = m.data().byteSize();
                    double flops = 2.0 * rows * cols * 64;
                    double best = quantile(one.get(i), 0);
                    kernels.add(new Kernel(cs.get(i).label(), rows, cols, bytes * 8 / ((double) rows * cols),
                            best / 1e3, quantile(one.get(i), 0.5) / 1e3, bytes / best, flops / quantile(many.get(i), 0)));
                }
            }
            double read = 0;
            double handOff = Double.MAX_VALUE;
            long probeBytes = timeScale >= 1 ? Math.max(PROBE_BYTES, 2 * cache) : PROBE_BYTES >> 6;
            MemorySegment probe = arena.allocate(probeBytes, 64).fill((byte) 1);
            long l2Bytes = Math.min(probeBytes, (1L << 20) * pool.threads()); // 1 MB a thread
            double[] memory = new double[WORK_ROUNDS.length];
            double[] cached = new double[WORK_ROUNDS.length];
            double[] twoStreams = new double[WORK_ROUNDS.length];
            for (int round = 0; round < Math.max(3, rounds); round++) {
                read = Math.max(read, readBandwidth(probe, pool));
                handOff = Math.min(handOff, handOff(pool, (int) Math.max(100, 20_000 * timeScale)));
                for (int i = 0; i < WORK_ROUNDS.length; i++) {
                    memory[i] = Math.max(memory[i], readWithWork(probe, probeBytes, 1, pool, WORK_ROUNDS[i], 1));
                    cached[i] = Math.max(cached[i], readWithWork(probe, l2Bytes, timeScale >= 1 ? 64 : 2, pool,
                            WORK_ROUNDS[i], 1));
                    twoStreams[i] = Math.max(twoStreams[i],
                            readWithWork(probe, probeBytes, 1, pool, WORK_ROUNDS[i], 2));
                }
            }
            List<WorkProbe> work = new ArrayList<>();
            for (int i = 0; i < WORK_ROUNDS.length; i++) {
                // Per 64 bytes: one vector load is 64 bytes at 512 bits, 32 at 256, 16 at 128.
                work.add(new WorkProbe(4 * WORK_ROUNDS[i] * 64 / LONGS.vectorByteSize(), memory[i], cached[i],
                        twoStreams[i]));
            }
            return new Report(threads, kernels, read, handOff, probeBytes, cache, work);
        }
    }

    /** The report as a table. */
    public static void print(Report r, PrintStream out) {
        out.printf(Locale.ROOT, "%d threads; one token (matvec, best of interleaved rounds) and a 64-token prompt%n",
                r.threads());
        int[] last = null;
        for (Kernel k : r.kernels()) {
            if (last == null || last[0] != k.rows() || last[1] != k.cols()) {
                out.printf(Locale.ROOT, "%d x %d (rows x cols)%n", k.rows(), k.cols());
                last = new int[] {k.rows(), k.cols()};
            }
            out.printf(Locale.ROOT, "  %-16s %5.2f bits/w  matvec %7.1f µs (median %7.1f)  %5.1f GB/s = %3.0f%% of read"
                    + "   prompt %5.1f GFLOP/s%n", k.layout(), k.bitsPerWeight(), k.bestMicros(), k.medianMicros(),
                    k.gbPerSecond(), 100 * k.gbPerSecond() / r.readGbPerSecond(), k.promptGflops());
        }
        out.printf(Locale.ROOT, "read bandwidth (%d threads): %.1f GB/s over %d MB (last-level cache %s)%n",
                r.threads(), r.readGbPerSecond(), r.probeBytes() >> 20,
                r.cacheBytes() > 0 ? (r.cacheBytes() >> 20) + " MB" : "size unknown");
        out.printf(Locale.ROOT, "hand-off to the workers and back: %.2f µs (a 1B token makes about %d)%n",
                r.handOffMicros(), HAND_OFFS_PER_1B_TOKEN);
        out.printf(Locale.ROOT,
                "read with dependent vector XORs per 64 bytes (from memory / from L2; from memory as two streams a thread):%n");
        for (WorkProbe w : r.workProbes()) {
            out.printf(Locale.ROOT, "  %2d XORs  %5.1f GB/s / %6.1f GB/s;  two streams %5.1f GB/s%n", w.xorsPer64Bytes(),
                    w.memoryGbPerSecond(), w.cacheGbPerSecond(), w.twoStreamsGbPerSecond());
        }
    }

    /**
     * Read between two timed products so that the weights come from memory, not a cache: this much, or
     * twice the last-level cache where that is larger.
     */
    private static final long FLUSH_BYTES = 96L << 20;
    /** The probe's size: this much, or twice the last-level cache where that is larger. */
    private static final long PROBE_BYTES = 256L << 20;
    /** Parallel sections per generated token of a 16-layer model (projections, attention, norms): about. */
    private static final int HAND_OFFS_PER_1B_TOKEN = 16 * 7 + 1;

    /**
     * GB/s of reading {@code segment} once, split over the pool like a matrix's rows, summing its longs
     * in vector lanes (the sum keeps the reads from being dropped).
     */
    static double readBandwidth(MemorySegment segment, WorkerPool pool) {
        int chunks = pool.threads() * 16;
        long chunkBytes = segment.byteSize() / chunks / 64 * 64;
        long[] sums = new long[chunks];
        long start = System.nanoTime();
        pool.parallelFor(chunks, 1, (c0, c1) -> {
            for (int c = c0; c < c1; c++) {
                sums[c] = sumWithWork(segment, c * chunkBytes, chunkBytes, -1, 0, 1);
            }
        });
        long nanos = System.nanoTime() - start;
        if (sums[0] == 42) {
            System.out.print(""); // keeps the sums alive
        }
        return (double) chunkBytes * chunks / nanos;
    }

    private static final VectorSpecies<Long> LONGS = LongVector.SPECIES_PREFERRED;

    /** Rounds of four dependent XORs per vector load that the work probes add: 0 is the plain read. */
    private static final int[] WORK_ROUNDS = {0, 1, 2, 3, 4};

    /** The bytes read from one stream before the next, with two streams a thread: as the Q4_K kernel's 32 columns. */
    static final long STREAM_CHUNK = 1024;

    /**
     * GB/s of each thread reading {@code bytes / threads} of {@code segment} (from its own offset)
     * {@code passes} times, with {@code rounds} of four dependent XORs per vector loaded
     * ({@link #sumWithWork}), as {@code streams} (1 or 2) streams. For more than one pass the share is
     * a power of two (the reads wrap around it).
     */
    static double readWithWork(MemorySegment segment, long bytes, int passes, WorkerPool pool, int rounds, int streams) {
        int threads = pool.threads();
        long unit = streams == 1 ? 64 : 2 * STREAM_CHUNK;
        long share = passes == 1 ? bytes / threads / unit * unit : Long.highestOneBit(bytes / threads);
        long wrap = passes == 1 ? -1 : share - 1;
        long total = share * passes;
        long[] sums = new long[threads];
        long start = System.nanoTime();
        pool.parallelFor(threads, 1, (t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                sums[t] = sumWithWork(segment, t * share, total, wrap, rounds, streams);
            }
        });
        long nanos = System.nanoTime() - start;
        if (sums[0] == 42) {
            System.out.print(""); // keeps the sums alive
        }
        return (double) total * threads / nanos;
    }

    /**
     * The sum of the longs of {@code segment} read from {@code from} for {@code total} bytes, the
     * offset wrapping with {@code wrap} ({@code -1}: no wrap), with {@code rounds} of four dependent
     * XORs per vector loaded, fed by the running sum so that the work cannot be dropped or moved out of
     * the loop. With two {@code streams} the bytes are read as their two halves, {@link #STREAM_CHUNK}
     * bytes of each in turn ({@code total} a multiple of twice that; no wrap). The vectors stay inside:
     * only the sum leaves, so C2 need not inline this.
     */
    private static long sumWithWork(MemorySegment segment, long from, long total, long wrap, int rounds, int streams) {
        LongVector acc = LongVector.zero(LONGS);
        LongVector z0 = LongVector.broadcast(LONGS, 3);
        LongVector z1 = z0;
        LongVector z2 = z0;
        LongVector z3 = z0;
        // Each vector comes from a method called on one whose class C2 knows (a load, or the result of
        // such a call), as in the kernels: see PackedQ4KMatrix.
        long part = total / streams;
        long chunk = streams == 1 ? total : STREAM_CHUNK;
        for (long c = 0; c < part; c += chunk) {
            for (int s = 0; s < streams; s++) {
                long start = s * part + c;
                for (long i = 0; i < chunk; i += LONGS.vectorByteSize()) {
                    acc = LongVector.fromMemorySegment(LONGS, segment, from + ((start + i) & wrap), ByteOrder.LITTLE_ENDIAN)
                            .add(acc);
                    for (int k = 0; k < rounds; k++) {
                        z0 = acc.lanewise(VectorOperators.XOR, z0);
                        z1 = z0.lanewise(VectorOperators.XOR, z1);
                        z2 = z1.lanewise(VectorOperators.XOR, z2);
                        z3 = z2.lanewise(VectorOperators.XOR, z3);
                    }
                }
            }
        }
        return acc.add(z3).reduceLanes(VectorOperators.ADD);
    }

    /** The time of one parallel section that does nothing: waking the workers and waiting for them. */
    static double handOff(WorkerPool pool, int n) {
        int units = pool.threads();
        for (int i = 0; i < n / 10; i++) {
            pool.parallelFor(units, 1, (a, b) -> { });
        }
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            pool.parallelFor(units, 1, (a, b) -> { });
        }
        return (System.nanoTime() - start) / 1e3 / n;
    }

    private static double quantile(List<Long> nanos, double q) {
        long[] a = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
        return a[(int) Math.min(a.length - 1, Math.round(q * (a.length - 1)))];
    }

    private static List<Candidate> candidates(int rows, int cols, Arena arena, WorkerPool pool) {
        SplittableRandom r = new SplittableRandom(rows * 31L + cols);
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (r.nextGaussian() * 0.02);
        }
        List<Candidate> out = new ArrayList<>();
        for (GgmlType t : new GgmlType[] {GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q6_K}) {
            MemorySegment seg = MemorySegment.ofArray(Quantizer.quantize(t, w));
            out.add(new Candidate(t.name(), WeightMatrix.of("w", t, rows, cols, seg).optimized(arena, pool)));
        }
        out.add(new Candidate("Q4_K", WeightMatrix.of("w", GgmlType.Q4_K, rows, cols, randomQ4K(rows, cols, r))
                .optimized(arena, pool)));
        int groupSize = 128;
        int groups = cols / groupSize;
        byte[] codes = new byte[rows * cols];
        float[] scales = new float[rows * groups];
        float[] zeros = new float[rows * groups];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = (byte) r.nextInt(16);
        }
        for (int i = 0; i < scales.length; i++) {
            scales[i] = 0.003f;
            zeros[i] = 8;
        }
        out.add(new Candidate("INT4 g128", Int4GroupMatrix.of("w", rows, cols, groupSize, codes, scales, zeros, null)));
        byte[] e4m3 = new byte[rows * cols];
        for (int i = 0; i < e4m3.length; i++) {
            e4m3[i] = Fp8.toE4m3(w[i] * (448f / 0.1f));
        }
        float[] rowScale = new float[rows];
        java.util.Arrays.fill(rowScale, 0.1f / 448f);
        MemorySegment fp8 = MemorySegment.ofArray(e4m3);
        out.add(new Candidate("FP8 weight-only", Fp8Matrix.of("w", rows, cols, fp8, rowScale, Fp8Activations.none())));
        out.add(new Candidate("FP8 dynamic", Fp8Matrix.of("w", rows, cols, fp8, rowScale,
                Fp8Activations.fbgemm(1200f))));
        return out;
    }

    /**
     * Random Q4_K blocks (llama3j does not quantize to Q4_K; speed does not depend on the values): the
     * block scales {@code d} and {@code dmin} are set to 2^-10 so that no value is a NaN or subnormal.
     */
    private static MemorySegment randomQ4K(int rows, int cols, SplittableRandom r) {
        long blocks = (long) rows * cols / GgmlType.Q4_K.blockSize;
        byte[] bytes = new byte[Math.toIntExact(blocks * GgmlType.Q4_K.typeSize)];
        r.nextBytes(bytes);
        MemorySegment seg = MemorySegment.ofArray(bytes);
        short scale = Float.floatToFloat16(1f / 1024);
        ValueLayout.OfShort half = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        for (long b = 0; b < blocks; b++) {
            seg.set(half, b * GgmlType.Q4_K.typeSize, scale);
            seg.set(half, b * GgmlType.Q4_K.typeSize + 2, scale);
        }
        return seg;
    }

    /** The time in ns of each product (after reading {@code flush}, unless null) of {@code m} with {@code n} input vectors, for about {@code seconds}. */
    private static List<Long> times(WeightMatrix m, int n, WorkerPool pool, double seconds, MemorySegment flush) {
        int rows = m.rows();
        int cols = m.cols();
        float[] x = new float[n * cols];
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        float[] out = new float[n * rows];
        MatmulInput in = new MatmulInput();
        int grain = m.rowGrain();
        int units = (rows + grain - 1) / grain;
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        List<Long> times = new ArrayList<>();
        do {
            if (flush != null) {
                readBandwidth(flush, pool); // the weights leave the caches, as in a forward pass of a whole model
            }
            long start = System.nanoTime();
            in.set(x, n, cols); // each product prepares its input, as a forward pass does
            m.prepareInput(in);
            pool.parallelFor(units, 1, (u0, u1) -> m.matmul(in, out, rows, u0 * grain, Math.min(rows, u1 * grain)));
            times.add(System.nanoTime() - start);
        } while (System.nanoTime() < deadline);
        return times;
    }
}
