package dev.llama3j.tensor;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * fp16 → fp32 for a vector of block scales. The Vector API has no half-float conversion, so the bits
 * are moved instead: the 15 magnitude bits shifted into place form an fp32 whose exponent is 112 too
 * small, which one multiplication by 2^112 fixes — exactly, subnormal halves included.
 */
final class Halves {
    private static final VectorSpecies<Float> F = Species.F;
    private static final VectorSpecies<Integer> I = Species.I;
    /** As many shorts as {@link #F} has floats (at least 64 bits: the narrowest short vector). */
    private static final VectorSpecies<Short> S_V =
            VectorSpecies.of(short.class, VectorShape.forBitSize(Math.max(64, F.length() * 16)));

    private Halves() {}

    /**
     * The {@link Gemm#V} fp16 values at {@code seg[off + 2*V*part ..]} as floats ({@code part} 0 or 1
     * of a group's {@link Gemm#G} scales).
     */
    static FloatVector toFloats(MemorySegment seg, long off, int part) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(S_V, seg, off + (long) part * 2 * F.length(),
                ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0);
        IntVector sign = h.and(0x8000).lanewise(VectorOperators.LSHL, 16);
        FloatVector magnitude = h.and(0x7fff).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f);
        return magnitude.reinterpretAsInts().or(sign).reinterpretAsFloats();
    }
}
