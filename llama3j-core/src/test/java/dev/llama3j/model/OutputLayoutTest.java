package dev.llama3j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.llama3j.testing.ConvertedModels;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A model loaded to generate one sequence at a time holds its Q6_K output layer in both forms
 * ({@link dev.llama3j.tensor.Q6KLayout#forOutput}): the 6-bit form's bytes more, the same logits.
 */
class OutputLayoutTest {
    @Test
    void oneSequenceHoldsTheOutputLayerInBothFormsWithTheSameLogits() {
        // Q6_K for the output layer only.
        Path file = ConvertedModels.tinySyntheticQ4(3, "output-layout-q4_0.gguf");
        try (LlamaModel several = load(file, 8); LlamaModel one = load(file, 1)) {
            long more = one.weights().bytes() - several.weights().bytes();
            int vocab = one.config().vocabSize();
            int hidden = one.config().hiddenSize();
            // The 6-bit form: per row and 256 columns, the row's d (2 bytes), its 16 sub-blocks' scales
            // (a byte each) and 6 bits a value.
            long compactBytes = (long) vocab * (hidden / 256) * (2 + 16 + 256 * 6 / 8);
            assertEquals(compactBytes, more, "the 6-bit form's bytes beside the byte form's");
            for (int step = 0; step < 3; step++) { // a few steps: both forms serve some of them
                assertArrayEquals(WarmUpTest.logits(several), WarmUpTest.logits(one), 1e-4f, "step " + step);
            }
        }
    }

    private static LlamaModel load(Path file, int sequences) {
        try (ModelSource source = ModelSources.open(file)) {
            return ModelLoader.load(source, 2, 64, AdapterHook.NONE, sequences);
        }
    }
}
