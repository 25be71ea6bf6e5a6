package dev.llama3j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link Gemm}'s packed inputs and register tiles against a scalar product: every token count up to
 * three register tiles and a remainder (so every tile width and every mix of them runs), whole and
 * partial panels, and inputs read from a strided source. Also run with 256- and 128-bit vectors.
 */
class GemmTest {
    @Test
    void everyTileWidthAndRemainderMatchesAScalarProduct() {
        SplittableRandom r = new SplittableRandom(7);
        int K = 37;
        int g = Gemm.G;
        float[] panel = new float[K * g];
        for (int i = 0; i < panel.length; i++) {
            panel[i] = (float) r.nextDouble(-1, 1);
        }
        for (int rows : new int[] {g, g - 3, 1}) {
            for (int n = 1; n <= 3 * Gemm.TILE + 5; n++) {
                int stride = K + 3; // inputs at a stride, as the training backward pass reads dy
                float[] src = new float[2 + n * stride];
                for (int i = 0; i < src.length; i++) {
                    src[i] = (float) r.nextDouble(-1, 1);
                }
                float[] packed = new float[n * K];
                Gemm.pack(src, 2, stride, n, K, packed);
                int outStride = g + 5;
                float[] out = new float[n * outStride + 1];
                // The panel also from an offset, as the engine starts it at a cache line.
                float[] shifted = new float[7 + panel.length];
                System.arraycopy(panel, 0, shifted, 7, panel.length);
                float[] outShifted = new float[out.length];
                Gemm.multiply(panel, K, rows, packed, n, out, outStride, 1);
                Gemm.multiply(shifted, 7, K, rows, packed, n, outShifted, outStride, 1);
                org.junit.jupiter.api.Assertions.assertArrayEquals(out, outShifted, "panel from offset 7, n " + n);
                for (int t = 0; t < n; t++) {
                    for (int row = 0; row < rows; row++) {
                        double want = 0;
                        for (int k = 0; k < K; k++) {
                            want += (double) panel[k * g + row] * src[2 + t * stride + k];
                        }
                        assertEquals(want, out[t * outStride + 1 + row], 1e-4,
                                "rows " + rows + ", n " + n + ", token " + t + ", row " + row);
                    }
                    if (rows < g) {
                        assertEquals(0f, out[t * outStride + 1 + rows], "row past the panel written, n " + n);
                    }
                }
            }
        }
    }

    @Test
    void tilesFollowOneAnotherWithoutGaps() {
        for (int n = 1; n <= 40; n++) {
            int t = 0;
            while (t < n) {
                int w = Gemm.tileWidth(t, n);
                assertEquals(true, w >= 1 && t + w <= n, "n " + n + " tile at " + t + " of " + w);
                t += w;
            }
            assertEquals(n, t);
        }
    }
}
