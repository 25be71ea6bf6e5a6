package dev.llama3j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.error.ModelFormatException;
import dev.llama3j.error.UnsupportedModelException;
import dev.llama3j.gguf.GgufWriter;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The FP8 kernels (one and two tokens, the fp32 panel path) in each activation mode, per-channel and
 * per-tensor scales, against a scalar reference written from the reference implementations' formulas:
 * {@code y = (Σ w_q·x_q) · w_scale · x_scale}.
 */
class Fp8MatrixTest {
    /** fbgemm quantize_fp8_per_row / compressed-tensors, written plainly: returns x_q, with x_scale in scaleOut[0]. */
    private static float[] quantize(float[] x, int off, int cols, Fp8Activations a, float[] scaleOut) {
        float[] q = new float[cols];
        switch (a.kind()) {
            case WEIGHT_ONLY -> {
                System.arraycopy(x, off, q, 0, cols);
                scaleOut[0] = 1;
            }
            case DYNAMIC_PER_TOKEN -> {
                float amax = 0;
                for (int k = 0; k < cols; k++) {
                    amax = Math.max(amax, Math.abs(x[off + k]));
                }
                float s = Math.max(Math.min(amax, a.value()) / 448f, a.minScale());
                for (int k = 0; k < cols; k++) {
                    q[k] = Fp8.e4m3ToFloat(Fp8.toE4m3(Math.max(-448f, Math.min(448f, x[off + k] / s))));
                }
                scaleOut[0] = s;
            }
            case STATIC -> {
                for (int k = 0; k < cols; k++) {
                    q[k] = Fp8.e4m3ToFloat(Fp8.toE4m3(Math.max(-448f, Math.min(448f, x[off + k] / a.value()))));
                }
                scaleOut[0] = a.value();
            }
        }
        return q;
    }

