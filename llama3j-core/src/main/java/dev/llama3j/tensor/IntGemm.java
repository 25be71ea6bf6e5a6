package dev.llama3j.tensor;

import static jdk.incubator.vector.VectorOperators.ASHR;
import static jdk.incubator.vector.VectorOperators.I2F;
import static jdk.incubator.vector.VectorOperators.LSHL;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The 16-bit integer matrix-multiply micro-kernel for the prompts of 4-bit weights, on cores whose
 * 16-bit multiplies and adds issue on separate pipes (AMD Zen 4: a 512-bit multiply and a 512-bit
 * add a cycle, 32 multiply-adds, against one 16-wide fp32 FMA): docs/SPEED.md, finding 29.
 *
 * <p>Weights: a panel of {@link Gemm#G} rows as 16-bit values (a 4-bit weight less 8, so in
 * {@code [-8, 7]}), one block of 32 columns after another, each block as 16 column pairs
 * {@code (p, p + 16)}: pair {@code pp} of the panel holds, at {@code panel[po + (2 pp + h) G + 2i + c]},
 * row {@code hV + i}'s weight in column {@code 32 (pp / 16) + pp % 16 + 16c}. Per block and row a
 * scale, and (K-quants) an offset: a row's block then weighs {@code scale · w + offset}.
 *
 * <p>Inputs: {@link MatmulInput#pairedForIntGemm the 8-bit blocks paired the same way}, the two values of
 * a pair in one 32-bit word, so that one broadcast of a word from memory feeds a 16-bit multiply with
 * both (a 16-bit broadcast costs a shuffle a multiply: finding 4). A lane's 16 products of a block
 * (each at most 8 · 127) fit its 16-bit sum, and so do the two lanes of a row together, which one
 * shift and one add in 32-bit lanes then total and an arithmetic shift widens.
 *
 * <p>A tile of {@link #TILE} tokens keeps its 24 sums in registers for a block; the fp32 totals
 * accumulate in a per-thread array (with the 24 sums there are not registers for them too).
 */
final class IntGemm {
    private static final VectorSpecies<Float> F = Species.F;
    private static final VectorSpecies<Integer> I = Species.I;
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, F.vectorShape());
    private static final int V = Gemm.V;
    private static final int G = Gemm.G;
    /** Tokens per tile (the inputs are padded with zero tokens to a whole tile). */
    static final int TILE = 12;
    /** Columns per block: one scale per row and input (the inputs' 8-bit blocks). */
    static final int BLOCK = MatmulInput.BLOCK;
    /** Column pairs per block. */
    static final int PAIRS = BLOCK / 2;

    private IntGemm() {}

    /**
     * Whether this host takes the integer prompt path where a matrix offers one: the integer kernels'
     * tuning ({@link KernelTuning#fusedColumns} off: AMD) and 32 vector registers (the tile's 24 sums,
     * two weight vectors and a broadcast).
     */
    static boolean suits(KernelTuning tuning) {
        return !tuning.fusedColumns() && V == 16;
    }

    /**
     * {@code out[t*outStride + r0 + r] = sum over blocks b of (scale[b][r] · (panel row r · input t, block b)
     * · inputScale[t][b] + offset[b][r] · inputSum[t][b])} for the panel's {@code rows} valid rows and
     * every input {@code t}, whose {@link MatmulInput#pairedForIntGemm paired form} is made; {@code offsets}
     * null: none. {@code scales} holds {@code [b*G + r]}, {@code offsets} {@code [K/32*G + b*G + r]}.
     */
    static void multiply(short[] panel, int po, float[] scales, float[] offsets, int K, int rows, MatmulInput in,
            float[] out, int outStride, int r0) {
        int n = in.n();
        int blocks = K / BLOCK;
        float[] acc = Scratch.tile();
        for (int t = 0; t < n; t += TILE) {
            // The last tile of a prompt takes a narrower kernel: at most 3 padding tokens computed, not 11
            // (a 64-token prompt is 5 tiles of 12 and one of 4).
            int width = width(n - t);
            Arrays.fill(acc, 0, width * G, 0f);
            int xb = t * (K / 2), sb = t * blocks;
            switch (width) {
                case 4 -> tile4(panel, po, scales, offsets, blocks * G, blocks, in.pairs, xb, in.pairScale, in.pairSum,
                        sb, acc);
                case 8 -> tile8(panel, po, scales, offsets, blocks * G, blocks, in.pairs, xb, in.pairScale, in.pairSum,
                        sb, acc);
                default -> tile12(panel, po, scales, offsets, blocks * G, blocks, in.pairs, xb, in.pairScale,
                        in.pairSum, sb, acc);
            }
            for (int j = 0; j < width && t + j < n; j++) {
                System.arraycopy(acc, j * G, out, (t + j) * outStride + r0, rows);
            }
        }
    }

    /** The kernel width for a tile with {@code left} tokens still to multiply: 12, 8 or 4. */
    static int width(int left) {
        return left > 8 ? TILE : left > 4 ? 8 : 4;
    }

    // Written out in full (by tools/jit/int-gemm-tiles.py 12 8 4): a helper that took or returned the
    // vectors and that C2 did not inline would box them at every call, and leaving the 16-bit sums in
    // an array for one shared epilogue made 1B pp512 4-13% slower (SPEED.md, finding 30). Every width
    // reads the paired inputs with the stride of a whole tile of 12 (their layout), using its first 4 or
    // 8 tokens.
    private static void tile12(short[] p, int po, float[] ws, float[] wo, int ob, int blocks, int[] x, int xb,
            float[] xs, float[] xsum, int sb, float[] acc) {
        for (int b = 0; b < blocks; b++) {
            ShortVector c00 = ShortVector.zero(S);
            ShortVector c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00;
            ShortVector c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00;
            ShortVector c61 = c00, c70 = c00, c71 = c00, c80 = c00, c81 = c00, c90 = c00;
            ShortVector c91 = c00, ca0 = c00, ca1 = c00, cb0 = c00, cb1 = c00;
            for (int pp = b * PAIRS, end = pp + PAIRS; pp < end; pp++) {
                int pk = po + pp * 2 * G;
                int xk = xb + pp * TILE;
                ShortVector w0 = ShortVector.fromArray(S, p, pk);
                ShortVector w1 = ShortVector.fromArray(S, p, pk + G);
                ShortVector v = IntVector.broadcast(I, x[xk]).reinterpretAsShorts();
                c00 = w0.mul(v).add(c00);
                c01 = w1.mul(v).add(c01);
                v = IntVector.broadcast(I, x[xk + 1]).reinterpretAsShorts();
                c10 = w0.mul(v).add(c10);
                c11 = w1.mul(v).add(c11);
                v = IntVector.broadcast(I, x[xk + 2]).reinterpretAsShorts();
                c20 = w0.mul(v).add(c20);
                c21 = w1.mul(v).add(c21);
                v = IntVector.broadcast(I, x[xk + 3]).reinterpretAsShorts();
                c30 = w0.mul(v).add(c30);
                c31 = w1.mul(v).add(c31);
                v = IntVector.broadcast(I, x[xk + 4]).reinterpretAsShorts();
                c40 = w0.mul(v).add(c40);
                c41 = w1.mul(v).add(c41);
                v = IntVector.broadcast(I, x[xk + 5]).reinterpretAsShorts();
                c50 = w0.mul(v).add(c50);
                c51 = w1.mul(v).add(c51);
                v = IntVector.broadcast(I, x[xk + 6]).reinterpretAsShorts();
                c60 = w0.mul(v).add(c60);
                c61 = w1.mul(v).add(c61);
                v = IntVector.broadcast(I, x[xk + 7]).reinterpretAsShorts();
                c70 = w0.mul(v).add(c70);
                c71 = w1.mul(v).add(c71);
                v = IntVector.broadcast(I, x[xk + 8]).reinterpretAsShorts();
                c80 = w0.mul(v).add(c80);
                c81 = w1.mul(v).add(c81);
                v = IntVector.broadcast(I, x[xk + 9]).reinterpretAsShorts();
                c90 = w0.mul(v).add(c90);
                c91 = w1.mul(v).add(c91);
                v = IntVector.broadcast(I, x[xk + 10]).reinterpretAsShorts();
                ca0 = w0.mul(v).add(ca0);
                ca1 = w1.mul(v).add(ca1);
                v = IntVector.broadcast(I, x[xk + 11]).reinterpretAsShorts();
                cb0 = w0.mul(v).add(cb0);
                cb1 = w1.mul(v).add(cb1);
            }
            // Each 32-bit lane holds a row's two 16-bit sums: their total, widened, times the two scales.
            FloatVector s0 = FloatVector.fromArray(F, ws, b * G);
            FloatVector s1 = FloatVector.fromArray(F, ws, b * G + V);
            int sk = sb + b * TILE;
            IntVector i0, i1;
            FloatVector a0, a1;
            if (wo == null) {
                i0 = c00.reinterpretAsInts();
                i1 = c01.reinterpretAsInts();
                a0 = (FloatVector) i0.add(i0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a1 = (FloatVector) i1.add(i1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a0.fma(s0.mul(xs[sk + 0]), FloatVector.fromArray(F, acc, 0 * G)).intoArray(acc, 0 * G);
                a1.fma(s1.mul(xs[sk + 0]), FloatVector.fromArray(F, acc, 0 * G + V)).intoArray(acc, 0 * G + V);
                i0 = c10.reinterpretAsInts();
                i1 = c11.reinterpretAsInts();
                a0 = (FloatVector) i0.add(i0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a1 = (FloatVector) i1.add(i1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a0.fma(s0.mul(xs[sk + 1]), FloatVector.fromArray(F, acc, 1 * G)).intoArray(acc, 1 * G);
                a1.fma(s1.mul(xs[sk + 1]), FloatVector.fromArray(F, acc, 1 * G + V)).intoArray(acc, 1 * G + V);
                i0 = c20.reinterpretAsInts();
                i1 = c21.reinterpretAsInts();
                a0 = (FloatVector) i0.add(i0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a1 = (FloatVector) i1.add(i1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a0.fma(s0.mul(xs[sk + 2]), FloatVector.fromArray(F, acc, 2 * G)).intoArray(acc, 2 * G);
                a1.fma(s1.mul(xs[sk + 2]), FloatVector.fromArray(F, acc, 2 * G + V)).intoArray(acc, 2 * G + V);
                i0 = c30.reinterpretAsInts();
                i1 = c31.reinterpretAsInts();
                a0 = (FloatVector) i0.add(i0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a1 = (FloatVector) i1.add(i1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a0.fma(s0.mul(xs[sk + 3]), FloatVector.fromArray(F, acc, 3 * G)).intoArray(acc, 3 * G);
                a1.fma(s1.mul(xs[sk + 3]), FloatVector.fromArray(F, acc, 3 * G + V)).intoArray(acc, 3 * G + V);
                i0 = c40.reinterpretAsInts();
                i1 = c41.reinterpretAsInts();
                a0 = (FloatVector) i0.add(i0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a1 = (FloatVector) i1.add(i1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a0.fma(s0.mul(xs[sk + 4]), FloatVector.fromArray(F, acc, 4 * G)).intoArray(acc, 4 * G);
                a1.fma(s1.mul(xs[sk + 4]), FloatVector.fromArray(F, acc, 4 * G + V)).intoArray(acc, 4 * G + V);
                i0 = c50.reinterpretAsInts();
                i1 = c51.reinterpretAsInts();
                a0 = (FloatVector) i0.add(i0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a1 = (FloatVector) i1.add(i1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a0.fma(s0.mul(xs[sk + 5]), FloatVector.fromArray(F, acc, 5 * G)).intoArray(acc, 5 * G);
                a1.fma(s1.mul(xs[sk + 5]), FloatVector.fromArray(F, acc, 5 * G + V)).intoArray(acc, 5 * G + V);
                i0 = c60.reinterpretAsInts();
                i1 = c61.reinterpretAsInts();
                a0 = (FloatVector) i0.add(i0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a1 = (FloatVector) i1.add(i1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a0.fma(s0.mul(xs[sk + 6]), FloatVector.fromArray(F, acc, 6 * G)).intoArray(acc, 6 * G);
                a1.fma(s1.mul(xs[sk + 6]), FloatVector.fromArray(F, acc, 6 * G + V)).intoArray(acc, 6 * G + V);
                i0 = c70.reinterpretAsInts();
                i1 = c71.reinterpretAsInts();
                a0 = (FloatVector) i0.add(i0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a1 = (FloatVector) i1.add(i1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a0.fma(s0.mul(xs[sk + 7]), FloatVector.fromArray(F, acc, 7 * G)).intoArray(acc, 7 * G);
                a1.fma(s1.mul(xs[sk + 7]), FloatVector.fromArray(F, acc, 7 * G + V)).intoArray(acc, 7 * G + V);
                i0 = c80.reinterpretAsInts();
                i1 = c81.reinterpretAsInts();
                a0 = (FloatVector) i0.add(i0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a1 = (FloatVector) i1.add(i1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a0.fma(s0.mul(xs[sk + 8]), FloatVector.fromArray(F, acc, 8 * G)).intoArray(acc, 8 * G);
                a1.fma(s1.mul(xs[sk + 8]), FloatVector.fromArray(F, acc, 8 * G + V)).intoArray(acc, 8 * G + V);
                i0 = c90.reinterpretAsInts();
                i1 = c91.reinterpretAsInts();
                a0 = (FloatVector) i0.add(i0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a1 = (FloatVector) i1.add(i1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a0.fma(s0.mul(xs[sk + 9]), FloatVector.fromArray(F, acc, 9 * G)).intoArray(acc, 9 * G);
                a1.fma(s1.mul(xs[sk + 9]), FloatVector.fromArray(F, acc, 9 * G + V)).intoArray(acc, 9 * G + V);
                i0 = ca0.reinterpretAsInts();
                i1 = ca1.reinterpretAsInts();
                a0 = (FloatVector) i0.add(i0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a1 = (FloatVector) i1.add(i1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a0.fma(s0.mul(xs[sk + 10]), FloatVector.fromArray(F, acc, 10 * G)).intoArray(acc, 10 * G);
                a1.fma(s1.mul(xs[sk + 10]), FloatVector.fromArray(F, acc, 10 * G + V)).intoArray(acc, 10 * G + V);
                i0 = cb0.reinterpretAsInts();
                i1 = cb1.reinterpretAsInts();
                a0 = (FloatVector) i0.add(i0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a1 = (FloatVector) i1.add(i1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a0.fma(s0.mul(xs[sk + 11]), FloatVector.fromArray(F, acc, 11 * G)).intoArray(acc, 11 * G);
                a1.fma(s1.mul(xs[sk + 11]), FloatVector.fromArray(F, acc, 11 * G + V)).intoArray(acc, 11 * G + V);
            } else {
                FloatVector o0 = FloatVector.fromArray(F, wo, ob + b * G);
                FloatVector o1 = FloatVector.fromArray(F, wo, ob + b * G + V);
                i0 = c00.reinterpretAsInts();
                i1 = c01.reinterpretAsInts();
                a0 = (FloatVector) i0.add(i0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a1 = (FloatVector) i1.add(i1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a0.fma(s0.mul(xs[sk + 0]), o0.fma(FloatVector.broadcast(F, xsum[sk + 0]), FloatVector.fromArray(F, acc, 0 * G)))
                        .intoArray(acc, 0 * G);
                a1.fma(s1.mul(xs[sk + 0]), o1.fma(FloatVector.broadcast(F, xsum[sk + 0]), FloatVector.fromArray(F, acc, 0 * G + V)))
                        .intoArray(acc, 0 * G + V);
                i0 = c10.reinterpretAsInts();
                i1 = c11.reinterpretAsInts();
                a0 = (FloatVector) i0.add(i0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a1 = (FloatVector) i1.add(i1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a0.fma(s0.mul(xs[sk + 1]), o0.fma(FloatVector.broadcast(F, xsum[sk + 1]), FloatVector.fromArray(F, acc, 1 * G)))
                        .intoArray(acc, 1 * G);
                a1.fma(s1.mul(xs[sk + 1]), o1.fma(FloatVector.broadcast(F, xsum[sk + 1]), FloatVector.fromArray(F, acc, 1 * G + V)))
                        .intoArray(acc, 1 * G + V);
                i0 = c20.reinterpretAsInts();
                i1 = c21.reinterpretAsInts();
                a0 = (FloatVector) i0.add(i0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a1 = (FloatVector) i1.add(i1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a0.fma(s0.mul(xs[sk + 2]), o0.fma(FloatVector.broadcast(F, xsum[sk + 2]), FloatVector.fromArray(F, acc, 2 * G)))
                        .intoArray(acc, 2 * G);
                a1.fma(s1.mul(xs[sk + 2]), o1.fma(FloatVector.broadcast(F, xsum[sk + 2]), FloatVector.fromArray(F, acc, 2 * G + V)))
                        .intoArray(acc, 2 * G + V);
                i0 = c30.reinterpretAsInts();
                i1 = c31.reinterpretAsInts();
                a0 = (FloatVector) i0.add(i0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a1 = (FloatVector) i1.add(i1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a0.fma(s0.mul(xs[sk + 3]), o0.fma(FloatVector.broadcast(F, xsum[sk + 3]), FloatVector.fromArray(F, acc, 3 * G)))
                        .intoArray(acc, 3 * G);
                a1.fma(s1.mul(xs[sk + 3]), o1.fma(FloatVector.broadcast(F, xsum[sk + 3]), FloatVector.fromArray(F, acc, 3 * G + V)))
                        .intoArray(acc, 3 * G + V);
                i0 = c40.reinterpretAsInts();
                i1 = c41.reinterpretAsInts();
                a0 = (FloatVector) i0.add(i0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a1 = (FloatVector) i1.add(i1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a0.fma(s0.mul(xs[sk + 4]), o0.fma(FloatVector.broadcast(F, xsum[sk + 4]), FloatVector.fromArray(F, acc, 4 * G)))
                        .intoArray(acc, 4 * G);
                a1.fma(s1.mul(xs[sk + 4]), o1.fma(FloatVector.broadcast(F, xsum[sk + 4]), FloatVector.fromArray(F, acc, 4 * G + V)))
                        .intoArray(acc, 4 * G + V);
                i0 = c50.reinterpretAsInts();
                i1 = c51.reinterpretAsInts();
                a0 = (FloatVector) i0.add(i0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a1 = (FloatVector) i1.add(i1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a0.fma(s0.mul(xs[sk + 5]), o0.fma(FloatVector.broadcast(F, xsum[sk + 5]), FloatVector.fromArray(F, acc, 5 * G)))
                        .intoArray(acc, 5 * G);
                a1.fma(s1.mul(xs[sk + 5]), o1.fma(FloatVector.broadcast(F, xsum[sk + 5]), FloatVector.fromArray(F, acc, 5 * G + V)))
                        .intoArray(acc, 5 * G + V);
                i0 = c60.reinterpretAsInts();
                i1 = c61.reinterpretAsInts();
                a0 = (FloatVector) i0.add(i0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a1 = (FloatVector) i1.add(i1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a0.fma(s0.mul(xs[sk + 6]), o0.fma(FloatVector.broadcast(F, xsum[sk + 6]), FloatVector.fromArray(F, acc, 6 * G)))
                        .intoArray(acc, 6 * G);
                a1.fma(s1.mul(xs[sk + 6]), o1.fma(FloatVector.broadcast(F, xsum[sk + 6]), FloatVector.fromArray(F, acc, 6 * G + V)))
                        .intoArray(acc, 6 * G + V);
                i0 = c70.reinterpretAsInts();
                i1 = c71.reinterpretAsInts();
                a0 = (FloatVector) i0.add(i0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a1 = (FloatVector) i1.add(i1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a0.fma(s0.mul(xs[sk + 7]), o0.fma(FloatVector.broadcast(F, xsum[sk + 7]), FloatVector.fromArray(F, acc, 7 * G)))
                        .intoArray(acc, 7 * G);
                a1.fma(s1.mul(xs[sk + 7]), o1.fma(FloatVector.broadcast(F, xsum[sk + 7]), FloatVector.fromArray(F, acc, 7 * G + V)))
                        .intoArray(acc, 7 * G + V);
                i0 = c80.reinterpretAsInts();
                i1 = c81.reinterpretAsInts();
                a0 = (FloatVector) i0.add(i0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a1 = (FloatVector) i1.add(i1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a0.fma(s0.mul(xs[sk + 8]), o0.fma(FloatVector.broadcast(F, xsum[sk + 8]), FloatVector.fromArray(F, acc, 8 * G)))
                        .intoArray(acc, 8 * G);
                a1.fma(s1.mul(xs[sk + 8]), o1.fma(FloatVector.broadcast(F, xsum[sk + 8]), FloatVector.fromArray(F, acc, 8 * G + V)))
                        .intoArray(acc, 8 * G + V);
                i0 = c90.reinterpretAsInts();
                i1 = c91.reinterpretAsInts();
                a0 = (FloatVector) i0.add(i0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a1 = (FloatVector) i1.add(i1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a0.fma(s0.mul(xs[sk + 9]), o0.fma(FloatVector.broadcast(F, xsum[sk + 9]), FloatVector.fromArray(F, acc, 9 * G)))
                        .intoArray(acc, 9 * G);
                a1.fma(s1.mul(xs[sk + 9]), o1.fma(FloatVector.broadcast(F, xsum[sk + 9]), FloatVector.fromArray(F, acc, 9 * G + V)))
                        .intoArray(acc, 9 * G + V);
                i0 = ca0.reinterpretAsInts();
                i1 = ca1.reinterpretAsInts();
                a0 = (FloatVector) i0.add(i0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a1 = (FloatVector) i1.add(i1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a0.fma(s0.mul(xs[sk + 10]), o0.fma(FloatVector.broadcast(F, xsum[sk + 10]), FloatVector.fromArray(F, acc, 10 * G)))
                        .intoArray(acc, 10 * G);
                a1.fma(s1.mul(xs[sk + 10]), o1.fma(FloatVector.broadcast(F, xsum[sk + 10]), FloatVector.fromArray(F, acc, 10 * G + V)))
                        .intoArray(acc, 10 * G + V);
                i0 = cb0.reinterpretAsInts();
                i1 = cb1.reinterpretAsInts();
                a0 = (FloatVector) i0.add(i0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a1 = (FloatVector) i1.add(i1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a0.fma(s0.mul(xs[sk + 11]), o0.fma(FloatVector.broadcast(F, xsum[sk + 11]), FloatVector.fromArray(F, acc, 11 * G)))
                        .intoArray(acc, 11 * G);
                a1.fma(s1.mul(xs[sk + 11]), o1.fma(FloatVector.broadcast(F, xsum[sk + 11]), FloatVector.fromArray(F, acc, 11 * G + V)))
                        .intoArray(acc, 11 * G + V);
            }
        }
    }

    private static void tile8(short[] p, int po, float[] ws, float[] wo, int ob, int blocks, int[] x, int xb,
            float[] xs, float[] xsum, int sb, float[] acc) {
        for (int b = 0; b < blocks; b++) {
            ShortVector c00 = ShortVector.zero(S);
            ShortVector c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00;
            ShortVector c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00;
            ShortVector c61 = c00, c70 = c00, c71 = c00;
            for (int pp = b * PAIRS, end = pp + PAIRS; pp < end; pp++) {
                int pk = po + pp * 2 * G;
                int xk = xb + pp * TILE;
                ShortVector w0 = ShortVector.fromArray(S, p, pk);
                ShortVector w1 = ShortVector.fromArray(S, p, pk + G);
                ShortVector v = IntVector.broadcast(I, x[xk]).reinterpretAsShorts();
                c00 = w0.mul(v).add(c00);
                c01 = w1.mul(v).add(c01);
                v = IntVector.broadcast(I, x[xk + 1]).reinterpretAsShorts();
                c10 = w0.mul(v).add(c10);
                c11 = w1.mul(v).add(c11);
                v = IntVector.broadcast(I, x[xk + 2]).reinterpretAsShorts();
                c20 = w0.mul(v).add(c20);
                c21 = w1.mul(v).add(c21);
                v = IntVector.broadcast(I, x[xk + 3]).reinterpretAsShorts();
                c30 = w0.mul(v).add(c30);
                c31 = w1.mul(v).add(c31);
                v = IntVector.broadcast(I, x[xk + 4]).reinterpretAsShorts();
                c40 = w0.mul(v).add(c40);
                c41 = w1.mul(v).add(c41);
                v = IntVector.broadcast(I, x[xk + 5]).reinterpretAsShorts();
                c50 = w0.mul(v).add(c50);
                c51 = w1.mul(v).add(c51);
                v = IntVector.broadcast(I, x[xk + 6]).reinterpretAsShorts();
                c60 = w0.mul(v).add(c60);
                c61 = w1.mul(v).add(c61);
                v = IntVector.broadcast(I, x[xk + 7]).reinterpretAsShorts();
                c70 = w0.mul(v).add(c70);
                c71 = w1.mul(v).add(c71);
            }
            // Each 32-bit lane holds a row's two 16-bit sums: their total, widened, times the two scales.
            FloatVector s0 = FloatVector.fromArray(F, ws, b * G);
            FloatVector s1 = FloatVector.fromArray(F, ws, b * G + V);
            int sk = sb + b * TILE;
            IntVector i0, i1;
            FloatVector a0, a1;
            if (wo == null) {
                i0 = c00.reinterpretAsInts();
                i1 = c01.reinterpretAsInts();
                a0 = (FloatVector) i0.add(i0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a1 = (FloatVector) i1.add(i1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a0.fma(s0.mul(xs[sk + 0]), FloatVector.fromArray(F, acc, 0 * G)).intoArray(acc, 0 * G);
                a1.fma(s1.mul(xs[sk + 0]), FloatVector.fromArray(F, acc, 0 * G + V)).intoArray(acc, 0 * G + V);
                i0 = c10.reinterpretAsInts();
                i1 = c11.reinterpretAsInts();
                a0 = (FloatVector) i0.add(i0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a1 = (FloatVector) i1.add(i1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a0.fma(s0.mul(xs[sk + 1]), FloatVector.fromArray(F, acc, 1 * G)).intoArray(acc, 1 * G);
                a1.fma(s1.mul(xs[sk + 1]), FloatVector.fromArray(F, acc, 1 * G + V)).intoArray(acc, 1 * G + V);
                i0 = c20.reinterpretAsInts();
                i1 = c21.reinterpretAsInts();
                a0 = (FloatVector) i0.add(i0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a1 = (FloatVector) i1.add(i1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a0.fma(s0.mul(xs[sk + 2]), FloatVector.fromArray(F, acc, 2 * G)).intoArray(acc, 2 * G);
                a1.fma(s1.mul(xs[sk + 2]), FloatVector.fromArray(F, acc, 2 * G + V)).intoArray(acc, 2 * G + V);
                i0 = c30.reinterpretAsInts();
                i1 = c31.reinterpretAsInts();
                a0 = (FloatVector) i0.add(i0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a1 = (FloatVector) i1.add(i1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a0.fma(s0.mul(xs[sk + 3]), FloatVector.fromArray(F, acc, 3 * G)).intoArray(acc, 3 * G);
                a1.fma(s1.mul(xs[sk + 3]), FloatVector.fromArray(F, acc, 3 * G + V)).intoArray(acc, 3 * G + V);
                i0 = c40.reinterpretAsInts();
                i1 = c41.reinterpretAsInts();
                a0 = (FloatVector) i0.add(i0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a1 = (FloatVector) i1.add(i1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a0.fma(s0.mul(xs[sk + 4]), FloatVector.fromArray(F, acc, 4 * G)).intoArray(acc, 4 * G);
                a1.fma(s1.mul(xs[sk + 4]), FloatVector.fromArray(F, acc, 4 * G + V)).intoArray(acc, 4 * G + V);
                i0 = c50.reinterpretAsInts();
                i1 = c51.reinterpretAsInts();
                a0 = (FloatVector) i0.add(i0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a1 = (FloatVector) i1.add(i1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a0.fma(s0.mul(xs[sk + 5]), FloatVector.fromArray(F, acc, 5 * G)).intoArray(acc, 5 * G);
                a1.fma(s1.mul(xs[sk + 5]), FloatVector.fromArray(F, acc, 5 * G + V)).intoArray(acc, 5 * G + V);
                i0 = c60.reinterpretAsInts();
                i1 = c61.reinterpretAsInts();
                a0 = (FloatVector) i0.add(i0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a1 = (FloatVector) i1.add(i1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a0.fma(s0.mul(xs[sk + 6]), FloatVector.fromArray(F, acc, 6 * G)).intoArray(acc, 6 * G);
                a1.fma(s1.mul(xs[sk + 6]), FloatVector.fromArray(F, acc, 6 * G + V)).intoArray(acc, 6 * G + V);
                i0 = c70.reinterpretAsInts();
                i1 = c71.reinterpretAsInts();
                a0 = (FloatVector) i0.add(i0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a1 = (FloatVector) i1.add(i1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a0.fma(s0.mul(xs[sk + 7]), FloatVector.fromArray(F, acc, 7 * G)).intoArray(acc, 7 * G);
                a1.fma(s1.mul(xs[sk + 7]), FloatVector.fromArray(F, acc, 7 * G + V)).intoArray(acc, 7 * G + V);
            } else {
                FloatVector o0 = FloatVector.fromArray(F, wo, ob + b * G);
                FloatVector o1 = FloatVector.fromArray(F, wo, ob + b * G + V);
                i0 = c00.reinterpretAsInts();
                i1 = c01.reinterpretAsInts();
                a0 = (FloatVector) i0.add(i0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a1 = (FloatVector) i1.add(i1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a0.fma(s0.mul(xs[sk + 0]), o0.fma(FloatVector.broadcast(F, xsum[sk + 0]), FloatVector.fromArray(F, acc, 0 * G)))
                        .intoArray(acc, 0 * G);
                a1.fma(s1.mul(xs[sk + 0]), o1.fma(FloatVector.broadcast(F, xsum[sk + 0]), FloatVector.fromArray(F, acc, 0 * G + V)))
                        .intoArray(acc, 0 * G + V);
                i0 = c10.reinterpretAsInts();
                i1 = c11.reinterpretAsInts();
                a0 = (FloatVector) i0.add(i0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a1 = (FloatVector) i1.add(i1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a0.fma(s0.mul(xs[sk + 1]), o0.fma(FloatVector.broadcast(F, xsum[sk + 1]), FloatVector.fromArray(F, acc, 1 * G)))
                        .intoArray(acc, 1 * G);
                a1.fma(s1.mul(xs[sk + 1]), o1.fma(FloatVector.broadcast(F, xsum[sk + 1]), FloatVector.fromArray(F, acc, 1 * G + V)))
                        .intoArray(acc, 1 * G + V);
                i0 = c20.reinterpretAsInts();
                i1 = c21.reinterpretAsInts();
                a0 = (FloatVector) i0.add(i0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a1 = (FloatVector) i1.add(i1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a0.fma(s0.mul(xs[sk + 2]), o0.fma(FloatVector.broadcast(F, xsum[sk + 2]), FloatVector.fromArray(F, acc, 2 * G)))
                        .intoArray(acc, 2 * G);
                a1.fma(s1.mul(xs[sk + 2]), o1.fma(FloatVector.broadcast(F, xsum[sk + 2]), FloatVector.fromArray(F, acc, 2 * G + V)))
                        .intoArray(acc, 2 * G + V);
                i0 = c30.reinterpretAsInts();
                i1 = c31.reinterpretAsInts();
                a0 = (FloatVector) i0.add(i0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a1 = (FloatVector) i1.add(i1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a0.fma(s0.mul(xs[sk + 3]), o0.fma(FloatVector.broadcast(F, xsum[sk + 3]), FloatVector.fromArray(F, acc, 3 * G)))
                        .intoArray(acc, 3 * G);
                a1.fma(s1.mul(xs[sk + 3]), o1.fma(FloatVector.broadcast(F, xsum[sk + 3]), FloatVector.fromArray(F, acc, 3 * G + V)))
                        .intoArray(acc, 3 * G + V);
                i0 = c40.reinterpretAsInts();
                i1 = c41.reinterpretAsInts();
                a0 = (FloatVector) i0.add(i0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a1 = (FloatVector) i1.add(i1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a0.fma(s0.mul(xs[sk + 4]), o0.fma(FloatVector.broadcast(F, xsum[sk + 4]), FloatVector.fromArray(F, acc, 4 * G)))
                        .intoArray(acc, 4 * G);
                a1.fma(s1.mul(xs[sk + 4]), o1.fma(FloatVector.broadcast(F, xsum[sk + 4]), FloatVector.fromArray(F, acc, 4 * G + V)))
                        .intoArray(acc, 4 * G + V);
                i0 = c50.reinterpretAsInts();
                i1 = c51.reinterpretAsInts();
                a0 = (FloatVector) i0.add(i0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a1 = (FloatVector) i1.add(i1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a0.fma(s0.mul(xs[sk + 5]), o0.fma(FloatVector.broadcast(F, xsum[sk + 5]), FloatVector.fromArray(F, acc, 5 * G)))
                        .intoArray(acc, 5 * G);
                a1.fma(s1.mul(xs[sk + 5]), o1.fma(FloatVector.broadcast(F, xsum[sk + 5]), FloatVector.fromArray(F, acc, 5 * G + V)))
                        .intoArray(acc, 5 * G + V);
                i0 = c60.reinterpretAsInts();
                i1 = c61.reinterpretAsInts();
                a0 = (FloatVector) i0.add(i0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a1 = (FloatVector) i1.add(i1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a0.fma(s0.mul(xs[sk + 6]), o0.fma(FloatVector.broadcast(F, xsum[sk + 6]), FloatVector.fromArray(F, acc, 6 * G)))
                        .intoArray(acc, 6 * G);
                a1.fma(s1.mul(xs[sk + 6]), o1.fma(FloatVector.broadcast(F, xsum[sk + 6]), FloatVector.fromArray(F, acc, 6 * G + V)))
                        .intoArray(acc, 6 * G + V);
                i0 = c70.reinterpretAsInts();
                i1 = c71.reinterpretAsInts();
                a0 = (FloatVector) i0.add(i0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a1 = (FloatVector) i1.add(i1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a0.fma(s0.mul(xs[sk + 7]), o0.fma(FloatVector.broadcast(F, xsum[sk + 7]), FloatVector.fromArray(F, acc, 7 * G)))
                        .intoArray(acc, 7 * G);
                a1.fma(s1.mul(xs[sk + 7]), o1.fma(FloatVector.broadcast(F, xsum[sk + 7]), FloatVector.fromArray(F, acc, 7 * G + V)))
                        .intoArray(acc, 7 * G + V);
            }
        }
    }

    private static void tile4(short[] p, int po, float[] ws, float[] wo, int ob, int blocks, int[] x, int xb,
            float[] xs, float[] xsum, int sb, float[] acc) {
        for (int b = 0; b < blocks; b++) {
            ShortVector c00 = ShortVector.zero(S);
            ShortVector c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00;
            ShortVector c31 = c00;
            for (int pp = b * PAIRS, end = pp + PAIRS; pp < end; pp++) {
                int pk = po + pp * 2 * G;
                int xk = xb + pp * TILE;
                ShortVector w0 = ShortVector.fromArray(S, p, pk);
                ShortVector w1 = ShortVector.fromArray(S, p, pk + G);
                ShortVector v = IntVector.broadcast(I, x[xk]).reinterpretAsShorts();
                c00 = w0.mul(v).add(c00);
                c01 = w1.mul(v).add(c01);
                v = IntVector.broadcast(I, x[xk + 1]).reinterpretAsShorts();
                c10 = w0.mul(v).add(c10);
                c11 = w1.mul(v).add(c11);
                v = IntVector.broadcast(I, x[xk + 2]).reinterpretAsShorts();
                c20 = w0.mul(v).add(c20);
                c21 = w1.mul(v).add(c21);
                v = IntVector.broadcast(I, x[xk + 3]).reinterpretAsShorts();
                c30 = w0.mul(v).add(c30);
                c31 = w1.mul(v).add(c31);
            }
            // Each 32-bit lane holds a row's two 16-bit sums: their total, widened, times the two scales.
            FloatVector s0 = FloatVector.fromArray(F, ws, b * G);
            FloatVector s1 = FloatVector.fromArray(F, ws, b * G + V);
            int sk = sb + b * TILE;
            IntVector i0, i1;
            FloatVector a0, a1;
            if (wo == null) {
                i0 = c00.reinterpretAsInts();
                i1 = c01.reinterpretAsInts();
                a0 = (FloatVector) i0.add(i0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a1 = (FloatVector) i1.add(i1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a0.fma(s0.mul(xs[sk + 0]), FloatVector.fromArray(F, acc, 0 * G)).intoArray(acc, 0 * G);
                a1.fma(s1.mul(xs[sk + 0]), FloatVector.fromArray(F, acc, 0 * G + V)).intoArray(acc, 0 * G + V);
                i0 = c10.reinterpretAsInts();
                i1 = c11.reinterpretAsInts();
                a0 = (FloatVector) i0.add(i0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a1 = (FloatVector) i1.add(i1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a0.fma(s0.mul(xs[sk + 1]), FloatVector.fromArray(F, acc, 1 * G)).intoArray(acc, 1 * G);
                a1.fma(s1.mul(xs[sk + 1]), FloatVector.fromArray(F, acc, 1 * G + V)).intoArray(acc, 1 * G + V);
                i0 = c20.reinterpretAsInts();
                i1 = c21.reinterpretAsInts();
                a0 = (FloatVector) i0.add(i0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a1 = (FloatVector) i1.add(i1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a0.fma(s0.mul(xs[sk + 2]), FloatVector.fromArray(F, acc, 2 * G)).intoArray(acc, 2 * G);
                a1.fma(s1.mul(xs[sk + 2]), FloatVector.fromArray(F, acc, 2 * G + V)).intoArray(acc, 2 * G + V);
                i0 = c30.reinterpretAsInts();
                i1 = c31.reinterpretAsInts();
                a0 = (FloatVector) i0.add(i0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a1 = (FloatVector) i1.add(i1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a0.fma(s0.mul(xs[sk + 3]), FloatVector.fromArray(F, acc, 3 * G)).intoArray(acc, 3 * G);
                a1.fma(s1.mul(xs[sk + 3]), FloatVector.fromArray(F, acc, 3 * G + V)).intoArray(acc, 3 * G + V);
            } else {
                FloatVector o0 = FloatVector.fromArray(F, wo, ob + b * G);
                FloatVector o1 = FloatVector.fromArray(F, wo, ob + b * G + V);
                i0 = c00.reinterpretAsInts();
                i1 = c01.reinterpretAsInts();
                a0 = (FloatVector) i0.add(i0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a1 = (FloatVector) i1.add(i1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a0.fma(s0.mul(xs[sk + 0]), o0.fma(FloatVector.broadcast(F, xsum[sk + 0]), FloatVector.fromArray(F, acc, 0 * G)))
                        .intoArray(acc, 0 * G);
                a1.fma(s1.mul(xs[sk + 0]), o1.fma(FloatVector.broadcast(F, xsum[sk + 0]), FloatVector.fromArray(F, acc, 0 * G + V)))
                        .intoArray(acc, 0 * G + V);
                i0 = c10.reinterpretAsInts();
                i1 = c11.reinterpretAsInts();
                a0 = (FloatVector) i0.add(i0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a1 = (FloatVector) i1.add(i1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a0.fma(s0.mul(xs[sk + 1]), o0.fma(FloatVector.broadcast(F, xsum[sk + 1]), FloatVector.fromArray(F, acc, 1 * G)))
                        .intoArray(acc, 1 * G);
                a1.fma(s1.mul(xs[sk + 1]), o1.fma(FloatVector.broadcast(F, xsum[sk + 1]), FloatVector.fromArray(F, acc, 1 * G + V)))
                        .intoArray(acc, 1 * G + V);
                i0 = c20.reinterpretAsInts();
                i1 = c21.reinterpretAsInts();
                a0 = (FloatVector) i0.add(i0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a1 = (FloatVector) i1.add(i1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a0.fma(s0.mul(xs[sk + 2]), o0.fma(FloatVector.broadcast(F, xsum[sk + 2]), FloatVector.fromArray(F, acc, 2 * G)))
                        .intoArray(acc, 2 * G);
                a1.fma(s1.mul(xs[sk + 2]), o1.fma(FloatVector.broadcast(F, xsum[sk + 2]), FloatVector.fromArray(F, acc, 2 * G + V)))
                        .intoArray(acc, 2 * G + V);
                i0 = c30.reinterpretAsInts();
                i1 = c31.reinterpretAsInts();
                a0 = (FloatVector) i0.add(i0.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a1 = (FloatVector) i1.add(i1.lanewise(LSHL, 16)).lanewise(ASHR, 16).convert(I2F, 0);
                a0.fma(s0.mul(xs[sk + 3]), o0.fma(FloatVector.broadcast(F, xsum[sk + 3]), FloatVector.fromArray(F, acc, 3 * G)))
                        .intoArray(acc, 3 * G);
                a1.fma(s1.mul(xs[sk + 3]), o1.fma(FloatVector.broadcast(F, xsum[sk + 3]), FloatVector.fromArray(F, acc, 3 * G + V)))
                        .intoArray(acc, 3 * G + V);
            }
        }
    }
}
