package dev.llama3j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/** {@link Halves#widen} against {@link Float#float16ToFloat}: every finite half, subnormals and signed zeros included. */
class HalvesTest {
    @Test
    void widenEqualsTheScalarConversionForEveryFiniteHalf() {
        int g = Gemm.G;
        MemorySegment seg = MemorySegment.ofArray(new short[g]);
        float[] dst = new float[g + 3];
        for (int first = 0; first < 0x10000; first += g) {
            for (int r = 0; r < g; r++) {
                seg.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, Halves.position(r), finite(first + r));
            }
            Halves.widen(seg, 0, dst, 3);
            for (int r = 0; r < g; r++) {
                short h = finite(first + r);
                assertEquals(Float.floatToRawIntBits(Float.float16ToFloat(h)), Float.floatToRawIntBits(dst[3 + r]),
                        "half 0x" + Integer.toHexString(h & 0xffff) + " in row " + r);
            }
        }
    }

    /** Bits {@code i}, or a finite half in place of an infinity or NaN (exponent bits all ones). */
    private static short finite(int i) {
        return (short) ((i & 0x7c00) == 0x7c00 ? i & 0x83ff : i);
    }
}
