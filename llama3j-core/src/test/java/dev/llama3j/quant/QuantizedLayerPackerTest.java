package dev.llama3j.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.model.LlamaConfig;
import dev.llama3j.safetensors.SafetensorsCheckpoint;
import dev.llama3j.safetensors.SafetensorsTensor;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link QuantizedLayerPacker} is the unpackers' inverse and packs as the reference code does: every
 * quantized layer of each chat fixture (packed by {@code tools/fixtures/make_quantized_fixtures.py}
 * after AutoAWQ, AutoGPTQ, compressed-tensors and fbgemm), unpacked and packed again, gives the
 * fixture's tensors byte for byte: same dtypes, shapes and bytes.
 */
class QuantizedLayerPackerTest {
    private static final String[] PROJ = {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj",
        "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"};

    @Test
    void repackingEachFixtureGivesItsBytes() {
        int checked = 0;
        for (String format : QuantizedCheckpointParityTest.FORMATS) {
            Path dir = QuantizedCheckpointParityTest.folder(format);
            LlamaConfig c = LlamaConfig.fromHuggingFace(dir.resolve("config.json"));
            try (SafetensorsCheckpoint st = SafetensorsCheckpoint.open(dir)) {
                QuantizedCheckpoint qc = new QuantizedCheckpoint(dir, st, QuantizationConfig.read(dir));
                for (int l = 0; l < c.numLayers(); l++) {
                    for (String p : PROJ) {
                        String module = "model.layers." + l + "." + p;
                        if (!qc.quantizes(module)) {
                            continue;
                        }
                        int rows = p.endsWith("q_proj") ? c.qDim() : p.endsWith("k_proj") || p.endsWith("v_proj")
                                ? c.kvDim() : p.startsWith("mlp.gate") || p.startsWith("mlp.up")
                                ? c.intermediateSize() : c.hiddenSize();
                        int cols = p.endsWith("o_proj") ? c.qDim() : p.endsWith("down_proj") ? c.intermediateSize()
                                : c.hiddenSize();
                        for (QuantizedLayerPacker.Part part : repack(qc, format, module, rows, cols)) {
                            SafetensorsTensor stored = st.tensors().get(module + part.suffix());
                            String what = format + " " + module + part.suffix();
                            assertEquals(stored.dtype(), part.dtype(), what);
                            assertArrayEquals(stored.shape(), part.shape(), what);
                            assertArrayEquals(stored.data().toArray(ValueLayout.JAVA_BYTE), part.data(), what);
                            checked++;
                        }
                    }
                }
            }
        }
        assertTrue(checked > 200, checked + " tensors compared");
    }

    private static List<QuantizedLayerPacker.Part> repack(QuantizedCheckpoint qc, String format, String module,
            int rows, int cols) {
        QuantizedLayer layer = qc.layer(module, rows, cols);
        if (layer instanceof QuantizedLayer.Fp8(Fp8Weights w)) {
            return QuantizedLayerPacker.fp8(rows, cols, w.e4m3().toArray(ValueLayout.JAVA_BYTE), w.scales(),
                    format.equals("fbgemm-fp8") ? "F32" : "BF16");
        }
        Int4Weights w = ((QuantizedLayer.Int4) layer).weights();
        return switch (format) {
            case "awq" -> QuantizedLayerPacker.awq(w);
            case "gptq", "gptq-act" -> QuantizedLayerPacker.gptq(w, qc.config().zerosMinusOne());
            default -> QuantizedLayerPacker.compressedInt4(w);
        };
    }
}
