package dev.llama3j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class Q5_KMatrixTest {
    /**
     * d = 1, dmin = 0.5, the scales of {@link Q4_KMatrixTest#SCALES}, qh[l] = 1 &lt;&lt; (l % 8), and the
     * nibbles of Q4_KMatrixTest. Chunk c adds 16 to its low-nibble value l when qh[l] has bit 2c, and to
     * its high-nibble value l when qh[l] has bit 2c+1.
     */
    static ByteBuffer block() {
        ByteBuffer b = Blocks.buffer(176);
        b.putShort(Blocks.half(1f));
        b.putShort(Blocks.half(0.5f));
        b.put(Q4_KMatrixTest.SCALES);
        for (int l = 0; l < 32; l++) {
            b.put((byte) (1 << (l % 8)));
        }
        for (int c = 0; c < 4; c++) {
            for (int l = 0; l < 32; l++) {
                b.put((byte) ((l % 16) | (15 - l % 16) << 4));
            }
        }
        return b;
    }

    @Test
    void addsTheFifthBitFromQh() {
        WeightMatrix m = WeightMatrix.of("w", GgmlType.Q5_K, 1, 256, Blocks.segment(block()));
        float[] y = new float[256];
        m.dequantizeRow(0, y, 0);
        assertEquals(13.5f, y[0]); // chunk 0 low, qh[0] bit 0: 1*(0+16) - 2.5
        assertEquals(-1.5f, y[1]); // qh[1] has bit 1 only: 1*1 - 2.5
        assertEquals(57f, y[32 + 1]); // chunk 0 high, qh[1] bit 1: 2*(14+16) - 3
        assertEquals(-7.5f, y[192 + 32 + 7]); // chunk 3 high, qh[7] bit 7: 1*(8+16) - 31.5
        int[] sc = Q4_KMatrixTest.SC;
        int[] min = Q4_KMatrixTest.MIN;
        for (int c = 0; c < 4; c++) {
            for (int l = 0; l < 32; l++) {
                int lo = (l % 16) + (l % 8 == 2 * c ? 16 : 0);
                int hi = (15 - l % 16) + (l % 8 == 2 * c + 1 ? 16 : 0);
                assertEquals(sc[2 * c] * lo - 0.5f * min[2 * c], y[64 * c + l], "value " + (64 * c + l));
                assertEquals(sc[2 * c + 1] * hi - 0.5f * min[2 * c + 1], y[64 * c + 32 + l], "value " + (64 * c + 32 + l));
            }
        }
    }

    @Test
    void dotEqualsDotOfDequantizedRow() {
        Blocks.checkDotMatchesDequantized(
                WeightMatrix.of("w", GgmlType.Q5_K, 2, 768, Blocks.random(GgmlType.Q5_K, 6, 5, 0, 2)), 15);
    }
}
