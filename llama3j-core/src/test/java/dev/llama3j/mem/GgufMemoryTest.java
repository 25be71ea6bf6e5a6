package dev.llama3j.mem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.error.ModelFormatException;
import dev.llama3j.error.UnsupportedModelException;
import dev.llama3j.gguf.GgufKeys;
import dev.llama3j.gguf.GgufWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GGUF files: the shape from the llama.* metadata, the bytes from each tensor's real type. */
class GgufMemoryTest {
    /** Rows of 256 so that the k-quant recipe applies as it does to Llama 3.1. */
    private static final ModelShape SMALL = new ModelShape("small", 16, 256, 4, 2, 64, 512, 1024, false, 4096);

    @TempDir
    Path dir;

    @Test
    void readsShapeAndRealTensorBytes() throws IOException {
        for (WeightFormat f : new WeightFormat[] {WeightFormat.Q4_K_M, WeightFormat.Q4_0, WeightFormat.Q8_0}) {
            Path file = MiniGguf.write(dir.resolve("small-" + f.id() + ".gguf"), SMALL, f);
            StoredModel stored = StoredModel.read(file);
            assertEquals("gguf", stored.format());
            assertEquals(SMALL, stored.shape());
            // What is stored is what the recipe predicts, plus the rope_freqs tensor.
            assertEquals(f.bytes(SMALL) + MiniGguf.ropeFreqsBytes(SMALL), stored.weightBytes(), f.id());
            assertTrue(Files.size(file) > stored.weightBytes());
        }
        StoredModel km = StoredModel.read(dir.resolve("small-q4_k_m.gguf"));
        // 16 layers: attn_v and ffn_down in Q6_K in 8 of them, plus the output.
        assertEquals(17, km.tensorsByType().get("Q6_K"));
        assertEquals(2 * 16 + 1 + 1, km.tensorsByType().get("F32"));
        assertTrue(km.describeTypes().startsWith("34 F32, "), km.describeTypes());
    }

    @Test
    void tiedEmbeddingsAndDefaults() {
        ModelShape tied = new ModelShape("tied", 2, 256, 4, 4, 64, 512, 1024, true, 8192);
        StoredModel stored = StoredModel.read(MiniGguf.write(dir.resolve("tied.gguf"), tied, WeightFormat.Q8_0));
        assertTrue(stored.shape().tied());
        assertEquals(tied.parameters(), stored.shape().parameters());
        InferenceMemory plan = InferenceMemory.of(stored.shape(), stored.weightBytes(), 1024, 1, CacheType.F16, 256);
        assertEquals(1024L * 2 * 2 * 256 * 2, plan.kvCache());
    }

    @Test
    void otherArchitectureIsRefused() {
        Path file = dir.resolve("mistral.gguf");
        new GgufWriter().putString(GgufKeys.GENERAL_ARCHITECTURE, "mistral").write(file);
        UnsupportedModelException e = assertThrows(UnsupportedModelException.class, () -> StoredModel.read(file));
        assertTrue(e.getMessage().contains("mistral"), e.getMessage());
        Path missing = dir.resolve("no-heads.gguf");
        new GgufWriter().putString(GgufKeys.GENERAL_ARCHITECTURE, "llama").write(missing);
        ModelFormatException m = assertThrows(ModelFormatException.class, () -> StoredModel.read(missing));
        assertTrue(m.getMessage().contains("llama."), m.getMessage());
    }

    @Test
    void theFormatIsToldAsLoadingTellsIt() throws IOException {
        // By the GGUF magic, whatever the file is named.
        Path renamed = Files.copy(MiniGguf.write(dir.resolve("small.gguf"), SMALL, WeightFormat.Q8_0),
                dir.resolve("small.bin"));
        assertEquals(SMALL, StoredModel.read(renamed).shape());
        Path notes = Files.writeString(dir.resolve("notes.txt"), "not a model");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> StoredModel.read(notes));
        assertTrue(e.getMessage().startsWith(notes + ": neither a Hugging Face model folder nor a GGUF file"),
                e.getMessage());
    }
}
