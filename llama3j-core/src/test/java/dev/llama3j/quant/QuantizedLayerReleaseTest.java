package dev.llama3j.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.llama3j.model.LlamaConfig;
import dev.llama3j.safetensors.SafetensorsCheckpoint;
import dev.llama3j.tensor.Fp8;
import dev.llama3j.tensor.WeightMatrix;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A quantized layer's matrix, built from its codes a panel at a time ({@code Int4Codes.rows}), holds the
 * values its holder gives one by one ({@code Int4Weights.value}, {@code Fp8Weights}); and dropping the
 * layer's mapped pages ({@link QuantizedCheckpoint#release}) leaves the mapping readable: the same layer
 * read again gives the same matrix.
 */
class QuantizedLayerReleaseTest {
    @Test
    void panelsMatchTheHolderAndSurviveRelease() {
        for (String format : QuantizedCheckpointParityTest.FORMATS) {
            Path dir = QuantizedCheckpointParityTest.folder(format);
            LlamaConfig c = LlamaConfig.fromHuggingFace(dir.resolve("config.json"));
            String module = "model.layers.1.mlp.down_proj";
            int rows = c.hiddenSize();
            int cols = c.intermediateSize();
            try (SafetensorsCheckpoint st = SafetensorsCheckpoint.open(dir)) {
                QuantizedCheckpoint qc = new QuantizedCheckpoint(dir, st, QuantizationConfig.read(dir));
                if (!qc.quantizes(module)) {
                    continue;
                }
                QuantizedLayer layer = qc.layer(module, rows, cols);
                WeightMatrix before = layer.toMatrix();
                qc.release(module);
                WeightMatrix after = qc.layer(module, rows, cols).toMatrix();
                float[] a = new float[cols];
                float[] b = new float[cols];
                float[] expected = new float[cols];
                for (int r = 0; r < rows; r++) {
                    before.dequantizeRow(r, a, 0);
                    after.dequantizeRow(r, b, 0);
                    assertArrayEquals(a, b, format + " row " + r + " after release");
                    expectedRow(layer, r, expected);
                    for (int i = 0; i < cols; i++) {
                        assertEquals(expected[i], a[i], 1e-6f * Math.max(1f, Math.abs(expected[i])),
                                format + " row " + r + " input " + i);
                    }
                }
            }
        }
    }

    /** Row {@code r} in model input order, from the holder's one-value accessors. */
    private static void expectedRow(QuantizedLayer layer, int r, float[] out) {
        if (layer instanceof QuantizedLayer.Int4(Int4Weights w)) {
            for (int c = 0; c < w.cols(); c++) {
                out[w.inputOrder() == null ? c : w.inputOrder()[c]] = w.value(r, c);
            }
        } else if (layer instanceof QuantizedLayer.Fp8(Fp8Weights w)) {
            for (int c = 0; c < w.cols(); c++) {
                byte e4m3 = w.e4m3().get(ValueLayout.JAVA_BYTE, (long) r * w.cols() + c);
                out[c] = Fp8.e4m3ToFloat(e4m3) * w.scale(r);
            }
        }
    }
}
