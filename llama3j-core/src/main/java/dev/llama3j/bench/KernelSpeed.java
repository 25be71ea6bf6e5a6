package dev.llama3j.bench;

import dev.llama3j.tensor.Fp8;
import dev.llama3j.tensor.Fp8Activations;
import dev.llama3j.tensor.Fp8Matrix;
import dev.llama3j.tensor.GgmlType;
import dev.llama3j.tensor.Int4GroupMatrix;
import dev.llama3j.tensor.MatmulInput;
import dev.llama3j.tensor.Quantizer;
import dev.llama3j.tensor.WeightMatrix;
import dev.llama3j.tensor.WorkerPool;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Matrix-vector speed of the weight layouts on the Llama 3.2 1B shapes (2048×2048, 8192×2048,
 * 2048×8192), as the time of one product (median and best, the best also as GB/s of weight bytes):
 * Q4_0 and Q8_0 (llama3j's own repacked layouts) beside grouped INT4 (AWQ/GPTQ) and FP8 (weight-only
 * and per-token dynamic). Also the
 * prompt path (64 tokens) in GFLOP/s. Rounds interleave the layouts, so that other load on the machine
 * disturbs them alike. A program, not a test:
 * <pre>java --add-modules jdk.incubator.vector -cp llama3j-core/target/classes dev.llama3j.bench.KernelSpeed [threads [rounds [rows cols]]]</pre>
 */
public final class KernelSpeed {
    private KernelSpeed() {}

    private record Candidate(String label, WeightMatrix m) {}

    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int[][] shapes = args.length > 3
                ? new int[][] {{Integer.parseInt(args[2]), Integer.parseInt(args[3])}}
                : new int[][] {{2048, 2048}, {8192, 2048}, {2048, 8192}};
        try (WorkerPool pool = new WorkerPool(threads); Arena arena = Arena.ofShared()) {
            System.out.printf(Locale.ROOT, "%d threads, %d interleaved rounds; one token (matvec) and a 64-token prompt%n",
                    threads, rounds);
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
                        times(c.m(), 1, pool, 0.3);
                        times(c.m(), 3, pool, 0.1);
                        times(c.m(), 64, pool, 0.2);
                    }
                    one.add(new ArrayList<>());
                    many.add(new ArrayList<>());
                }
                for (int round = 0; round < rounds; round++) {
                    for (int i = 0; i < cs.size(); i++) {
                        one.get(i).addAll(times(cs.get(i).m(), 1, pool, 0.2));
                        many.get(i).addAll(times(cs.get(i).m(), 64, pool, 0.2));
                    }
                }
                System.out.printf(Locale.ROOT, "%d x %d (rows x cols)%n", rows, cols);
                for (int i = 0; i < cs.size(); i++) {
                    WeightMatrix m = cs.get(i).m();
                    double bytes = m.data().byteSize();
                    double flops = 2.0 * rows * cols * 64;
                    System.out.printf(Locale.ROOT, "  %-16s %5.2f bits/w  matvec µs median %7.1f (best %7.1f, %5.1f GB/s)"
                            + "  prompt GFLOP/s median %5.1f (best %5.1f)%n", cs.get(i).label(),
                            bytes * 8 / ((double) rows * cols), quantile(one.get(i), 0.5) / 1e3,
                            quantile(one.get(i), 0) / 1e3, bytes / quantile(one.get(i), 0),
                            flops / quantile(many.get(i), 0.5), flops / quantile(many.get(i), 0));
                }
            }
        }
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
        for (GgmlType t : new GgmlType[] {GgmlType.Q4_0, GgmlType.Q8_0}) {
            MemorySegment seg = MemorySegment.ofArray(Quantizer.quantize(t, w));
            out.add(new Candidate(t.name(), WeightMatrix.of("w", t, rows, cols, seg).optimized(arena, pool)));
        }
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
                Fp8Activations.dynamicPerToken(1200f))));
        return out;
    }

    /** The time in ns of each product of {@code m} with {@code n} input vectors, for about {@code seconds}. */
    private static List<Long> times(WeightMatrix m, int n, WorkerPool pool, double seconds) {
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
            long start = System.nanoTime();
            in.set(x, n, cols); // each product prepares its input, as a forward pass does
            if (m.usesQuantizedInput(n)) {
                in.ensureQuantized();
            }
            pool.parallelFor(units, 1, (u0, u1) -> m.matmul(in, out, rows, u0 * grain, Math.min(rows, u1 * grain)));
            times.add(System.nanoTime() - start);
        } while (System.nanoTime() < deadline);
        return times;
    }
}
