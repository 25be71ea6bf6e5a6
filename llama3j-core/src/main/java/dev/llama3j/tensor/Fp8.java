package dev.llama3j.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The two 8-bit float formats of the OCP FP8 specification, as safetensors stores them
 * ({@code F8_E4M3}, {@code F8_E5M2}). E4M3 ("e4m3fn"): 1 sign, 4 exponent bits with bias 7, 3 mantissa
 * bits, no infinities, NaN only as {@code S.1111.111}, largest finite ±448, subnormals {@code m/8 · 2^-6}.
 * E5M2 is the top byte of an IEEE fp16.
 */
public final class Fp8 {
    /** Largest finite E4M3 magnitude. */
    public static final float E4M3_MAX = 448f;

    private Fp8() {}

    /** The value of an E4M3 byte. */
    public static float e4m3ToFloat(byte b) {
        int exp = (b >> 3) & 0xf;
        int man = b & 7;
        float magnitude;
        if (exp == 15 && man == 7) {
            magnitude = Float.NaN;
        } else if (exp == 0) {
            magnitude = man * 0x1p-9f;
        } else {
            magnitude = Math.scalb(1f + man / 8f, exp - 7);
        }
        return b < 0 ? -magnitude : magnitude;
    }

    /** The value of an E5M2 byte (the high byte of an fp16; infinities and NaNs included). */
    public static float e5m2ToFloat(byte b) {
        return Float.float16ToFloat((short) (b << 8));
    }

    /** Whether an E4M3 byte is the NaN pattern {@code S.1111.111}. */
    public static boolean isE4m3NaN(byte b) {
        return (b & 0x7f) == 0x7f;
    }

    /**
     * {@code f} rounded to the nearest E4M3 value (ties to even), saturating to ±448 (infinities
     * included), as a float; NaN stays NaN. This is how the reference code quantizes: clamp to the
     * finite range, then cast with round-to-nearest-even.
     */
    public static float roundToE4m3(float f) {
        float a = Math.min(Math.abs(f), E4M3_MAX); // NaN stays NaN through min
        // Subnormal range: adding 2^14 leaves exactly the multiples of 2^-9 representable, so the
        // addition rounds to the subnormal grid (ties to even), and the subtraction is exact.
        float sub = (a + 0x1p14f) - 0x1p14f;
        // Normal range: keep 3 of fp32's 23 mantissa bits, rounding the dropped 20 to nearest even;
        // a carry into the exponent is the correct result.
        int bits = Float.floatToRawIntBits(a);
        float normal = Float.intBitsToFloat((bits + 0x7ffff + ((bits >>> 20) & 1)) & 0xfff00000);
        float r = a < 0x1p-6f ? sub : normal;
        return Math.copySign(r, f);
    }

    /** The E4M3 byte nearest {@code f} (ties to even), saturating to ±448; NaN gives {@code S.1111.111}. */
    public static byte toE4m3(float f) {
        int sign = Float.floatToRawIntBits(f) < 0 ? 0x80 : 0;
        if (Float.isNaN(f)) {
            return (byte) (sign | 0x7f);
        }
        float a = Math.abs(roundToE4m3(f));
        if (a < 0x1p-6f) {
            return (byte) (sign | (int) (a * 0x1p9f));
        }
        int exp = Math.getExponent(a);
        int man = (int) (Math.scalb(a, -exp) * 8f) - 8;
        return (byte) (sign | (exp + 7) << 3 | man);
    }

    private static final VectorSpecies<Float> F = Species.F;

    /** The largest magnitude of {@code x[off .. off+count)}. */
    static float maxAbs(float[] x, int off, int count) {
        FloatVector m = FloatVector.zero(F);
        int k = 0;
        for (; k + F.length() <= count; k += F.length()) {
            m = FloatVector.fromArray(F, x, off + k).abs().max(m);
        }
        float amax = m.reduceLanes(VectorOperators.MAX);
        for (; k < count; k++) {
            amax = Math.max(amax, Math.abs(x[off + k]));
        }
        return amax;
    }

    /**
     * {@code dst[dstOff + k] = roundToE4m3(x[off + k] * factor) * post} (or {@code x / factor} when
     * {@code divide}: static scales divide, as the reference does), vectorised with the same two
     * rounding steps as {@link #roundToE4m3}. {@code post} is a power of two, so it rounds nothing.
     */
    static void quantizeRow(float[] x, int off, int count, float factor, boolean divide, float post, float[] dst,
            int dstOff) {
        int k = 0;
        for (; k + F.length() <= count; k += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, off + k);
            v = divide ? v.div(factor) : v.mul(factor);
            FloatVector a = v.abs().min(E4M3_MAX);
            FloatVector sub = a.add(0x1p14f).sub(0x1p14f);
            IntVector bits = a.reinterpretAsInts();
            FloatVector normal = bits.lanewise(VectorOperators.LSHR, 20).and(1).add(0x7ffff).add(bits)
                    .and(0xfff00000).reinterpretAsFloats();
            FloatVector r = normal.blend(sub, a.lt(0x1p-6f));
            r.reinterpretAsInts().or(v.reinterpretAsInts().and(0x80000000)).reinterpretAsFloats().mul(post)
                    .intoArray(dst, dstOff + k);
        }
        for (; k < count; k++) {
            float v = divide ? x[off + k] / factor : x[off + k] * factor;
            dst[dstOff + k] = roundToE4m3(v) * post;
        }
    }
}
