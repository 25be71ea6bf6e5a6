package dev.llama3j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** Known answers of llama.cpp's reference quantizers, worked out by hand from their formulas. */
class QuantizerTest {
    private static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void roundfRoundsHalfwayAwayFromZero() {
        assertEquals(3f, Quantizer.roundHalfAwayFromZero(2.5f));
        assertEquals(-3f, Quantizer.roundHalfAwayFromZero(-2.5f)); // Math.round would give -2
        assertEquals(1f, Quantizer.roundHalfAwayFromZero(0.5f));
        assertEquals(-1f, Quantizer.roundHalfAwayFromZero(-0.5f));
        assertEquals(0f, Quantizer.roundHalfAwayFromZero(0.49999997f)); // floor(x + 0.5f) in float would give 1
        assertEquals(2f, Quantizer.roundHalfAwayFromZero(1.5f)); // rint would give 2 too, 2.5 tells them apart
    }

    @Test
    void q8_0ScalesByMaxAbsOver127AndRoundsHalfAwayFromZero() {
        float[] x = new float[32];
        x[0] = -127; // largest magnitude, negative: d = 127/127 = 1
        x[1] = 2.5f;
        x[2] = -2.5f;
        x[3] = 0.5f;
        x[4] = -0.5f;
        x[5] = 126.49f;
        x[6] = 3.4999998f;
        byte[] q = Quantizer.quantize(GgmlType.Q8_0, x);
        assertEquals(34, q.length);
        assertEquals((short) 0x3C00, le(q).getShort(0)); // d = 1.0 as fp16
        assertEquals(-127, q[2]);
        assertEquals(3, q[3]);
        assertEquals(-3, q[4]);
        assertEquals(1, q[5]);
        assertEquals(-1, q[6]);
        assertEquals(126, q[7]);
        assertEquals(3, q[8]);
        for (int j = 7; j < 32; j++) {
            assertEquals(0, q[2 + j]);
        }
    }

    @Test
    void q8_0QuantizesWithTheFp32ScaleNotTheStoredFp16One() {
        // amax = 1: d = 1/127 in fp32, stored rounded to fp16; q = roundf(x * (1/d)) uses the fp32 d.
        float[] x = new float[32];
        for (int j = 0; j < 32; j++) {
            x[j] = (j - 16) / 16f;
        }
        byte[] q = Quantizer.quantize(GgmlType.Q8_0, x);
        float d = 1f / 127;
        assertEquals(Float.floatToFloat16(d), le(q).getShort(0));
        float id = 1f / d;
        for (int j = 0; j < 32; j++) {
            assertEquals((byte) (int) Quantizer.roundHalfAwayFromZero(x[j] * id), q[2 + j], "q" + j);
        }
        assertEquals(-127, q[2]); // x = -1
        assertEquals(0, q[2 + 16]);
        assertEquals(119, q[2 + 31]); // 15/16 * 127 = 119.06
    }

    @Test
    void q8_0OfZerosIsZeroScaleAndZeros() {
        byte[] q = Quantizer.quantize(GgmlType.Q8_0, new float[64]);
        assertArrayEquals(new byte[68], q);
    }

    @Test
    void q4_0TakesTheSignedValueOfLargestMagnitude() {
        // max = +8 (first of largest magnitude): d = 8 / -8 = -1, id = -1, q = min(15, (int)(-x + 8.5))
        float[] x = new float[32];
        x[0] = 8;
        x[1] = -8; // same magnitude later: does not replace the first
        x[2] = 0.5f; // -0.5 + 8.5 = 8.0 -> 8
        x[3] = -0.5f; // 9.0 -> 9
        x[4] = 1.5f; // 7.0 -> 7
        x[5] = 0.49f; // 8.01 -> 8
        x[16] = 3; // 5.5 -> 5
        x[17] = -7.9f; // 16.4 -> 16 -> clamped to 15
        byte[] q = Quantizer.quantize(GgmlType.Q4_0, x);
        assertEquals(18, q.length);
        assertEquals(Float.floatToFloat16(-1f), le(q).getShort(0));
        int[] expectLow = {0, 15, 8, 9, 7, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8};
        int[] expectHigh = {5, 15, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8};
        for (int j = 0; j < 16; j++) {
            assertEquals(expectLow[j], q[2 + j] & 0x0F, "low nibble " + j);
            assertEquals(expectHigh[j], (q[2 + j] & 0xFF) >>> 4, "high nibble " + j);
        }
    }

    @Test
    void q4_0WithNegativeMaxHasPositiveScale() {
        // max = -16: d = 2, id = 0.5, q = min(15, (int)(x/2 + 8.5))
        float[] x = new float[32];
        x[0] = 3; // 10.0 -> 10
        x[1] = -16; // 0.5 -> 0
        x[2] = 16; // same magnitude, later: 16.5 -> 16 -> 15
        x[3] = -1; // 8.0 -> 8
        x[4] = 1; // 9.0 -> 9
        x[5] = -3; // 7.0 -> 7
        byte[] q = Quantizer.quantize(GgmlType.Q4_0, x);
        assertEquals(Float.floatToFloat16(2f), le(q).getShort(0));
        int[] expectLow = {10, 0, 15, 8, 9, 7};
        for (int j = 0; j < expectLow.length; j++) {
            assertEquals(expectLow[j], q[2 + j] & 0x0F, "low nibble " + j);
        }
        // dequantized: (q - 8) * d
        WeightMatrix m = WeightMatrix.of("q", GgmlType.Q4_0, 1, 32, MemorySegment.ofArray(q));
        float[] y = new float[32];
        m.dequantizeRow(0, y, 0);
        assertEquals(4f, y[0]);
        assertEquals(-16f, y[1]);
        assertEquals(14f, y[2]);
        assertEquals(0f, y[16]);
    }

