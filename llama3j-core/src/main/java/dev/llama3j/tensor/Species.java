package dev.llama3j.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector widths the kernels use, chosen once at start-up: the widest the CPU has (512 bits with
 * AVX-512), or a narrower one forced with {@code -Dllama3j.vectorBits=128|256|512} to exercise other
 * CPUs' code paths.
 */
public final class Species {
    private Species() {}

    public static final VectorSpecies<Float> F = floatSpecies();
    /** Ints of the same width as {@link #F}. */
    public static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    /** Shorts in half the bits of {@link #F}, so that one short vector widens to one float vector. */
    public static final VectorSpecies<Short> S_HALF =
            VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));

    /**
     * Whether the kernels shift 16-bit lanes by a vector of counts ({@code vpsrlvw}, AVX-512) rather
     * than by a constant: C2 compiles {@code lanewise(LSHR, 4)} on shorts to a move of the count into a
     * vector register and a shift by that register, an extra instruction for every column of the 4-bit
     * kernels (docs/SPEED.md, finding 22). Without AVX-512 a shift by a vector of 16-bit counts does not
     * exist and would be emulated, so there the constant stays.
     */
    static final boolean SHIFT_BY_VECTOR = FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 512;

    /**
     * 16 bytes: half a Q8_0 block, or the 32 nibbles of a Q4_0 block. The quantized kernels load bytes
     * in this width and widen them to {@link #BYTE_PARTS} float vectors of {@link #F}.
     */
    public static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
    /** How many {@link #F} vectors one {@link #B128} vector widens to (1, 2 or 4). */
    public static final int BYTE_PARTS = B128.length() / F.length();

    private static VectorSpecies<Float> floatSpecies() {
        String forced = System.getProperty("llama3j.vectorBits");
        if (forced != null) {
            return VectorSpecies.of(float.class, VectorShape.forBitSize(Integer.parseInt(forced)));
        }
        VectorSpecies<Float> preferred = FloatVector.SPECIES_PREFERRED;
        // 64-bit float vectors would need 32-bit short vectors, which do not exist.
        return preferred.vectorBitSize() < 128 ? FloatVector.SPECIES_128 : preferred;
    }
}
