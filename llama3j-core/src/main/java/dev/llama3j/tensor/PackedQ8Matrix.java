package dev.llama3j.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q8_0 weights repacked at load time for the Vector API: rows in groups of {@link Gemm#G}, and in each
 * group, each 32-value block stored as the {@code G} rows' fp16 scales (in {@link Halves}' interleaved
 * order) followed by 32 columns of {@code G} signed bytes ({@code [k][row]}). One vector load then holds the same column of
 * {@link Gemm#V} rows, so a matrix-vector product broadcasts each input value once and accumulates
 * rows in vector lanes: no per-row horizontal sums, and each block scale is applied once per
 * {@code V} rows. The values and scales are exactly those of the file; only their order changes.
 */
final class PackedQ8Matrix extends WeightMatrix {
    private static final VectorSpecies<Float> F = Species.F;
    private static final int V = Gemm.V;
    private static final int G = Gemm.G;
    private static final int BLOCK = 32;
    /** Bytes of one group's block: G fp16 scales, then 32 × G quantized values. */
    static final int GROUP_BLOCK_BYTES = 2 * G + BLOCK * G;
    /** Bytes that widen to one float vector; narrow species load a whole column and take parts. */
    private static final boolean SPLIT_LOADS = V >= 8;
    private static final VectorSpecies<Byte> B_V = SPLIT_LOADS ? VectorSpecies.of(byte.class, VectorShape.forBitSize(V * 8)) : null;
    private static final VectorSpecies<Byte> B_G = VectorSpecies.of(byte.class, VectorShape.forBitSize(G * 8));

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private final int blocks;
    /** Whether every block scale is a normal half, widened the short way ({@link Halves#widen(MemorySegment, long, float[], int, boolean)}). */
    private final boolean normalScales;
    /** 1 or 2: how the generation kernel reads a group's blocks ({@link KernelTuning}). */
    private final int streams;
    private final int groups;

    private PackedQ8Matrix(String name, int rows, int cols, MemorySegment packed, KernelTuning tuning,
            boolean normalScales) {
        super(name, GgmlType.Q8_0, rows, cols, packed);
        this.normalScales = normalScales;
        this.streams = tuning.readStreams();
        this.blocks = cols / BLOCK;
        this.groups = (rows + G - 1) / G;
    }

    /** Repacks ggml Q8_0 rows ({@code data}) into memory from {@code arena}, in parallel on {@code pool}. */
    static PackedQ8Matrix pack(String name, int rows, int cols, MemorySegment data, Arena arena, WorkerPool pool) {
        GroupPacker.Packed packed = GroupPacker.pack(data, rows, cols, Q8_0Matrix.BLOCK_BYTES, false, arena, pool);
        return new PackedQ8Matrix(name, rows, cols, packed.segment(), KernelTuning.HOST, packed.normalScales());
    }

    @Override
    WeightMatrix withTuning(KernelTuning tuning) {
        return new PackedQ8Matrix(name(), rows, cols, data, tuning, normalScales);
    }

    @Override
    public int rowGrain() {
        return G;
    }

    @Override
    protected int gemmMinTokens() {
        return 5;
    }

    /**
     * Up to this many inputs (a decoding step of several sequences) skip the fp32 panel:
     * {@link #fused} dequantizes each column into registers for eight inputs at a time (then four),
     * where the panel was written and read back for only these few inputs. 1B Q8_0, Intel Xeon host,
     * 2 interleaved pairs: 8 sequences 44.7-49.2 → 66.0-66.6 tok/s, 16: 59-61 → 75-76, 5: level;
     * at 24 and 32 the two paths were level too, so those stay with the panels.
     */
    static final int FUSED_MAX_TOKENS = 16;

    @Override
    public void matmul(MatmulInput in, float[] out, int outStride, int r0, int r1) {
        int n = in.n();
        if (V == 16 && n >= gemmMinTokens() && n <= FUSED_MAX_TOKENS) {
            matmulFused(this::fused, in, out, outStride, r0, r1);
            return;
        }
        if (n >= gemmMinTokens()) {
            super.matmul(in, out, outStride, r0, r1);
            return;
        }
        float[] x = in.x();
        for (int g = r0 / G; g * G < r1; g++) {
            int count = Math.min(G, rows - g * G);
            int t = 0;
            for (; t + 2 <= n; t += 2) {
                kernel2(g, x, t * cols, (t + 1) * cols, out, t * outStride + g * G, (t + 1) * outStride + g * G, count);
            }
            if (t < n) {
                kernel1(g, x, t * cols, out, t * outStride + g * G, count);
            }
        }
    }

    // The kernels below are written out in full on purpose: a helper method that takes or returns a
    // vector and that C2 declines to inline (large callers often hit its inlining limits) boxes the
    // vector on every call, which costs more than all the arithmetic here. Where the vectors are
    // narrow (128 bits), a column is loaded whole and widened in two parts instead of two loads.

    private void kernel1(int g, float[] x, int xOff, float[] out, int outOff, int count) {
        MemorySegment d = data;
        float[] scales = Scratch.scales();
        long base = (long) g * blocks * GROUP_BLOCK_BYTES;
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = acc0;
        // The blocks are read as two streams, the first half's and the second half's in turn: two
        // streams keep more prefetches in flight than one (SPEED.md, finding 14: 1B Q8_0 generation
        // 2-4% faster; the same in Q4_0's kernel was slower, as C2 compiled it), on the Intel host;
        // on the AMD one, one stream in order is faster (KernelTuning).
        int half = (blocks + 1) >> 1;
        for (int i = 0; i < blocks; i++) {
            int b = streams == 1 ? i : (i & 1) == 0 ? i >> 1 : half + (i >> 1);
            long off = base + (long) b * GROUP_BLOCK_BYTES;
            long col = off + 2L * G;
            int xb = xOff + b * BLOCK;
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = a0;
            for (int k = 0; k < BLOCK; k++) {
                FloatVector xk = FloatVector.broadcast(F, x[xb + k]);
                long c = col + (long) k * G;
                FloatVector w0 = SPLIT_LOADS
                        ? (FloatVector) ByteVector.fromMemorySegment(B_V, d, c, LE).convertShape(VectorOperators.B2F, F, 0)
                        : (FloatVector) ByteVector.fromMemorySegment(B_G, d, c, LE).convertShape(VectorOperators.B2F, F, 0);
                FloatVector w1 = SPLIT_LOADS
                        ? (FloatVector) ByteVector.fromMemorySegment(B_V, d, c + V, LE).convertShape(VectorOperators.B2F, F, 0)
                        : (FloatVector) ByteVector.fromMemorySegment(B_G, d, c, LE).convertShape(VectorOperators.B2F, F, 1);
                a0 = w0.fma(xk, a0);
                a1 = w1.fma(xk, a1);
            }
            Halves.widen(d, off, scales, 0, normalScales);
            FloatVector s0 = FloatVector.fromArray(F, scales, 0);
            FloatVector s1 = FloatVector.fromArray(F, scales, V);
            acc0 = a0.fma(s0, acc0);
            acc1 = a1.fma(s1, acc1);
        }
        if (count == G) {
            acc0.intoArray(out, outOff);
            acc1.intoArray(out, outOff + V);
        } else {
            float[] tmp = Scratch.group();
            acc0.intoArray(tmp, 0);
            acc1.intoArray(tmp, V);
            System.arraycopy(tmp, 0, out, outOff, count);
        }
    }

    /** Two inputs at once: each weight column is loaded and widened once for both. */
    private void kernel2(int g, float[] x, int xOffA, int xOffB, float[] out, int outA, int outB, int count) {
        MemorySegment d = data;
        float[] scales = Scratch.scales();
        long base = (long) g * blocks * GROUP_BLOCK_BYTES;
        FloatVector accA0 = FloatVector.zero(F);
        FloatVector accA1 = accA0;
        FloatVector accB0 = accA0;
        FloatVector accB1 = accA0;
        for (int b = 0; b < blocks; b++) {
            long off = base + (long) b * GROUP_BLOCK_BYTES;
            long col = off + 2L * G;
            int xa = xOffA + b * BLOCK;
            int xbb = xOffB + b * BLOCK;
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = a0;
            FloatVector b0 = a0;
            FloatVector b1 = a0;
            for (int k = 0; k < BLOCK; k++) {
                long c = col + (long) k * G;
                FloatVector w0 = SPLIT_LOADS
                        ? (FloatVector) ByteVector.fromMemorySegment(B_V, d, c, LE).convertShape(VectorOperators.B2F, F, 0)
                        : (FloatVector) ByteVector.fromMemorySegment(B_G, d, c, LE).convertShape(VectorOperators.B2F, F, 0);
                FloatVector w1 = SPLIT_LOADS
                        ? (FloatVector) ByteVector.fromMemorySegment(B_V, d, c + V, LE).convertShape(VectorOperators.B2F, F, 0)
                        : (FloatVector) ByteVector.fromMemorySegment(B_G, d, c, LE).convertShape(VectorOperators.B2F, F, 1);
                FloatVector xk = FloatVector.broadcast(F, x[xa + k]);
                a0 = w0.fma(xk, a0);
                a1 = w1.fma(xk, a1);
                xk = FloatVector.broadcast(F, x[xbb + k]);
                b0 = w0.fma(xk, b0);
                b1 = w1.fma(xk, b1);
            }
            Halves.widen(d, off, scales, 0, normalScales);
            FloatVector s0 = FloatVector.fromArray(F, scales, 0);
            FloatVector s1 = FloatVector.fromArray(F, scales, V);
            accA0 = a0.fma(s0, accA0);
            accA1 = a1.fma(s1, accA1);
            accB0 = b0.fma(s0, accB0);
            accB1 = b1.fma(s1, accB1);
        }
        if (count == G) {
            accA0.intoArray(out, outA);
            accA1.intoArray(out, outA + V);
            accB0.intoArray(out, outB);
            accB1.intoArray(out, outB + V);
        } else {
            float[] tmp = Scratch.group();
            accA0.intoArray(tmp, 0);
            accA1.intoArray(tmp, V);
            System.arraycopy(tmp, 0, out, outA, count);
            accB0.intoArray(tmp, 0);
            accB1.intoArray(tmp, V);
            System.arraycopy(tmp, 0, out, outB, count);
        }
    }

    /**
     * Inputs {@code [t, t+4)}, or {@code [t, t+8)} when {@code eight} (those past {@code n} repeat
     * the last), times group {@code g}, in fp32, into {@code tmp[i*G + r]}: each column is
     * dequantized as in {@link #fillPanel} (value × block scale) into two vectors that feed 8 or 16
     * FMAs, in the GEMM's order, so the outputs equal the panel path's. 16-float vectors only (the
     * accumulators and temporaries need AVX-512's 32 registers); one method for both counts
     * (the test of {@code eight} does not change inside the loops, so C2 takes it out of them).
     */
    private void fused(int g, float[] x, int n, int t, float[] tmp, boolean eight) {
        MemorySegment d = data;
        float[] scales = Scratch.scales();
        long base = (long) g * blocks * GROUP_BLOCK_BYTES;
        int x0 = Math.min(t, n - 1) * cols;
        int x1 = Math.min(t + 1, n - 1) * cols;
        int x2 = Math.min(t + 2, n - 1) * cols;
        int x3 = Math.min(t + 3, n - 1) * cols;
        int x4 = Math.min(t + 4, n - 1) * cols;
        int x5 = Math.min(t + 5, n - 1) * cols;
        int x6 = Math.min(t + 6, n - 1) * cols;
        int x7 = Math.min(t + 7, n - 1) * cols;
        FloatVector a00 = FloatVector.zero(F);
        FloatVector a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        FloatVector a40 = a00, a41 = a00, a50 = a00, a51 = a00, a60 = a00, a61 = a00, a70 = a00, a71 = a00;
        for (int b = 0; b < blocks; b++) {
            long off = base + (long) b * GROUP_BLOCK_BYTES;
            Halves.widen(d, off, scales, 0, normalScales);
            FloatVector s0 = FloatVector.fromArray(F, scales, 0);
            FloatVector s1 = FloatVector.fromArray(F, scales, V);
            long col = off + 2L * G;
            int xb = b * BLOCK;
            for (int k = 0; k < BLOCK; k++) {
                long c = col + (long) k * G;
                FloatVector w0 = ((FloatVector) ByteVector.fromMemorySegment(B_V, d, c, LE)
                        .convertShape(VectorOperators.B2F, F, 0)).mul(s0);
                FloatVector w1 = ((FloatVector) ByteVector.fromMemorySegment(B_V, d, c + V, LE)
                        .convertShape(VectorOperators.B2F, F, 0)).mul(s1);
                FloatVector xv = FloatVector.broadcast(F, x[x0 + xb + k]);
                a00 = w0.fma(xv, a00);
                a01 = w1.fma(xv, a01);
                xv = FloatVector.broadcast(F, x[x1 + xb + k]);
                a10 = w0.fma(xv, a10);
                a11 = w1.fma(xv, a11);
                xv = FloatVector.broadcast(F, x[x2 + xb + k]);
                a20 = w0.fma(xv, a20);
                a21 = w1.fma(xv, a21);
                xv = FloatVector.broadcast(F, x[x3 + xb + k]);
                a30 = w0.fma(xv, a30);
                a31 = w1.fma(xv, a31);
                if (eight) {
                    xv = FloatVector.broadcast(F, x[x4 + xb + k]);
                    a40 = w0.fma(xv, a40);
                    a41 = w1.fma(xv, a41);
                    xv = FloatVector.broadcast(F, x[x5 + xb + k]);
                    a50 = w0.fma(xv, a50);
                    a51 = w1.fma(xv, a51);
                    xv = FloatVector.broadcast(F, x[x6 + xb + k]);
                    a60 = w0.fma(xv, a60);
                    a61 = w1.fma(xv, a61);
                    xv = FloatVector.broadcast(F, x[x7 + xb + k]);
                    a70 = w0.fma(xv, a70);
                    a71 = w1.fma(xv, a71);
                }
            }
        }
        a00.intoArray(tmp, 0);
        a01.intoArray(tmp, V);
        a10.intoArray(tmp, G);
        a11.intoArray(tmp, G + V);
        a20.intoArray(tmp, 2 * G);
        a21.intoArray(tmp, 2 * G + V);
        a30.intoArray(tmp, 3 * G);
        a31.intoArray(tmp, 3 * G + V);
        if (eight) {
            a40.intoArray(tmp, 4 * G);
            a41.intoArray(tmp, 4 * G + V);
            a50.intoArray(tmp, 5 * G);
            a51.intoArray(tmp, 5 * G + V);
            a60.intoArray(tmp, 6 * G);
            a61.intoArray(tmp, 6 * G + V);
            a70.intoArray(tmp, 7 * G);
            a71.intoArray(tmp, 7 * G + V);
        }
    }

    @Override
    protected void fillPanel(int r0, int count, float[] panel, int po) {
        MemorySegment d = data;
        float[] scales = Scratch.scales();
        long base = (long) (r0 / G) * blocks * GROUP_BLOCK_BYTES;
        for (int b = 0; b < blocks; b++) {
            long off = base + (long) b * GROUP_BLOCK_BYTES;
            Halves.widen(d, off, scales, 0, normalScales);
            FloatVector s0 = FloatVector.fromArray(F, scales, 0);
            FloatVector s1 = FloatVector.fromArray(F, scales, V);
            long col = off + 2L * G;
            for (int k = 0; k < BLOCK; k++) {
                int p = (b * BLOCK + k) * G;
                long c = col + (long) k * G;
                FloatVector w0 = SPLIT_LOADS
                        ? (FloatVector) ByteVector.fromMemorySegment(B_V, d, c, LE).convertShape(VectorOperators.B2F, F, 0)
                        : (FloatVector) ByteVector.fromMemorySegment(B_G, d, c, LE).convertShape(VectorOperators.B2F, F, 0);
                FloatVector w1 = SPLIT_LOADS
                        ? (FloatVector) ByteVector.fromMemorySegment(B_V, d, c + V, LE).convertShape(VectorOperators.B2F, F, 0)
                        : (FloatVector) ByteVector.fromMemorySegment(B_G, d, c, LE).convertShape(VectorOperators.B2F, F, 1);
                w0.mul(s0).intoArray(panel, po + p);
                w1.mul(s1).intoArray(panel, po + p + V);
            }
        }
    }

    @Override
    public void dequantizeRow(int row, float[] out, int outOff) {
        int g = row / G;
        int r = row % G;
        long base = (long) g * blocks * GROUP_BLOCK_BYTES;
        for (int b = 0; b < blocks; b++) {
            long off = base + (long) b * GROUP_BLOCK_BYTES;
            float d = LittleEndian.half(data, off + 2L * Halves.position(r));
            long col = off + 2L * G + r;
            for (int k = 0; k < BLOCK; k++) {
                out[outOff + b * BLOCK + k] = data.get(LittleEndian.BYTE, col + (long) k * G) * d;
            }
        }
    }
}
