package dev.llama3j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class Q8_0MatrixTest {
    /** Block: d = 0.5, q[j] = j - 16 except q[0] = -128 and q[31] = 127. */
    private static ByteBuffer block(float d) {
        ByteBuffer b = Blocks.buffer(34);
        b.putShort(Blocks.half(d));
        for (int j = 0; j < 32; j++) {
            b.put((byte) (j == 0 ? -128 : j == 31 ? 127 : j - 16));
        }
        return b;
    }

    @Test
    void dequantizesEachValueAsQTimesD() {
        WeightMatrix m = WeightMatrix.of("w", GgmlType.Q8_0, 1, 64, Blocks.segment(block(0.5f), block(-0.25f)));
        float[] out = new float[64];
        m.dequantizeRow(0, out, 0);
        assertEquals(-64f, out[0]);
        assertEquals(-7.5f, out[1]); // (1 - 16) * 0.5
        assertEquals(0f, out[16]);
        assertEquals(7f, out[30]);
        assertEquals(63.5f, out[31]);
        assertEquals(32f, out[32]); // -128 * -0.25
        assertEquals(3.75f, out[33]); // -15 * -0.25
        assertEquals(-31.75f, out[63]); // 127 * -0.25
        for (int j = 1; j < 31; j++) {
            assertEquals((j - 16) * 0.5f, out[j], "value " + j);
            assertEquals((j - 16) * -0.25f, out[32 + j], "value " + (32 + j));
        }
    }

    @Test
    void dequantizeWritesAtOffset() {
        WeightMatrix m = WeightMatrix.of("w", GgmlType.Q8_0, 2, 32, Blocks.segment(block(1f), block(2f)));
        float[] out = new float[70];
        m.dequantizeRow(1, out, 5);
        assertEquals(0f, out[4]);
        assertEquals(-256f, out[5]);
        assertEquals(254f, out[36]);
        assertEquals(0f, out[37]);
    }

    @Test
    void dotEqualsDotOfDequantizedRow() {
        Blocks.checkDotMatchesDequantized(
                WeightMatrix.of("w", GgmlType.Q8_0, 3, 96, Blocks.random(GgmlType.Q8_0, 9, 1, 0)), 11);
    }
}
