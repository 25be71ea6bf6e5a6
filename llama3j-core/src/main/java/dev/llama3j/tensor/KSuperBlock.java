package dev.llama3j.tensor;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The scaling side of the repacked K-quant kernels ({@link PackedQ4KMatrix}, {@link PackedQ5KMatrix}),
 * on one group's super-block in {@link KGroupPacker}'s layout: the per-row factors {@code d·scale}
 * and {@code dmin·min} for the prompt panels, and, when generating, the scaling of the kernels'
 * integer sums (Q4_K's in integers, converted once a super-block; Q5_K's in fp32). Everything here
 * takes and returns arrays, never vectors, so that the kernels can call it whether C2 inlines it or
 * not.
 */
final class KSuperBlock {
    private static final VectorSpecies<Float> F = Species.F;
    private static final int V = Gemm.V;
    private static final int G = Gemm.G;
    /** Bytes that widen to one float vector; at 128 bits (4 lanes) the group's 8 bytes are loaded whole. */
    private static final boolean SPLIT_LOADS = V >= 8;
    private static final VectorSpecies<Byte> B_V =
            SPLIT_LOADS ? VectorSpecies.of(byte.class, VectorShape.forBitSize(V * 8)) : null;
    private static final VectorSpecies<Byte> B_G = VectorSpecies.of(byte.class, VectorShape.forBitSize(G * 8));
    private static final VectorSpecies<Short> S_G = VectorSpecies.of(short.class, VectorShape.forBitSize(G * 16));
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /** Floats of one super-block's row factors ({@link #rowFactors}): 16 factors and room for d and dmin, G rows each. */
    static final int FACTORS = 18 * G;

    private KSuperBlock() {}

    /**
     * The row factors of the super-block at {@code off}, in row order: {@code f[j*G + r]} = d·scale
     * and {@code f[(8+j)*G + r]} = dmin·min of sub-block {@code j}, each product rounded to fp32 as
     * in the reference dequantization. Uses {@code f[16G .. 18G)} as room for d and dmin.
     */
    static void rowFactors(MemorySegment d, long off, float[] f) {
        Halves.widen(d, off, f, 16 * G);
        Halves.widen(d, off + KGroupPacker.DMIN, f, 17 * G);
        FloatVector d0 = FloatVector.fromArray(F, f, 16 * G);
        FloatVector d1 = FloatVector.fromArray(F, f, 16 * G + V);
        FloatVector m0 = FloatVector.fromArray(F, f, 17 * G);
        FloatVector m1 = FloatVector.fromArray(F, f, 17 * G + V);
        for (int j = 0; j < 8; j++) {
            long sc = off + KGroupPacker.SCALES + (long) j * G;
            long mn = off + KGroupPacker.MINS + (long) j * G;
            FloatVector s0;
            FloatVector s1;
            FloatVector n0;
            FloatVector n1;
            if (SPLIT_LOADS) {
                s0 = (FloatVector) ByteVector.fromMemorySegment(B_V, d, sc, LE).convertShape(VectorOperators.B2F, F, 0);
                s1 = (FloatVector) ByteVector.fromMemorySegment(B_V, d, sc + V, LE).convertShape(VectorOperators.B2F, F, 0);
                n0 = (FloatVector) ByteVector.fromMemorySegment(B_V, d, mn, LE).convertShape(VectorOperators.B2F, F, 0);
                n1 = (FloatVector) ByteVector.fromMemorySegment(B_V, d, mn + V, LE).convertShape(VectorOperators.B2F, F, 0);
            } else {
                ByteVector sb = ByteVector.fromMemorySegment(B_G, d, sc, LE);
                ByteVector nb = ByteVector.fromMemorySegment(B_G, d, mn, LE);
                s0 = (FloatVector) sb.convertShape(VectorOperators.B2F, F, 0);
                s1 = (FloatVector) sb.convertShape(VectorOperators.B2F, F, 1);
                n0 = (FloatVector) nb.convertShape(VectorOperators.B2F, F, 0);
                n1 = (FloatVector) nb.convertShape(VectorOperators.B2F, F, 1);
            }
            s0.mul(d0).intoArray(f, j * G);
            s1.mul(d1).intoArray(f, j * G + V);
            n0.mul(m0).intoArray(f, (8 + j) * G);
            n1.mul(m1).intoArray(f, (8 + j) * G + V);
        }
    }

