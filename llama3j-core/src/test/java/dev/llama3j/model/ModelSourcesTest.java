package dev.llama3j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.chat.ChatTemplate;
import dev.llama3j.error.ModelFormatException;
import dev.llama3j.gguf.GgufFileType;
import dev.llama3j.sampling.GenerationConfig;
import dev.llama3j.testing.ConvertedModels;
import dev.llama3j.testing.Fixtures;
import dev.llama3j.tokenizer.Tokenizer;
import dev.llama3j.tensor.WeightMatrix;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one place that tells formats apart, and what each source supplies and keeps mapped. */
class ModelSourcesTest {
    private static final String EMBED = "model.embed_tokens.weight";

    @TempDir
    Path tmp;

    @Test
    void aMissingPathIsNamed() {
        Path p = tmp.resolve("nope");
        var e = assertThrows(ModelFormatException.class, () -> ModelSources.open(p));
        assertEquals(p + ": no such model file or folder", e.getMessage());
    }

    @Test
    void aFileOfNoFormatIsRefusedNamingTheFormats() throws Exception {
        Path p = Files.writeString(tmp.resolve("notes.txt"), "not a model");
        var e = assertThrows(ModelFormatException.class, () -> ModelSources.open(p));
        assertEquals(p + ": neither a Hugging Face model folder nor a GGUF file (it does not start with the magic"
                + " 'GGUF')", e.getMessage());
    }

    @Test
    void aDamagedFileNamedGgufIsReportedAsGguf() throws Exception {
        Path p = Files.writeString(tmp.resolve("model.gguf"), "GGML and more");
        assertSame(GgufModelSource.FORMAT, ModelSources.formatOf(p));
        var e = assertThrows(ModelFormatException.class, () -> ModelSources.open(p));
        assertTrue(e.getMessage().contains("model.gguf"), e.getMessage());
    }

    @Test
    void aFolderWithoutConfigNamesTheMissingFile() {
        try (ModelSource s = ModelSources.open(tmp)) {
            assertSame(HuggingFaceSource.class, s.getClass());
            var e = assertThrows(ModelFormatException.class, s::config);
            assertTrue(e.getMessage().contains("config.json"), e.getMessage());
        }
    }

    @Test
    void aHuggingFaceFolderSuppliesWhatItsFilesSay() {
        Path dir = Fixtures.chatModel();
        try (ModelSource s = ModelSources.open(dir)) {
            assertEquals(dir, s.path());
            LlamaConfig c = LlamaConfig.fromHuggingFace(dir.resolve(LlamaConfig.CONFIG_FILE));
            assertEquals(c.hiddenSize(), s.config().hiddenSize());
            assertEquals(c.vocabSize(), s.config().vocabSize());
            assertSame(s.config(), s.config());
            Tokenizer expected = Tokenizer.load(dir);
            assertArrayEquals(expected.encode("Hello, world!", true), s.tokenizer().encode("Hello, world!", true));
            ChatTemplate t = ChatTemplate.fromTokenizerDir(dir);
            assertEquals(t.source(), s.chatTemplate().source());
            assertEquals(t.eosToken(), s.chatTemplate().eosToken());
            GenerationConfig g = GenerationConfig.fromHuggingFace(dir);
            assertArrayEquals(g.eosTokenIds(), s.generationConfig().eosTokenIds());
            assertEquals(g.sampling(), s.generationConfig().sampling());
        }
    }

    @Test
    void aGgufFileSuppliesItsMetadataWithTheTokensItsIdsName() {
        Path file = ConvertedModels.get("chat", GgufFileType.ALL_F32);
        try (ModelSource s = ModelSources.open(file); ModelSource hf = ModelSources.open(Fixtures.chatModel())) {
            assertSame(GgufModelSource.class, s.getClass());
            assertEquals(hf.config().numLayers(), s.config().numLayers());
            assertEquals(hf.config().vocabSize(), s.config().vocabSize());
            assertArrayEquals(hf.tokenizer().encode("Hello, world!", true), s.tokenizer().encode("Hello, world!", true));
            assertEquals(hf.chatTemplate().source(), s.chatTemplate().source());
            assertEquals(s.tokenizer().piece(s.tokenizer().bosId().orElseThrow()), s.chatTemplate().bosToken());
            assertEquals(RopeLayout.INTERLEAVED, s.tensors().ropeLayout());
        }
    }

    @Test
    void handedOverFilesStayMappedWhenTheSourceCloses() {
        for (Path p : new Path[] {Fixtures.randomModel(), ConvertedModels.get("random", GgufFileType.ALL_F32)}) {
            Runnable unmap;
            WeightMatrix embed;
            try (ModelSource s = ModelSources.open(p)) {
                LlamaConfig c = s.config();
                embed = s.tensors().matrix(EMBED, c.vocabSize(), c.hiddenSize());
                unmap = s.handOver();
            }
            float[] row = new float[embed.cols()];
            embed.dequantizeRow(1, row, 0); // still mapped: the source's close left it to the new owner
            unmap.run();
            assertThrows(IllegalStateException.class, () -> embed.dequantizeRow(1, row, 0), p.toString());
        }
    }

    @Test
    void closingASourceUnmapsWhatWasNotHandedOver() {
        for (Path p : new Path[] {Fixtures.randomModel(), ConvertedModels.get("random", GgufFileType.ALL_F32)}) {
            WeightMatrix embed;
            try (ModelSource s = ModelSources.open(p)) {
                LlamaConfig c = s.config();
                embed = s.tensors().matrix(EMBED, c.vocabSize(), c.hiddenSize());
            }
            float[] row = new float[embed.cols()];
            assertThrows(IllegalStateException.class, () -> embed.dequantizeRow(1, row, 0), p.toString());
        }
    }
}
