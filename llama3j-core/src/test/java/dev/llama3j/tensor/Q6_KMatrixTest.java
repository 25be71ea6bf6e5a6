package dev.llama3j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class Q6_KMatrixTest {
    static final byte[] SCALES = {1, -2, 3, -4, 5, -6, 7, -8, 9, -10, 11, -12, 13, -14, 15, -16};

    /** d = 0.5, the scales above, ql and qh zero except the bytes the test sets. */
    static ByteBuffer block() {
        ByteBuffer b = Blocks.buffer(210);
        b.put(0, (byte) 0x21).put(32, (byte) 0x43).put(128, (byte) 0xE4); // l = 0 of half 0
        b.put(16, (byte) 0x0F).put(48, (byte) 0xF0).put(128 + 16, (byte) 0x1B); // l = 16 of half 0
        b.put(64, (byte) 0x05).put(128 + 32, (byte) 0x03); // l = 0 of half 1
        b.put(192, SCALES);
        b.putShort(208, Blocks.half(0.5f));
        return b;
    }

    @Test
    void combinesLowAndHighBitsWithSignedScales() {
        WeightMatrix m = WeightMatrix.of("w", GgmlType.Q6_K, 1, 256, Blocks.segment(block()));
        float[] y = new float[256];
        m.dequantizeRow(0, y, 0);
        // worked by hand: q = (4 bits of ql | 2 bits of qh << 4) - 32; value = d * scale * q
        assertEquals(-15.5f, y[0]); // ql[0] lo 1, qh bits 0-1 = 0: q = -31, scale 1
        assertEquals(-19.5f, y[32]); // ql[32] lo 3, qh bits 2-3 = 1: q = 19 - 32, scale 3
        assertEquals(5f, y[64]); // ql[0] hi 2, qh bits 4-5 = 2: q = 34 - 32, scale 5
        assertEquals(70f, y[96]); // ql[32] hi 4, qh bits 6-7 = 3: q = 52 - 32, scale 7
        assertEquals(-31f, y[16]); // ql[16] lo 15, qh[16] bits 0-1 = 3: q = 31, scale -2
        assertEquals(-0f, y[48]); // ql[48] lo 0, bits 2-3 = 2: q = 0, times scale -4
        assertEquals(48f, y[80]); // ql[16] hi 0, bits 4-5 = 1: q = -16, scale -6
        assertEquals(68f, y[112]); // ql[48] hi 15, bits 6-7 = 0: q = -17, scale -8
        assertEquals(94.5f, y[128]); // half 1: ql[64] lo 5, qh[32] bits 0-1 = 3: q = 21, scale 9
        int[] set = {0, 16, 32, 48, 64, 80, 96, 112, 128};
        for (int p = 0; p < 256; p++) {
            if (java.util.Arrays.binarySearch(set, p) >= 0) {
                continue;
            }
            int n = p / 128;
            int l = p % 32;
            int quarter = (p % 128) / 32;
            int scale = SCALES[8 * n + l / 16 + 2 * quarter];
            assertEquals(0.5f * scale * -32, y[p], "value " + p + " (all bits zero)");
        }
    }

    @Test
    void dotEqualsDotOfDequantizedRow() {
        Blocks.checkDotMatchesDequantized(
                WeightMatrix.of("w", GgmlType.Q6_K, 3, 512, Blocks.random(GgmlType.Q6_K, 6, 6, 208)), 16);
    }
}
