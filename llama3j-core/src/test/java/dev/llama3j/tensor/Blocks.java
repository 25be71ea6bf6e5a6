package dev.llama3j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

/** Builds quantized blocks byte by byte for the tensor tests, and checks dot against dequantization. */
final class Blocks {
    private Blocks() {}

    /** A little-endian buffer of {@code n} bytes to fill field by field. */
    static ByteBuffer buffer(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }

    static short half(float f) {
        return Float.floatToFloat16(f);
    }

    static MemorySegment segment(ByteBuffer... blocks) {
        int n = 0;
        for (ByteBuffer b : blocks) {
            n += b.capacity();
        }
        byte[] all = new byte[n];
        int off = 0;
        for (ByteBuffer b : blocks) {
            System.arraycopy(b.array(), 0, all, off, b.capacity());
            off += b.capacity();
        }
        return MemorySegment.ofArray(all);
    }

    /**
     * Random bytes for {@code blocks} blocks of {@code type}, with each fp16 field listed in
     * {@code halfOffsets} (within a block) set to a modest finite value so that values stay finite.
     */
    static MemorySegment random(GgmlType type, int blocks, long seed, int... halfOffsets) {
        Random r = new Random(seed);
        byte[] b = new byte[blocks * type.typeSize];
        r.nextBytes(b);
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        for (int k = 0; k < blocks; k++) {
            for (int h : halfOffsets) {
                bb.putShort(k * type.typeSize + h, half((r.nextFloat() - 0.4f) * 0.05f));
            }
        }
        return MemorySegment.ofArray(b);
    }

    static float[] randomVector(int n, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    /**
     * {@code dot(row, x, off)} equals the dot of the dequantized row with x (up to float rounding) for
     * every row, at a nonzero offset into x; and matmul agrees with dot.
     */
    static void checkDotMatchesDequantized(WeightMatrix m, long seed) {
        int cols = m.cols();
        int off = 3;
        float[] x = randomVector(off + cols, seed);
        float[] row = new float[cols];
        for (int r = 0; r < m.rows(); r++) {
            m.dequantizeRow(r, row, 0);
            double expected = 0;
            double magnitude = 0;
            for (int i = 0; i < cols; i++) {
                expected += (double) row[i] * x[off + i];
                magnitude += Math.abs((double) row[i] * x[off + i]);
            }
            float got = m.dot(r, x, off);
            assertEquals(expected, got, 1e-5 * magnitude + 1e-6, m + " row " + r);
        }
        // two input vectors at stride cols+off; outputs at stride rows+1
        float[] xs = randomVector(2 * (cols + off), seed + 1);
        float[] out = new float[2 * (m.rows() + 1)];
        m.matmul(xs, 2, cols + off, out, m.rows() + 1, 0, m.rows());
        for (int b = 0; b < 2; b++) {
            for (int r = 0; r < m.rows(); r++) {
                assertEquals(m.dot(r, xs, b * (cols + off)), out[b * (m.rows() + 1) + r], 0f, "matmul " + b + "," + r);
            }
        }
    }
}
