package dev.llama3j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class Q4_KMatrixTest {
    /**
     * 12 packed bytes whose 6-bit scales and mins, worked out by hand from ggml's get_scale_min_k4, are
     * scales [1, 2, 3, 4, 26, 44, 62, 1] and mins [5, 6, 7, 8, 9, 27, 45, 63]. Sub-blocks 4..7 take their
     * low 4 bits from bytes 8..11 and their top 2 bits from the top bits of bytes 0..3 (scales) and 4..7
     * (mins): e.g. scale 5 = (0xBC &amp; 15) | (0x82 &gt;&gt; 6) &lt;&lt; 4 = 12 + 32.
     */
    static final byte[] SCALES = {0x41, (byte) 0x82, (byte) 0xC3, 0x04, 0x05, 0x46, (byte) 0x87, (byte) 0xC8,
        (byte) 0x9A, (byte) 0xBC, (byte) 0xDE, (byte) 0xF1};
    static final int[] SC = {1, 2, 3, 4, 26, 44, 62, 1};
    static final int[] MIN = {5, 6, 7, 8, 9, 27, 45, 63};

    @Test
    void unpacksSixBitScalesAndMins() {
        MemorySegment s = MemorySegment.ofArray(SCALES);
        for (int j = 0; j < 8; j++) {
            assertEquals(SC[j], KQuantScales.scale(s, 0, j), "scale " + j);
            assertEquals(MIN[j], KQuantScales.min(s, 0, j), "min " + j);
            assertEquals(SC[j], KQuantScales.scale(SCALES, 0, j), "scale " + j + " from an array");
            assertEquals(MIN[j], KQuantScales.min(SCALES, 0, j), "min " + j + " from an array");
        }
    }

    /** d = 1, dmin = 0.5; chunk byte l = (l%16) | (15 - l%16) &lt;&lt; 4 in each of the 4 chunks. */
    static ByteBuffer block() {
        ByteBuffer b = Blocks.buffer(144);
        b.putShort(Blocks.half(1f));
        b.putShort(Blocks.half(0.5f));
        b.put(SCALES);
        for (int c = 0; c < 4; c++) {
            for (int l = 0; l < 32; l++) {
                b.put((byte) ((l % 16) | (15 - l % 16) << 4));
            }
        }
        return b;
    }

    @Test
    void dequantizesChunksAsLowThenHighNibbles() {
        WeightMatrix m = WeightMatrix.of("w", GgmlType.Q4_K, 1, 256, Blocks.segment(block()));
        float[] y = new float[256];
        m.dequantizeRow(0, y, 0);
        // worked by hand: value = d*scale*q - dmin*min
        assertEquals(-2.5f, y[0]); // sub-block 0: 1*0 - 0.5*5
        assertEquals(-3f, y[63]); // sub-block 1, q = 15 - 15: 0 - 0.5*6
        assertEquals(125.5f, y[128 + 5]); // sub-block 4: 26*5 - 4.5
        assertEquals(602.5f, y[128 + 32 + 1]); // sub-block 5: 44*14 - 13.5
        assertEquals(101.5f, y[192 + 2]); // sub-block 6: 62*2 - 22.5
        assertEquals(-16.5f, y[192 + 32]); // sub-block 7: 1*15 - 31.5
        for (int c = 0; c < 4; c++) {
            for (int l = 0; l < 32; l++) {
                assertEquals(SC[2 * c] * (l % 16) - 0.5f * MIN[2 * c], y[64 * c + l], "value " + (64 * c + l));
                assertEquals(SC[2 * c + 1] * (15 - l % 16) - 0.5f * MIN[2 * c + 1], y[64 * c + 32 + l],
                        "value " + (64 * c + 32 + l));
            }
        }
    }

    @Test
    void dotEqualsDotOfDequantizedRow() {
        Blocks.checkDotMatchesDequantized(
                WeightMatrix.of("w", GgmlType.Q4_K, 3, 512, Blocks.random(GgmlType.Q4_K, 6, 4, 0, 2)), 14);
    }
}
