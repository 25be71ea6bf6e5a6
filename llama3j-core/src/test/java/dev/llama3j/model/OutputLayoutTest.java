package dev.llama3j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.testing.ConvertedModels;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A model loaded to generate one sequence at a time takes the 6-bit form of its Q6_K output layer
 * ({@link dev.llama3j.tensor.Q6KLayout#forOutput}): fewer bytes, the same logits.
 */
class OutputLayoutTest {
    @Test
    void oneSequenceTakesTheCompactOutputLayerWithTheSameLogits() {
        // Q6_K for the output layer only.
        Path file = ConvertedModels.tinySyntheticQ4(3, "output-layout-q4_0.gguf");
        try (LlamaModel several = load(file, 8); LlamaModel one = load(file, 1)) {
            long saved = several.weights().bytes() - one.weights().bytes();
            long headWeights = (long) one.config().vocabSize() * one.config().hiddenSize();
            // A byte a weight and its scales against 6 bits and the file's scales: 0.25 bytes a weight less.
            assertTrue(saved > headWeights / 5, "the output layer should be compact for one sequence, saved " + saved);
            assertArrayEquals(WarmUpTest.logits(several), WarmUpTest.logits(one), 1e-4f);
        }
    }

    private static LlamaModel load(Path file, int sequences) {
        try (ModelSource source = ModelSources.open(file)) {
            return ModelLoader.load(source, 2, 64, AdapterHook.NONE, sequences);
        }
    }
}
