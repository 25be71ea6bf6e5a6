package dev.llama3j.tensor;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The row order inside a repacked group ({@link PackedQ8Matrix}, {@link PackedQ4Matrix}): position
 * {@code 2i} holds row {@code i}, position {@code 2i+1} row {@code V+i}. One 16-bit-lane load seen as
 * 32-bit lanes then holds the first half-group's values in its low 16 bits and the second's in its
 * high 16 bits, and shifts alone separate them — no lane-changing conversions, which are slow in the
 * Vector API. The fp16 scales are stored in this order, and widened with bit moves (the Vector API
 * has no half-float conversion): the 15 magnitude bits shifted into place, plus 112 on the exponent,
 * are the fp32 of a normal half; a zero or subnormal half (exponent bits 0, value {@code m · 2^-24})
 * gets 113 on the exponent instead, which makes {@code 2^-14 + m · 2^-24}, and then 2^-14 less —
 * exactly. No fp32 subnormal appears on the way: multiplying one (as an earlier version did, by
 * 2^112) takes a microcode assist on Intel cores, and the Q6_K scales {@code d} of Llama-sized
 * weights are mostly fp16 subnormals (every one in the synthetic 1B and 8B Q4_K_M files).
 */
final class Halves {
    private static final VectorSpecies<Float> F = Species.F;
    private static final VectorSpecies<Short> S_G =
            VectorSpecies.of(short.class, VectorShape.forBitSize(Gemm.G * 16));

    private Halves() {}

    /**
     * Widens the group's {@link Gemm#G} interleaved fp16 scales at {@code seg[off]} into
     * {@code dst[0 .. G)} in row order. It returns them through an array, not as vectors: kernels
     * call it from methods too large for C2 to inline into, and vectors crossing a call that is not
     * inlined are boxed.
     */
    static void widen(MemorySegment seg, long off, float[] dst) {
        widen(seg, off, dst, 0);
    }

    /** {@link #widen(MemorySegment, long, float[])} into {@code dst[dstOff .. dstOff+G)}. */
    static void widen(MemorySegment seg, long off, float[] dst, int dstOff) {
        IntVector h = ShortVector.fromMemorySegment(S_G, seg, off, ByteOrder.LITTLE_ENDIAN).reinterpretAsInts();
        IntVector first = h.and(0xffff);
        IntVector second = h.lanewise(VectorOperators.LSHR, 16);
        IntVector m = first.and(0x7fff);
        VectorMask<Integer> small = m.compare(VectorOperators.LT, 0x400); // zero or subnormal
        m.lanewise(VectorOperators.LSHL, 13).add(112 << 23).lanewise(VectorOperators.ADD, 1 << 23, small)
                .reinterpretAsFloats().lanewise(VectorOperators.SUB, 0x1p-14f, small.cast(F)).reinterpretAsInts()
                .or(first.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats().intoArray(dst, dstOff);
        m = second.and(0x7fff);
        small = m.compare(VectorOperators.LT, 0x400);
        m.lanewise(VectorOperators.LSHL, 13).add(112 << 23).lanewise(VectorOperators.ADD, 1 << 23, small)
                .reinterpretAsFloats().lanewise(VectorOperators.SUB, 0x1p-14f, small.cast(F)).reinterpretAsInts()
                .or(second.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats()
                .intoArray(dst, dstOff + F.length());
    }

    /**
     * {@link #widen(MemorySegment, long, float[], int)}, in about half the operations when
     * {@code normal}: the caller's packing found every scale a normal half ({@link #isNormal}), so
     * each is its magnitude bits moved into place plus 112 on the exponent, with no zero or
     * subnormal case (a Q4_0 product 5.6% faster in the caches, AMD EPYC: the widening is a sixth of
     * that kernel's vector operations).
     */
    static void widen(MemorySegment seg, long off, float[] dst, int dstOff, boolean normal) {
        if (!normal) {
            widen(seg, off, dst, dstOff);
            return;
        }
        IntVector h = ShortVector.fromMemorySegment(S_G, seg, off, ByteOrder.LITTLE_ENDIAN).reinterpretAsInts();
        IntVector first = h.lanewise(VectorOperators.LSHL, 16); // both halves now in the high 16 bits
        first.and(SIGN).or(first.and(MAGNITUDE).lanewise(VectorOperators.LSHR, 3).add(REBIAS))
                .reinterpretAsFloats().intoArray(dst, dstOff);
        h.and(SIGN).or(h.and(MAGNITUDE).lanewise(VectorOperators.LSHR, 3).add(REBIAS))
                .reinterpretAsFloats().intoArray(dst, dstOff + F.length());
    }

    /** The sign and magnitude of a half in the high 16 bits of an int, and fp32's exponent bias less fp16's. */
    private static final int SIGN = 0x8000_0000;
    private static final int MAGNITUDE = 0x7fff_0000;
    private static final int REBIAS = 112 << 23;

    /**
     * Whether the fp16 value {@code h} is normal: not zero, subnormal, infinite or NaN (exponent bits
     * neither 0 nor 31). Packing checks every scale of a matrix so.
     */
    static boolean isNormal(short h) {
        int exponent = (h >> 10) & 0x1f;
        return exponent != 0 && exponent != 0x1f;
    }

    /** {@link #isNormal(short)} of the little-endian half at {@code b[i]} (a file block's scale). */
    static boolean isNormal(byte[] b, int i) {
        return isNormal((short) (b[i] & 0xff | b[i + 1] << 8));
    }

    /** Position of row {@code r} of a group in the interleaved order. */
    static int position(int r) {
        int v = Gemm.V;
        return r < v ? 2 * r : 2 * (r - v) + 1;
    }
}
