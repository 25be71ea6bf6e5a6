package dev.llama3j.mem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The Llama 3.1 launch blog's inference tables, reproduced from the model shapes, and where they differ. */
class BlogNumbersTest {
    @Test
    void exactParameterCounts() {
        assertEquals(8_030_261_248L, KnownModels.LLAMA_3_1_8B.parameters());
        assertEquals(70_553_706_496L, KnownModels.LLAMA_3_1_70B.parameters());
        assertEquals(405_853_388_800L, KnownModels.LLAMA_3_1_405B.parameters());
        assertEquals("8.03B", ModelShape.shortCount(KnownModels.LLAMA_3_1_8B.parameters()));
        assertEquals("70.55B", ModelShape.shortCount(KnownModels.LLAMA_3_1_70B.parameters()));
        assertEquals("405.85B", ModelShape.shortCount(KnownModels.LLAMA_3_1_405B.parameters()));
        // The tensor list and the closed-form count agree.
        for (ModelShape s : new ModelShape[] {KnownModels.LLAMA_3_1_8B, KnownModels.LLAMA_3_1_70B,
            KnownModels.LLAMA_3_1_405B}) {
            assertEquals(s.parameters(), s.tensors().stream().mapToLong(ModelTensor::elements).sum(), s.name());
            assertEquals(9 * s.layers() + 3, s.tensors().size());
        }
    }

    @Test
    void weightsAtFp16Fp8Int4() {
        // The blog: 16/8/4, 140/70/35, 810/405/203 GB, i.e. the nominal size times 2, 1, 0.5 bytes.
        double[][] blog = {{16, 8, 4}, {140, 70, 35}, {810, 405, 203}};
        ModelShape[] shapes = {KnownModels.LLAMA_3_1_8B, KnownModels.LLAMA_3_1_70B, KnownModels.LLAMA_3_1_405B};
        WeightFormat[] formats = {WeightFormat.BF16, WeightFormat.FP8, WeightFormat.INT4};
        for (int m = 0; m < 3; m++) {
            BlogTables.Row row = BlogTables.forModel(shapes[m]).orElseThrow();
            for (int f = 0; f < 3; f++) {
                long bytes = formats[f].bytes(shapes[m]);
                assertEquals(blog[m][f], BlogTables.weightsGb(row, formats[f]));
                double gb = ByteSize.gb(bytes);
                assertTrue(Math.abs(gb - blog[m][f]) / blog[m][f] < 0.011, shapes[m].name() + " " + formats[f] + ": " + gb);
            }
        }
        assertEquals("16.06", ByteSize.number(ByteSize.gb(WeightFormat.BF16.bytes(KnownModels.LLAMA_3_1_8B))));
        assertEquals("141.11", ByteSize.number(ByteSize.gb(WeightFormat.BF16.bytes(KnownModels.LLAMA_3_1_70B))));
        assertEquals("811.71", ByteSize.number(ByteSize.gb(WeightFormat.BF16.bytes(KnownModels.LLAMA_3_1_405B))));
        assertEquals("202.93", ByteSize.number(ByteSize.gb(WeightFormat.INT4.bytes(KnownModels.LLAMA_3_1_405B))));
    }

    private static double kvGib(ModelShape s, int tokens) {
        return ByteSize.gib(InferenceMemory.kvCacheBytes(s, tokens, CacheType.F16));
    }

    @Test
    void kvCacheAt1k16k128k() {
        // 2 × layers × kv_heads × head_dim × tokens × 2 bytes, in GiB; the blog's 1k is 1,024, 16k 16,000, 128k 128,000.
        assertEquals(0.125, kvGib(KnownModels.LLAMA_3_1_8B, 1024));
        assertEquals(1.953125, kvGib(KnownModels.LLAMA_3_1_8B, 16000));
        assertEquals(15.625, kvGib(KnownModels.LLAMA_3_1_8B, 128000));
        assertEquals(0.3125, kvGib(KnownModels.LLAMA_3_1_70B, 1024));
        assertEquals(4.8828125, kvGib(KnownModels.LLAMA_3_1_70B, 16000));
        assertEquals(39.0625, kvGib(KnownModels.LLAMA_3_1_70B, 128000));
        // Released 405B: 8 KV heads.
        assertEquals(0.4921875, kvGib(KnownModels.LLAMA_3_1_405B, 1024));
        assertEquals(7.6904296875, kvGib(KnownModels.LLAMA_3_1_405B, 16000));
        assertEquals(61.5234375, kvGib(KnownModels.LLAMA_3_1_405B, 128000));
        // The blog's 405B row: 16 KV heads.
        assertEquals(0.984375, kvGib(KnownModels.LLAMA_3_1_405B_MP16, 1024));
        assertEquals(15.380859375, kvGib(KnownModels.LLAMA_3_1_405B_MP16, 16000));
        assertEquals(123.046875, kvGib(KnownModels.LLAMA_3_1_405B_MP16, 128000));

        ModelShape[] shapes = {KnownModels.LLAMA_3_1_8B, KnownModels.LLAMA_3_1_70B, KnownModels.LLAMA_3_1_405B_MP16};
        for (ModelShape s : shapes) {
            BlogTables.Row row = BlogTables.forModel(s).orElseThrow();
            for (int i = 0; i < 3; i++) {
                int tokens = BlogTables.KV_TOKENS[i];
                assertEquals(row.kvGb()[i], kvGib(s, tokens), 0.006, s.name() + " at " + tokens);
            }
        }
        // At the true maxima (powers of two) the figures are round.
        assertEquals(16.0, kvGib(KnownModels.LLAMA_3_1_8B, 131072));
        assertEquals(2.0, kvGib(KnownModels.LLAMA_3_1_8B, TokenCount.parse("16Ki", 131072, "ctx")));
    }

    @Test
    void notesExplainThe405bRow() {
        String notes = String.join("\n", BlogTables.inferenceNotes(KnownModels.LLAMA_3_1_405B));
        assertTrue(notes.contains("16 KV heads") && notes.contains("0.492 / 7.69 / 61.52"), notes);
        assertTrue(notes.contains("16,000") && notes.contains("1,024"), notes);
        assertTrue(BlogTables.inferenceNotes(ModelShape.of(
                dev.llama3j.model.LlamaConfig.fromHuggingFace(dev.llama3j.testing.Fixtures.chatModel()
                        .resolve("config.json")), "tiny")).isEmpty());
    }
}
