package dev.llama3j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class Q4_0MatrixTest {
    @Test
    void lowNibblesAreTheFirstHalfHighNibblesTheSecond() {
        // d = 2; byte j = j | (15 - j) << 4, so value j = (j - 8) * 2 and value j+16 = (7 - j) * 2.
        ByteBuffer b = Blocks.buffer(18);
        b.putShort(Blocks.half(2f));
        for (int j = 0; j < 16; j++) {
            b.put((byte) (j | (15 - j) << 4));
        }
        WeightMatrix m = WeightMatrix.of("w", GgmlType.Q4_0, 1, 32, Blocks.segment(b));
        float[] out = new float[32];
        m.dequantizeRow(0, out, 0);
        assertEquals(-16f, out[0]);
        assertEquals(14f, out[15]);
        assertEquals(14f, out[16]);
        assertEquals(-16f, out[31]);
        for (int j = 0; j < 16; j++) {
            assertEquals((j - 8) * 2f, out[j], "value " + j);
            assertEquals((7 - j) * 2f, out[j + 16], "value " + (j + 16));
        }
    }

    @Test
    void dotEqualsDotOfDequantizedRow() {
        Blocks.checkDotMatchesDequantized(
                WeightMatrix.of("w", GgmlType.Q4_0, 4, 64, Blocks.random(GgmlType.Q4_0, 8, 2, 0)), 12);
    }
}
