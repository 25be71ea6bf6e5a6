package dev.llama3j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The vector F16 kernels against {@link Float#float16ToFloat}: every finite half, subnormals and signed zeros included. */
class F16MatrixTest {
    @ParameterizedTest
    @ValueSource(ints = {1, 7, 64, 203, 2048})
    void dotAndRowsEqualTheScalarConversion(int cols) {
        int rows = 5;
        SplittableRandom r = new SplittableRandom(cols);
        short[] halves = new short[rows * cols];
        for (int i = 0; i < halves.length; i++) {
            short h;
            do {
                h = (short) r.nextInt(1 << 16);
            } while ((h & 0x7c00) == 0x7c00); // no infinities or NaNs
            halves[i] = h;
        }
        halves[0] = (short) 0x8000; // -0
        if (halves.length > 2) {
            halves[1] = 0x0001; // smallest subnormal
            halves[2] = 0x7bff; // 65504
        }
        MemorySegment seg = MemorySegment.ofArray(new byte[2 * halves.length]);
        for (int i = 0; i < halves.length; i++) {
            seg.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * i, halves[i]);
        }
        WeightMatrix m = WeightMatrix.of("w", GgmlType.F16, rows, cols, seg);
        float[] x = new float[cols + 3];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian() * 1e-3f;
        }
        float[] row = new float[cols + 1];
        for (int k = 0; k < rows; k++) {
            m.dequantizeRow(k, row, 1);
            double expected = 0;
            double magnitude = 0;
            for (int c = 0; c < cols; c++) {
                float w = Float.float16ToFloat(halves[k * cols + c]);
                assertEquals(Float.floatToRawIntBits(w), Float.floatToRawIntBits(row[1 + c]), "row " + k + " col " + c);
                expected += (double) w * x[3 + c];
                magnitude += Math.abs((double) w * x[3 + c]);
            }
            assertEquals(expected, m.dot(k, x, 3), 1e-6 * magnitude + 1e-12, "dot of row " + k);
        }
    }
}
