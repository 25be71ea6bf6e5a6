package dev.llama3j.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.llama3j.tensor.GgmlType;
import dev.llama3j.tensor.WeightMatrix;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A miniature Llama GGUF written the way convert_hf_to_gguf.py lays one out (keys, value types, names,
 * permuted Q/K, rope_freqs), read back through the same constants.
 */
class MiniLlamaGgufTest {
    @TempDir
    Path dir;

    @Test
    void writesAndReadsAMiniatureLlama() {
        int hidden = 64;
        int heads = 4;
        int kvHeads = 2;
        int headDim = hidden / heads;
        float[] q = new float[hidden * hidden]; // HF q_proj [out=64, in=64], row r filled with r
        for (int i = 0; i < q.length; i++) {
            q[i] = i / hidden;
        }
        float[] ropeFreqs = Llama3RopeFactors.compute(500000, headDim, 8, 1, 4, 8192);
        float[] norm = new float[hidden];
        java.util.Arrays.fill(norm, 1f);

        Path p = dir.resolve("mini.gguf");
        new GgufWriter()
                .putString(GgufKeys.GENERAL_ARCHITECTURE, GgufKeys.ARCHITECTURE_LLAMA)
                .putUint32(GgufKeys.LLAMA_CONTEXT_LENGTH, 131072)
                .putUint32(GgufKeys.LLAMA_EMBEDDING_LENGTH, hidden)
                .putUint32(GgufKeys.LLAMA_BLOCK_COUNT, 1)
                .putUint32(GgufKeys.LLAMA_FEED_FORWARD_LENGTH, 224)
                .putUint32(GgufKeys.LLAMA_HEAD_COUNT, heads)
                .putUint32(GgufKeys.LLAMA_HEAD_COUNT_KV, kvHeads)
                .putFloat32(GgufKeys.LLAMA_ROPE_FREQ_BASE, 500000f)
                .putFloat32(GgufKeys.LLAMA_RMS_EPS, 1e-5f)
                .putUint32(GgufKeys.LLAMA_ROPE_DIMENSION_COUNT, headDim)
                .putUint32(GgufKeys.LLAMA_VOCAB_SIZE, 4)
                .putUint32(GgufKeys.GENERAL_FILE_TYPE, GgufFileType.MOSTLY_Q8_0.id)
                .putUint32(GgufKeys.GENERAL_QUANTIZATION_VERSION, GgufKeys.QUANTIZATION_VERSION)
                .putString(GgufKeys.TOKENIZER_MODEL, GgufKeys.TOKENIZER_MODEL_GPT2)
                .putString(GgufKeys.TOKENIZER_PRE, GgufKeys.TOKENIZER_PRE_LLAMA_BPE)
                .put(GgufKeys.TOKENIZER_TOKENS, GgufValue.stringArray("a", "b", "<|begin_of_text|>", "<|eot_id|>"))
                .put(GgufKeys.TOKENIZER_TOKEN_TYPE, GgufValue.int32Array(GgufKeys.TOKEN_TYPE_NORMAL,
                        GgufKeys.TOKEN_TYPE_NORMAL, GgufKeys.TOKEN_TYPE_CONTROL, GgufKeys.TOKEN_TYPE_CONTROL))
                .put(GgufKeys.TOKENIZER_MERGES, GgufValue.stringArray("a b"))
                .putUint32(GgufKeys.TOKENIZER_BOS_ID, 2)
                .putUint32(GgufKeys.TOKENIZER_EOS_ID, 3)
                .putUint32(GgufKeys.TOKENIZER_EOT_ID, 3)
                .putString(GgufKeys.TOKENIZER_CHAT_TEMPLATE, "{{ messages }}")
                .addTensor(LlamaGgufNames.ROPE_FREQS, GgmlType.F32, new long[] {headDim / 2},
                        out -> out.writeFloats(ropeFreqs, 0, ropeFreqs.length))
                .addTensor(LlamaGgufNames.attnNorm(0), GgmlType.F32, new long[] {hidden},
                        out -> out.writeFloats(norm, 0, hidden))
                .addTensor(LlamaGgufNames.attnQ(0), GgmlType.Q8_0, new long[] {hidden, hidden}, out -> {
                    float[] permuted = RotaryPermutation.hfToGguf(q, hidden, hidden, heads);
                    for (int r = 0; r < hidden; r++) {
                        out.writeQuantized(GgmlType.Q8_0, permuted, r * hidden, hidden);
                    }
                })
                .write(p);

        try (GgufFile f = GgufFile.open(p)) {
            assertEquals("llama", f.getString(GgufKeys.GENERAL_ARCHITECTURE));
            assertEquals(GgufValueType.UINT32, f.get(GgufKeys.LLAMA_HEAD_COUNT_KV).type());
            assertEquals(2, f.getInt(GgufKeys.LLAMA_HEAD_COUNT_KV));
            assertEquals(500000f, f.getFloat(GgufKeys.LLAMA_ROPE_FREQ_BASE));
            assertEquals(1e-5f, f.getFloat(GgufKeys.LLAMA_RMS_EPS));
            assertEquals(4, f.getStringArray(GgufKeys.TOKENIZER_TOKENS).length);
            assertArrayEquals(new int[] {1, 1, 3, 3}, f.getIntArray(GgufKeys.TOKENIZER_TOKEN_TYPE));
            assertArrayEquals(ropeFreqs, f.tensor(LlamaGgufNames.ROPE_FREQS).toFloatArray());

            GgufTensor wq = f.tensor(LlamaGgufNames.attnQ(0)).requireDims(hidden, hidden);
            assertEquals("model.layers.0.self_attn.q_proj.weight", LlamaGgufNames.toHf(wq.name()));
            WeightMatrix m = wq.asMatrix();
            float[] row = new float[hidden];
            for (int g = 0; g < hidden; g++) { // GGUF row g holds HF row ggufToHfRow(g), whose values are that row index
                m.dequantizeRow(g, row, 0);
                assertEquals(RotaryPermutation.ggufToHfRow(g, headDim), row[0], 0.1f, "GGUF row " + g);
            }
        }
    }
}
