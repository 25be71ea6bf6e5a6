package dev.llama3j.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.gguf.GgufFile;
import dev.llama3j.gguf.GgufTensor;
import dev.llama3j.gguf.LlamaGgufNames;
import dev.llama3j.model.LlamaModel;
import dev.llama3j.model.ModelLoader;
import dev.llama3j.model.ParityUtil;
import dev.llama3j.tensor.GgmlType;
import dev.llama3j.testing.ConvertedModels;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Random-weight GGUF files of a given shape, for benchmarks. */
class SyntheticModelTest {
    @Test
    void writesALoadableModelOfTheShapeWithLlamaCppsQ4_0Types() {
        Path a = ConvertedModels.tinySyntheticQ4(7, "syn-a.gguf");
        try (GgufFile f = GgufFile.open(a)) {
            assertEquals(GgmlType.Q6_K, f.tensor(LlamaGgufNames.OUTPUT).type(), "Q4_0 files keep the output in Q6_K");
            assertEquals(GgmlType.Q4_0, f.tensor(LlamaGgufNames.TOKEN_EMBD).type());
            assertEquals(GgmlType.F32, f.tensor(LlamaGgufNames.attnNorm(0)).type());
            assertEquals(256, f.tensor(LlamaGgufNames.TOKEN_EMBD).dim(0));
            assertEquals(128256, f.get("tokenizer.ggml.tokens").length());
        }
        try (LlamaModel m = ModelLoader.load(a, 2, 16)) {
            assertEquals(SyntheticShape.TINY.config.hiddenSize(), m.config().hiddenSize());
            int[] out = ParityUtil.greedy(m, new int[] {128000, 9906}, 2);
            assertTrue(out[0] >= 0 && out[0] < 128256);
        }
    }

    @Test
    void theSeedAloneDecidesTheBytes() {
        Path a = ConvertedModels.tinySyntheticQ4(7, "syn-b.gguf");
        Path b = ConvertedModels.tinySyntheticQ4(7, "syn-c.gguf");
        Path c = ConvertedModels.tinySyntheticQ4(8, "syn-d.gguf");
        try (GgufFile fa = GgufFile.open(a); GgufFile fb = GgufFile.open(b); GgufFile fc = GgufFile.open(c)) {
            for (GgufTensor t : fa.tensors().values()) {
                assertEquals(t.data().mismatch(fb.tensor(t.name()).data()), -1, t.name());
            }
            String q = LlamaGgufNames.attnQ(1);
            assertFalse(fa.tensor(q).data().mismatch(fc.tensor(q).data()) == -1, "another seed, other weights");
        }
    }

    @Test
    void realShapes() {
        assertEquals(2048, SyntheticShape.parse("1b").config.hiddenSize());
        assertTrue(SyntheticShape.parse("1b").config.tieWordEmbeddings());
        assertEquals(14336, SyntheticShape.parse("8b").config.intermediateSize());
        assertEquals(32, SyntheticShape.parse("8b").config.numLayers());
    }
}