    @ParameterizedTest
    @CsvSource({
        "70, 96, none, 0, true, 1", "70, 96, dynamic, Infinity, true, 1", "33, 64, dynamic, 1200, false, 1",
        "64, 100, dynamic, 0.5, true, 1", "5, 128, static, 0.01, true, 1", "40, 64, static, 0.002, false, 1",
        "32, 40, none, 0, false, 1", "33, 64, none, 0, true, 1e25", "33, 64, dynamic, Infinity, true, 1e25",
        "33, 64, dynamic, Infinity, false, 1e-25", "33, 64, fbgemm, 1200, true, 1", "33, 64, fbgemm, 1200, true, 1e-4",
        "33, 64, ct, 0, false, 1", "33, 64, ct, 0, false, 1e-9",
        // odd column counts: one column left at the end of the last chunk (of the second stream; of
        // the first when there are fewer columns than a chunk)
        "9, 75, none, 0, true, 1", "40, 7, dynamic, Infinity, true, 1"})
    void kernelsMatchReference(int rows, int cols, String mode, float value, boolean perChannel, float magnitude) {
        Fp8Activations act = switch (mode) {
            case "none" -> Fp8Activations.none();
            case "dynamic" -> Fp8Activations.dynamicPerToken(value, Float.MIN_NORMAL);
            case "fbgemm" -> Fp8Activations.fbgemm(value);
            case "ct" -> Fp8Activations.compressedTensorsDynamic();
            default -> Fp8Activations.staticScale(value);
        };
        SplittableRandom r = new SplittableRandom(rows * 13L + cols);
        byte[] bytes = new byte[rows * cols];
        for (int i = 0; i < bytes.length; i++) {
            byte b;
            do {
                b = (byte) r.nextInt(256);
            } while (Fp8.isE4m3NaN(b));
            bytes[i] = b;
        }
        float[] scales = new float[perChannel ? rows : 1];
        for (int i = 0; i < scales.length; i++) {
            scales[i] = (float) (0.0005 + 0.001 * r.nextDouble());
        }
        Fp8Matrix m = Fp8Matrix.of("blk.1.ffn_down.weight", rows, cols, MemorySegment.ofArray(bytes), scales, act);
        float[] row = new float[cols];
        for (int i = 0; i < rows; i++) {
            m.dequantizeRow(i, row, 0);
            for (int k = 0; k < cols; k++) {
                assertEquals(Fp8.e4m3ToFloat(bytes[i * cols + k]) * scales[perChannel ? i : 0], row[k], 0f);
            }
        }
        MatmulInput in = new MatmulInput();
        for (int n : new int[] {1, 2, 3, 6}) {
            float[] x = new float[n * cols];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (r.nextGaussian() * (i % 7 == 0 ? 3 : 0.3) * magnitude);
            }
            float[] out = new float[n * rows];
            in.set(x, n, cols);
            for (int r0 = 0; r0 < rows; r0 += Gemm.G) {
                m.matmul(in, out, rows, r0, Math.min(rows, r0 + Gemm.G));
            }
            float[] xs = new float[1];
            for (int t = 0; t < n; t++) {
                float[] q = quantize(x, t * cols, cols, act, xs);
                for (int i = 0; i < rows; i++) {
                    double sum = 0;
                    double mag = 0;
                    for (int k = 0; k < cols; k++) {
                        double p = (double) Fp8.e4m3ToFloat(bytes[i * cols + k]) * q[k];
                        sum += p;
                        mag += Math.abs(p);
                    }
                    double s = (double) scales[perChannel ? i : 0] * xs[0];
                    assertTrue(Float.isFinite(out[t * rows + i]), "n=" + n + " token " + t + " row " + i);
                    assertEquals(sum * s, out[t * rows + i], (2e-6 * mag + 1e-30) * s, "n=" + n + " token " + t + " row " + i);
                }
            }
        }
    }

    @Test
    void manyPanelsRepackInParallel() {
        // More panels than the repack's parallel chunks, so buffers are reused, and a partial last panel.
        int rows = 40 * Gemm.G + 5;
        int cols = 48;
        byte[] bytes = new byte[rows * cols];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) ((i * 7 + i / cols) % 0x7f);
        }
        Fp8Matrix m = Fp8Matrix.of("w", rows, cols, MemorySegment.ofArray(bytes), new float[] {0.5f},
                Fp8Activations.none());
        float[] row = new float[cols];
        for (int i = 0; i < rows; i++) {
            m.dequantizeRow(i, row, 0);
            for (int k = 0; k < cols; k++) {
                assertEquals(Fp8.e4m3ToFloat(bytes[i * cols + k]) * 0.5f, row[k], 0f, "row " + i + " col " + k);
            }
        }
        // A NaN in a late panel is found too, whichever worker repacks it.
        bytes[(rows - 3) * cols + 2] = (byte) 0x7f;
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Fp8Matrix.of("w", rows, cols,
                MemorySegment.ofArray(bytes), new float[] {0.5f}, Fp8Activations.none()));
        assertTrue(e.getMessage().contains("row " + (rows - 3) + ", column 2"), e.getMessage());
    }

    @Test
    void refusesNaNWeights() {
        byte[] bytes = new byte[4 * 32];
        bytes[2 * 32 + 5] = (byte) 0xff;
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Fp8Matrix.of("blk.0.attn_k.weight", 4,
                32, MemorySegment.ofArray(bytes), new float[] {1f}, Fp8Activations.none()));
        assertTrue(e.getMessage().contains("blk.0.attn_k.weight") && e.getMessage().contains("row 2, column 5"),
                e.getMessage());
    }

    @Test
    void refusesBadScalesAndSizes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Fp8Matrix.of("w", 4, 32,
                MemorySegment.ofArray(new byte[128]), new float[3], Fp8Activations.none()));
        assertTrue(e.getMessage().contains("3 scales for 4 rows"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Fp8Matrix.of("w", 4, 32,
                MemorySegment.ofArray(new byte[100]), new float[1], Fp8Activations.none()));
        assertTrue(e.getMessage().contains("100 bytes"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Fp8Activations.staticScale(0f));
        assertThrows(IllegalArgumentException.class, () -> Fp8Activations.dynamicPerToken(Float.NaN, 1f));
    }

    @Test
    void ggufRefusesTheHuggingFaceLayoutsByName() {
        for (GgmlType t : new GgmlType[] {GgmlType.INT4_GROUP, GgmlType.F8_E4M3}) {
            UnsupportedModelException e = assertThrows(UnsupportedModelException.class,
                    () -> new GgufWriter().addTensor("blk.0.ffn_gate.weight", t, new long[] {64, 2}, out -> {}));
            assertTrue(e.getMessage().contains("blk.0.ffn_gate.weight") && e.getMessage().contains(t.name()),
                    e.getMessage());
        }
        UnsupportedModelException e = assertThrows(UnsupportedModelException.class,
                () -> GgmlType.fromId(GgmlType.F8_E4M3.id, "x"));
        assertTrue(e.getMessage().contains("unknown"), e.getMessage());
    }
}
