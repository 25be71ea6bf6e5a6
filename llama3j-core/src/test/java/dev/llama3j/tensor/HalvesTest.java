package dev.llama3j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/**
 * {@link Halves#widen} against {@link Float#float16ToFloat}: every finite half, subnormals and signed zeros included,
 * and every normal half the short way; {@link Halves#isNormal}.
 */
class HalvesTest {
    @Test
    void widenEqualsTheScalarConversionForEveryFiniteHalf() {
        widensLikeTheScalarConversion(HalvesTest::finite, false);
    }

    @Test
    void theShortWideningEqualsTheScalarConversionForEveryNormalHalf() {
        widensLikeTheScalarConversion(HalvesTest::normal, true);
    }

    /** Every half that {@code half} makes of 0..65535, a group at a time, widened with or without {@code normal}. */
    private static void widensLikeTheScalarConversion(IntFunction<Short> half, boolean normal) {
        int g = Gemm.G;
        MemorySegment seg = MemorySegment.ofArray(new short[g]);
        float[] dst = new float[g + 3];
        for (int first = 0; first < 0x10000; first += g) {
            for (int r = 0; r < g; r++) {
                seg.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, Halves.position(r), half.apply(first + r));
            }
            Halves.widen(seg, 0, dst, 3, normal);
            for (int r = 0; r < g; r++) {
                short h = half.apply(first + r);
                assertEquals(Float.floatToRawIntBits(Float.float16ToFloat(h)), Float.floatToRawIntBits(dst[3 + r]),
                        "half 0x" + Integer.toHexString(h & 0xffff) + " in row " + r);
            }
        }
    }

    @Test
    void isNormalRefusesZeroesSubnormalsInfinitiesAndNaNs() {
        for (int i = 0; i < 0x10000; i++) {
            assertEquals(true, Halves.isNormal(normal(i)), "0x" + Integer.toHexString(normal(i) & 0xffff));
        }
        for (short odd : new short[] {0, (short) 0x8000, 0x0001, (short) 0x83ff, 0x7c00, (short) 0xfc00, 0x7e00}) {
            assertEquals(false, Halves.isNormal(odd), "0x" + Integer.toHexString(odd & 0xffff));
        }
    }

    /** Bits {@code i} with the exponent bits made neither 0 nor 31: a normal half. */
    private static short normal(int i) {
        int e = (i >> 10) & 0x1f;
        return (short) (e == 0 ? i | 0x0400 : e == 0x1f ? i & ~0x0400 : i);
    }

    /** Bits {@code i}, or a finite half in place of an infinity or NaN (exponent bits all ones). */
    private static short finite(int i) {
        return (short) ((i & 0x7c00) == 0x7c00 ? i & 0x83ff : i);
    }
}
