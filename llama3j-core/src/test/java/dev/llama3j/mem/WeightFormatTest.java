package dev.llama3j.mem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.tensor.GgmlType;
import org.junit.jupiter.api.Test;

class WeightFormatTest {
    private static final ModelShape B8 = KnownModels.LLAMA_3_1_8B;

    private static ModelTensor tensor(TensorRole role, int layer) {
        return B8.tensors().stream().filter(t -> t.role() == role && t.layer() == layer).findFirst().orElseThrow();
    }

    @Test
    void blockFormatsCountTheirScales() {
        ModelTensor q = tensor(TensorRole.ATTN_Q, 0); // 4096 × 4096
        assertEquals(4096L * 4096 / 32 * 34, WeightFormat.Q8_0.bytes(q, B8));
        assertEquals(4096L * 4096 / 32 * 18, WeightFormat.Q4_0.bytes(q, B8));
        assertEquals(4096L * 4096 / 256 * 144, WeightFormat.Q4_K_M.bytes(q, B8));
        ModelTensor norm = tensor(TensorRole.NORM, 0);
        assertEquals(4096 * 4, WeightFormat.Q4_K_M.bytes(norm, B8));
        assertEquals(4096 * 2, WeightFormat.BF16.bytes(norm, B8));
    }

    @Test
    void q4KmRecipe() {
        int more = 0;
        for (int l = 0; l < 32; l++) {
            more += WeightFormat.useMoreBits(l, 32) ? 1 : 0;
        }
        assertEquals(16, more);
        assertEquals(GgmlType.Q6_K, WeightFormat.Q4_K_M.ggmlType(tensor(TensorRole.ATTN_V, 0), B8));
        assertEquals(GgmlType.Q4_K, WeightFormat.Q4_K_M.ggmlType(tensor(TensorRole.ATTN_V, 4), B8));
        assertEquals(GgmlType.Q6_K, WeightFormat.Q4_K_M.ggmlType(tensor(TensorRole.FFN_DOWN, 6), B8));
        assertEquals(GgmlType.Q4_K, WeightFormat.Q4_K_M.ggmlType(tensor(TensorRole.FFN_UP, 6), B8));
        assertEquals(GgmlType.Q6_K, WeightFormat.Q4_K_M.ggmlType(tensor(TensorRole.OUTPUT, -1), B8));
        assertEquals(GgmlType.Q4_K, WeightFormat.Q4_K_M.ggmlType(tensor(TensorRole.TOKEN_EMBEDDING, -1), B8));
        ModelShape b70 = KnownModels.LLAMA_3_1_70B;
        ModelTensor v70 = b70.tensors().stream().filter(t -> t.role() == TensorRole.ATTN_V && t.layer() == 11)
                .findFirst().orElseThrow();
        assertEquals(GgmlType.Q5_K, WeightFormat.Q4_K_M.ggmlType(v70, b70));
    }

    @Test
    void closeToPublishedGgufSizes() {
        // Published Llama 3.1 GGUF file sizes (GB) include about 8 MB of metadata (the tokenizer) besides tensors.
        assertEquals(4.92, ByteSize.gb(WeightFormat.Q4_K_M.bytes(B8)), 0.02);
        assertEquals(4.66, ByteSize.gb(WeightFormat.Q4_0.bytes(B8)), 0.02);
        assertEquals(8.54, ByteSize.gb(WeightFormat.Q8_0.bytes(B8)), 0.02);
        assertEquals(42.5, ByteSize.gb(WeightFormat.Q4_K_M.bytes(KnownModels.LLAMA_3_1_70B)), 0.2);
    }

    @Test
    void parsesNames() {
        assertEquals(WeightFormat.BF16, WeightFormat.parse("fp16"));
        assertEquals(WeightFormat.BF16, WeightFormat.parse("BF16"));
        assertEquals(WeightFormat.Q4_K_M, WeightFormat.parse("Q4_K_M"));
        assertEquals(WeightFormat.Q4_K_M, WeightFormat.parse("q4-k-m"));
        assertThrows(InvalidRequestException.class, () -> WeightFormat.parse("q3_k"));
        assertEquals(CacheType.Q8_0, CacheType.parse("q8_0"));
        assertEquals(34L * 32, CacheType.Q8_0.bytes(1024));
        assertThrows(InvalidRequestException.class, () -> CacheType.parse("int8"));
    }
}
