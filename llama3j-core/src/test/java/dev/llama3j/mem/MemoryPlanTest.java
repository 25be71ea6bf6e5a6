package dev.llama3j.mem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MemoryPlanTest {
    private static final ModelShape B8 = KnownModels.LLAMA_3_1_8B;

    @Test
    void longestContextIsTheLastThatFits() {
        long weights = WeightFormat.BF16.bytes(B8);
        long device = ByteSize.parse("24GB", "d");
        int ctx = MemoryPlan.maxContextThatFits(B8, weights, device, 1, CacheType.F16, 256);
        assertTrue(ctx > 50_000 && ctx < 70_000, "ctx " + ctx);
        assertTrue(InferenceMemory.of(B8, weights, ctx, 1, CacheType.F16, 256).total() <= device);
        assertTrue(InferenceMemory.of(B8, weights, ctx + 1, 1, CacheType.F16, 256).total() > device);
        // Two sequences share the room (less a second row of logits); a q8_0 cache takes 34/64 of an f16 one.
        int two = MemoryPlan.maxContextThatFits(B8, weights, device, 2, CacheType.F16, 256);
        assertEquals(ctx / 2, two, 3);
        int q8 = MemoryPlan.maxContextThatFits(B8, weights, device, 1, CacheType.Q8_0, 256);
        assertEquals(ctx * 64.0 / 34, q8, 2);
    }

    @Test
    void cappedAtTheModelsMaximumAndZeroWhenNothingFits() {
        long weights = WeightFormat.BF16.bytes(B8);
        assertEquals(131072, MemoryPlan.maxContextThatFits(B8, weights, ByteSize.parse("80GiB", "d"), 1,
                CacheType.F16, 256));
        assertTrue(MemoryPlan.tokensThatFit(B8, weights, ByteSize.parse("80GiB", "d"), 1, CacheType.F16, 256) > 400_000);
        assertEquals(0, MemoryPlan.maxContextThatFits(B8, weights, ByteSize.parse("16GB", "d"), 1, CacheType.F16, 256));
        assertEquals(0, MemoryPlan.maxContextThatFits(KnownModels.LLAMA_3_1_405B,
                WeightFormat.BF16.bytes(KnownModels.LLAMA_3_1_405B), ByteSize.parse("80GiB", "d"), 1, CacheType.F16, 256));
    }

    @Test
    void workingBuffersAndKvPerToken() {
        assertEquals(128 * 1024, InferenceMemory.kvBytesPerToken(B8, CacheType.F16));
        assertEquals(256 * 1024, InferenceMemory.kvBytesPerToken(B8, CacheType.F32));
        assertEquals(2L * 32 * 1024 / 32 * 34, InferenceMemory.kvBytesPerToken(B8, CacheType.Q8_0));
        // 256 tokens × (3·4096 + 2·4096 + 2·1024 + 2·14336 + 128) floats + logits + fp32 norms.
        long expected = 256L * 51_328 * 4 + 128_256L * 4 + 65L * 4096 * 4;
        assertEquals(expected, WorkingBuffers.bytes(B8, 1, 256));
        InferenceMemory plan = InferenceMemory.of(B8, 1000, 2048, 3, CacheType.F16, 256);
        assertEquals(3L * 2048 * 128 * 1024, plan.kvCache());
        assertEquals(1000 + plan.kvCache() + plan.buffers(), plan.total());
    }
}
