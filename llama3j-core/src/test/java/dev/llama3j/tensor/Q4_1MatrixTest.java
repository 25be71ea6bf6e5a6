package dev.llama3j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class Q4_1MatrixTest {
    @Test
    void valueIsNibbleTimesDPlusM() {
        // d = 0.5, m = -1; byte j = j | (15 - j) << 4: value j = j/2 - 1, value j+16 = (15-j)/2 - 1.
        ByteBuffer b = Blocks.buffer(20);
        b.putShort(Blocks.half(0.5f));
        b.putShort(Blocks.half(-1f));
        for (int j = 0; j < 16; j++) {
            b.put((byte) (j | (15 - j) << 4));
        }
        WeightMatrix m = WeightMatrix.of("w", GgmlType.Q4_1, 1, 32, Blocks.segment(b));
        float[] out = new float[32];
        m.dequantizeRow(0, out, 0);
        assertEquals(-1f, out[0]);
        assertEquals(6.5f, out[15]);
        assertEquals(6.5f, out[16]);
        assertEquals(-1f, out[31]);
        for (int j = 0; j < 16; j++) {
            assertEquals(j * 0.5f - 1, out[j], "value " + j);
            assertEquals((15 - j) * 0.5f - 1, out[j + 16], "value " + (j + 16));
        }
    }

    @Test
    void dotEqualsDotOfDequantizedRow() {
        Blocks.checkDotMatchesDequantized(
                WeightMatrix.of("w", GgmlType.Q4_1, 2, 128, Blocks.random(GgmlType.Q4_1, 8, 3, 0, 2)), 13);
    }
}