    /**
     * Adds {@code inputs} inputs' shares of the Q4_K super-block at {@code off} to
     * {@code acc[ao + t·G ..)}, input {@code t}'s sums at {@code sums[so + 8t·G ..)} and its
     * super-block of the input at {@code sb + t·blocks}, for inputs quantized per super-block
     * ({@link MatmulInput#kq}): one scale {@code dx} for all 8 sub-blocks, so the sub-block scales
     * and mins multiply the sums in 32-bit integers, {@code A = Σj scale_j·(Σ(q−8)x + 8Σx)} and
     * {@code B = Σj min_j·Σx}, and the fp32 work is one conversion and {@code acc += d·dx·A − dmin·dx·B}
     * a row ({@code |A|} at most 63 · 8 · 32 · 15 · 127 &lt; 2^31; past 2^24 the conversion rounds, as an
     * fp32 sum would). The kernel left one 16-bit sum {@code Σ(q−8)·x} a sub-block
     * ({@link MatmulInput#superCentredStart}) at {@code sums[so + 8t·G + j*G]}, in Halves' interleaved
     * row order. Every Q4_K generation kernel, for any number of inputs, scales through here with the
     * same operations for each input, so an input's result does not depend on the others in its step;
     * the rows' d and dmin are widened once for all of them (with 8 inputs they had been widened
     * eight times a super-block).
     *
     * @param normal whether every d and dmin of the matrix is a normal half ({@link Halves#widen(MemorySegment, long, float[], int, boolean)})
     * @param dd room for the rows' d and dmin (2G floats, {@link Scratch#scales()})
     */
    static void addIntegerSums(MemorySegment d, long off, boolean normal, short[] sums, int so, MatmulInput in, int sb,
            int blocks, int inputs, float[] acc, int ao, float[] dd) {
        Halves.widen(d, off, dd, 0, normal);
        Halves.widen(d, off + KGroupPacker.DMIN, dd, G, normal);
        int[] kSum = in.kSum;
        for (int t = 0; t < inputs; t++) {
            int st = so + 8 * t * G;
            int bt = sb + t * blocks;
            int qj = bt * 8;
            IntVector a0 = IntVector.zero(Species.I);
            IntVector a1 = a0;
            IntVector b0 = a0;
            IntVector b1 = a0;
            for (int j = 0; j < 8; j++) {
                // Each 32-bit lane holds row i's sum in its low half and row V+i's in its high half.
                IntVector part = ShortVector.fromArray(S_G, sums, st + j * G).reinterpretAsInts();
                IntVector s0 = part.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16);
                IntVector s1 = part.lanewise(VectorOperators.ASHR, 16);
                long sc = off + KGroupPacker.SCALES + (long) j * G;
                long mn = off + KGroupPacker.MINS + (long) j * G;
                // The scales and mins are unsigned 6-bit values: sign-extending them is exact.
                IntVector scale0;
                IntVector scale1;
                IntVector min0;
                IntVector min1;
                if (SPLIT_LOADS) {
                    scale0 = (IntVector) ByteVector.fromMemorySegment(B_V, d, sc, LE).convertShape(VectorOperators.B2I, Species.I, 0);
                    scale1 = (IntVector) ByteVector.fromMemorySegment(B_V, d, sc + V, LE).convertShape(VectorOperators.B2I, Species.I, 0);
                    min0 = (IntVector) ByteVector.fromMemorySegment(B_V, d, mn, LE).convertShape(VectorOperators.B2I, Species.I, 0);
                    min1 = (IntVector) ByteVector.fromMemorySegment(B_V, d, mn + V, LE).convertShape(VectorOperators.B2I, Species.I, 0);
                } else {
                    ByteVector scaleBytes = ByteVector.fromMemorySegment(B_G, d, sc, LE);
                    ByteVector minBytes = ByteVector.fromMemorySegment(B_G, d, mn, LE);
                    scale0 = (IntVector) scaleBytes.convertShape(VectorOperators.B2I, Species.I, 0);
                    scale1 = (IntVector) scaleBytes.convertShape(VectorOperators.B2I, Species.I, 1);
                    min0 = (IntVector) minBytes.convertShape(VectorOperators.B2I, Species.I, 0);
                    min1 = (IntVector) minBytes.convertShape(VectorOperators.B2I, Species.I, 1);
                }
                int x = kSum[qj + j];
                a0 = s0.add(8 * x).mul(scale0).add(a0);
                a1 = s1.add(8 * x).mul(scale1).add(a1);
                b0 = min0.mul(x).add(b0);
                b1 = min1.mul(x).add(b1);
            }
            float dx = in.kScale[bt];
            int at = ao + t * G;
            FloatVector up = FloatVector.broadcast(F, dx);
            FloatVector down = FloatVector.broadcast(F, -dx);
            FloatVector acc0 = FloatVector.fromArray(F, dd, 0).mul(up)
                    .fma((FloatVector) a0.convertShape(VectorOperators.I2F, F, 0), FloatVector.fromArray(F, acc, at));
            FloatVector acc1 = FloatVector.fromArray(F, dd, V).mul(up)
                    .fma((FloatVector) a1.convertShape(VectorOperators.I2F, F, 0), FloatVector.fromArray(F, acc, at + V));
            FloatVector.fromArray(F, dd, G).mul(down).fma((FloatVector) b0.convertShape(VectorOperators.I2F, F, 0), acc0)
                    .intoArray(acc, at);
            FloatVector.fromArray(F, dd, G + V).mul(down).fma((FloatVector) b1.convertShape(VectorOperators.I2F, F, 0), acc1)
                    .intoArray(acc, at + V);
        }
    }

    /**
     * Adds one input's share of the super-block at {@code off} to {@code acc[ao .. ao+G)}. The
     * kernel left, for each sub-block {@code j}, {@code parts} 16-bit partial sums of q·x (each
     * small enough not to overflow) at {@code sums[so + (parts*j + k)*G]}, in Halves' interleaved
     * row order. They are widened and added as ints, times the sub-block scales and the input
     * block's scale, plus the mins times minus the input block's sum; d and dmin are applied once.
     * For Q5_K's kernels, whose input is quantized per 32 values, as its sub-blocks
     * (Q4_K's use {@link #addIntegerSums}).
     *
     * @param qj index of the input's quantization block of the super-block's first sub-block
     * @param dd room for the rows' d and dmin (2G floats; the caller's {@link Scratch#scales()}, taken
     *     once per group rather than once per super-block: the thread-local lookup was 1-2% of a token)
     */
    static void addSums(MemorySegment d, long off, short[] sums, int so, int parts, MatmulInput in, int qj, float[] acc,
            int ao, float[] dd) {
        float[] qScale = in.qScale;
        int[] qSum = in.qSum;
        FloatVector sc0 = FloatVector.zero(F);
        FloatVector sc1 = sc0;
        FloatVector mn0 = sc0;
        FloatVector mn1 = sc0;
        for (int j = 0; j < 8; j++) {
            // Each 32-bit lane holds row i's sum in its low half and row V+i's in its high half.
            IntVector s0 = IntVector.zero(Species.I);
            IntVector s1 = s0;
            for (int k = 0; k < parts; k++) {
                IntVector part = ShortVector.fromArray(S_G, sums, so + (parts * j + k) * G).reinterpretAsInts();
                s0 = part.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(s0);
                s1 = part.lanewise(VectorOperators.ASHR, 16).add(s1);
            }
            long sc = off + KGroupPacker.SCALES + (long) j * G;
            long mn = off + KGroupPacker.MINS + (long) j * G;
            FloatVector scale0;
            FloatVector scale1;
            FloatVector min0;
            FloatVector min1;
            if (SPLIT_LOADS) {
                scale0 = (FloatVector) ByteVector.fromMemorySegment(B_V, d, sc, LE).convertShape(VectorOperators.B2F, F, 0);
                scale1 = (FloatVector) ByteVector.fromMemorySegment(B_V, d, sc + V, LE).convertShape(VectorOperators.B2F, F, 0);
                min0 = (FloatVector) ByteVector.fromMemorySegment(B_V, d, mn, LE).convertShape(VectorOperators.B2F, F, 0);
                min1 = (FloatVector) ByteVector.fromMemorySegment(B_V, d, mn + V, LE).convertShape(VectorOperators.B2F, F, 0);
            } else {
                ByteVector sb = ByteVector.fromMemorySegment(B_G, d, sc, LE);
                ByteVector mb = ByteVector.fromMemorySegment(B_G, d, mn, LE);
                scale0 = (FloatVector) sb.convertShape(VectorOperators.B2F, F, 0);
                scale1 = (FloatVector) sb.convertShape(VectorOperators.B2F, F, 1);
                min0 = (FloatVector) mb.convertShape(VectorOperators.B2F, F, 0);
                min1 = (FloatVector) mb.convertShape(VectorOperators.B2F, F, 1);
            }
            float dx = qScale[qj + j];
            float dxSum = dx * qSum[qj + j];
            FloatVector dxv = FloatVector.broadcast(F, dx);
            FloatVector sum = FloatVector.broadcast(F, -dxSum);
            sc0 = ((FloatVector) s0.convertShape(VectorOperators.I2F, F, 0)).mul(dxv).fma(scale0, sc0);
            sc1 = ((FloatVector) s1.convertShape(VectorOperators.I2F, F, 0)).mul(dxv).fma(scale1, sc1);
            mn0 = min0.fma(sum, mn0);
            mn1 = min1.fma(sum, mn1);
        }
        Halves.widen(d, off, dd, 0);
        Halves.widen(d, off + KGroupPacker.DMIN, dd, G);
        FloatVector acc0 = FloatVector.fromArray(F, dd, 0).fma(sc0, FloatVector.fromArray(F, acc, ao));
        FloatVector acc1 = FloatVector.fromArray(F, dd, V).fma(sc1, FloatVector.fromArray(F, acc, ao + V));
        FloatVector.fromArray(F, dd, G).fma(mn0, acc0).intoArray(acc, ao);
        FloatVector.fromArray(F, dd, G + V).fma(mn1, acc1).intoArray(acc, ao + V);
    }
}