    @Test
    void q4_0OfZerosIsNegativeZeroScaleAndEights() {
        byte[] q = Quantizer.quantize(GgmlType.Q4_0, new float[32]);
        assertEquals((short) 0x8000, le(q).getShort(0)); // d = 0.0f / -8 = -0.0f, in C as in Java
        for (int j = 0; j < 16; j++) {
            assertEquals((byte) 0x88, q[2 + j]);
        }
    }

    @Test
    void q4_1MapsMinToZeroAndMaxToFifteen() {
        // min -5, max 10: d = 15/15 = 1, m = -5, q = min(15, (int)((x + 5) + 0.5))
        float[] x = new float[32];
        for (int j = 0; j < 32; j++) {
            x[j] = (j % 16) - 5;
        }
        x[20] = -2.5f; // 2.5 + 0.5 = 3.0 -> 3: halves round up
        x[21] = -2.51f; // 2.49 + 0.5 = 2.99 -> 2
        byte[] q = Quantizer.quantize(GgmlType.Q4_1, x);
        assertEquals(20, q.length);
        assertEquals(Float.floatToFloat16(1f), le(q).getShort(0));
        assertEquals(Float.floatToFloat16(-5f), le(q).getShort(2));
        for (int j = 0; j < 16; j++) {
            int lo = q[4 + j] & 0x0F;
            int hi = (q[4 + j] & 0xFF) >>> 4;
            assertEquals(j, lo, "low nibble " + j);
            assertEquals(j == 4 ? 3 : j == 5 ? 2 : j, hi, "high nibble " + j);
        }
    }

    @Test
    void bf16RoundsToNearestEvenAndKeepsNaN() {
        assertEquals((short) 0x3F80, Quantizer.floatToBf16(1f));
        assertEquals((short) 0x3F80, bf16(0x3F808000)); // tie, kept bit even: down
        assertEquals((short) 0x3F82, bf16(0x3F818000)); // tie, kept bit odd: up
        assertEquals((short) 0x3F81, bf16(0x3F808001)); // above the tie: up
        assertEquals((short) 0xBF80, bf16(0xBF807FFF)); // below the tie: down
        assertEquals((short) 0x7F80, bf16(0x7F800000)); // +inf
        assertEquals((short) 0xFF80, bf16(0xFF800000)); // -inf
        assertEquals((short) 0x7F80, bf16(0x7F7FFFFF)); // largest float rounds up to inf
        assertEquals((short) 0x7FC0, bf16(0x7F800001)); // signalling NaN made quiet
        assertEquals((short) 0x7FC0, bf16(0x7FC00000)); // quiet NaN
        assertEquals((short) 0xFFC1, bf16(0xFF812345)); // NaN keeps sign and top mantissa bits
        assertEquals((short) 0x0000, bf16(0x00008000)); // subnormal tie, rounded (not flushed)
        assertEquals((short) 0x0002, bf16(0x00018000));
        assertEquals((short) 0x8000, bf16(0x80000000)); // -0
    }

    private static short bf16(int bits) {
        return Quantizer.floatToBf16(Float.intBitsToFloat(bits));
    }

    @Test
    void f16AndBf16AndF32WriteLittleEndian() {
        float[] x = {1f, -2f, 0.1f, 65520f};
        ByteBuffer f16 = le(Quantizer.quantize(GgmlType.F16, x));
        assertEquals((short) 0x3C00, f16.getShort(0));
        assertEquals((short) 0xC000, f16.getShort(2));
        assertEquals((short) 0x2E66, f16.getShort(4));
        assertEquals((short) 0x7C00, f16.getShort(6)); // rounds to nearest even: overflows to inf
        ByteBuffer bf = le(Quantizer.quantize(GgmlType.BF16, x));
        assertEquals((short) 0x3F80, bf.getShort(0));
        assertEquals((short) 0xC000, bf.getShort(2));
        ByteBuffer f32 = le(Quantizer.quantize(GgmlType.F32, x));
        assertEquals(0.1f, f32.getFloat(8));
    }

    @Test
    void quantizedRowsDequantizeCloseToTheInput() {
        float[] x = Blocks.randomVector(256, 7);
        for (GgmlType t : new GgmlType[] {GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0,
            GgmlType.Q4_1}) {
            byte[] q = Quantizer.quantize(t, x);
            float[] y = new float[256];
            WeightMatrix.of("x", t, 1, 256, MemorySegment.ofArray(q)).dequantizeRow(0, y, 0);
            float tolerance = switch (t) {
                case F32 -> 0f;
                case F16, BF16 -> 0.02f;
                case Q8_0 -> 0.03f;
                default -> 0.6f;
            };
            for (int i = 0; i < 256; i++) {
                assertEquals(x[i], y[i], tolerance, t + " value " + i);
            }
        }
    }

    @Test
    void writesIntoASegmentAtAnOffset() {
        float[] x = Blocks.randomVector(40 + 64, 9);
        byte[] out = new byte[10 + 68];
        Quantizer.quantize(GgmlType.Q8_0, x, 40, 64, MemorySegment.ofArray(out), 10);
        float[] slice = java.util.Arrays.copyOfRange(x, 40, 104);
        assertArrayEquals(Quantizer.quantize(GgmlType.Q8_0, slice), java.util.Arrays.copyOfRange(out, 10, 78));
    }

    @Test
    void refusesPartialBlocksAndKQuants() {
        assertThrows(IllegalArgumentException.class, () -> Quantizer.quantize(GgmlType.Q8_0, new float[31]));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Quantizer.quantize(GgmlType.Q4_K, new float[256]));
        assertTrue(e.getMessage().contains("Q4_K"), e.getMessage());
    }
}
