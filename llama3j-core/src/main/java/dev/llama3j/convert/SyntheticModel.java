package dev.llama3j.convert;

import dev.llama3j.error.ModelFormatException;
import dev.llama3j.gguf.GgufFileType;
import dev.llama3j.gguf.GgufWriter;
import dev.llama3j.gguf.Llama3RopeFactors;
import dev.llama3j.gguf.LlamaGgufNames;
import dev.llama3j.model.LlamaConfig;
import dev.llama3j.model.RopeScaling;
import dev.llama3j.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Writes a GGUF file of a real Llama's shape ({@link SyntheticShape}) with random weights: for speed
 * benchmarks of Llama-3.2-1B and Llama-3.1-8B shaped models without their checkpoints. The file is
 * what {@link HfToGgufConverter} would write for such a checkpoint (same metadata, tensor names and
 * types, Q4_0's Q6_K output), with the real Llama 3.1 tokenizer so that llama.cpp loads it too.
 *
 * <p>Matrix values are uniform with standard deviation 0.02 (a usual initialisation), norms are 1.
 * Each row's values come from a generator seeded by (seed, tensor, row), so a file depends only on its
 * arguments, not on the number of threads that wrote it.
 */
public final class SyntheticModel {
    private SyntheticModel() {}

    /** Where the tokenizer comes from by default: the demo model shipped in the repository. */
    public static final String DEFAULT_TOKENIZER_DIR = "models/tiny-llama-3.1-chat";

    private static final float STD = 0.02f;

    /**
     * Writes {@code out} with the tokenizer of {@link #defaultTokenizerDir()}.
     *
     * @param type ALL_F32, MOSTLY_F16, MOSTLY_BF16, MOSTLY_Q8_0 or MOSTLY_Q4_0
     */
    public static HfToGgufConverter.Result write(Path out, SyntheticShape shape, GgufFileType type, long seed) {
        return write(out, shape, type, seed, defaultTokenizerDir(), ConversionProgress.NONE);
    }

    /** Writes {@code out} with the tokenizer (tokenizer.json, tokenizer_config.json) of {@code tokenizerDir}. */
    public static HfToGgufConverter.Result write(Path out, SyntheticShape shape, GgufFileType type, long seed,
            Path tokenizerDir, ConversionProgress progress) {
        LlamaConfig c = shape.config;
        var vocab = HfToGgufConverter.padded(Tokenizer.readVocabulary(tokenizerDir), c.vocabSize(), tokenizerDir);
        GgufWriter w = new GgufWriter();
        LlamaGgufMetadata.write(w, c, "synthetic-llama-" + shape.label + "-random", type, vocab,
                Tokenizer.readChatTemplate(tokenizerDir).orElse(null));
        return HfToGgufConverter.write(w, plan(c, type, seed), out, progress);
    }

    /**
     * {@value #DEFAULT_TOKENIZER_DIR} under the installation folder (system property
     * {@code llama3j.home}, set by {@code bin/llama3j}) or else the current folder.
     */
    public static Path defaultTokenizerDir() {
        String home = System.getProperty("llama3j.home");
        Path dir = home != null ? Path.of(home).resolve(DEFAULT_TOKENIZER_DIR) : Path.of(DEFAULT_TOKENIZER_DIR);
        if (!Files.isRegularFile(dir.resolve("tokenizer.json"))) {
            throw new ModelFormatException(dir + ": no tokenizer.json for the synthetic model (expected the demo model"
                    + " shipped in the repository; give a tokenizer folder explicitly)");
        }
        return dir;
    }

    private static List<HfToGgufConverter.Planned> plan(LlamaConfig c, GgufFileType type, long seed) {
        boolean tied = c.tieWordEmbeddings();
        int h = c.hiddenSize();
        List<HfToGgufConverter.Planned> plan = new ArrayList<>();
        RopeScaling s = c.ropeScaling();
        plan.add(HfToGgufConverter.vector(LlamaGgufNames.ROPE_FREQS, Llama3RopeFactors.compute(c.ropeTheta(),
                c.headDim(), s.factor(), s.lowFreqFactor(), s.highFreqFactor(), s.originalMaxPositions()), type, tied));
        plan.add(random(LlamaGgufNames.TOKEN_EMBD, c.vocabSize(), h, type, tied, seed, plan.size()));
        float[] ones = new float[h];
        Arrays.fill(ones, 1.0f);
        for (int l = 0; l < c.numLayers(); l++) {
            plan.add(HfToGgufConverter.vector(LlamaGgufNames.attnNorm(l), ones, type, tied));
            plan.add(random(LlamaGgufNames.attnQ(l), c.qDim(), h, type, tied, seed, plan.size()));
            plan.add(random(LlamaGgufNames.attnK(l), c.kvDim(), h, type, tied, seed, plan.size()));
            plan.add(random(LlamaGgufNames.attnV(l), c.kvDim(), h, type, tied, seed, plan.size()));
            plan.add(random(LlamaGgufNames.attnOutput(l), h, c.qDim(), type, tied, seed, plan.size()));
            plan.add(HfToGgufConverter.vector(LlamaGgufNames.ffnNorm(l), ones, type, tied));
            plan.add(random(LlamaGgufNames.ffnGate(l), c.intermediateSize(), h, type, tied, seed, plan.size()));
            plan.add(random(LlamaGgufNames.ffnUp(l), c.intermediateSize(), h, type, tied, seed, plan.size()));
            plan.add(random(LlamaGgufNames.ffnDown(l), h, c.intermediateSize(), type, tied, seed, plan.size()));
        }
        plan.add(HfToGgufConverter.vector(LlamaGgufNames.OUTPUT_NORM, ones, type, tied));
        if (!tied) {
            plan.add(random(LlamaGgufNames.OUTPUT, c.vocabSize(), h, type, tied, seed, plan.size()));
        }
        return plan;
    }

    /** A {@code rows × cols} matrix of uniform values in ±0.02·√3, row {@code r} from its own generator. */
    private static HfToGgufConverter.Planned random(String name, int rows, int cols, GgufFileType type, boolean tied,
            long seed, int tensorIndex) {
        long[] dims = {cols, rows};
        float scale = (float) (STD * Math.sqrt(3) * 0x1p-23);
        long tensorSeed = new SplittableRandom(seed).split().nextLong() ^ (0x9E3779B97F4A7C15L * (tensorIndex + 1));
        return new HfToGgufConverter.Planned(name, dims, TensorTypeRecipe.typeOf(type, name, dims, tied),
                (r, out, off) -> {
                    SplittableRandom rnd = new SplittableRandom(tensorSeed + 0xBF58476D1CE4E5B9L * r);
                    for (int i = 0; i < cols; i++) {
                        out[off + i] = (rnd.nextInt() >> 8) * scale; // 24 random bits, in [-2^23, 2^23)
                    }
                });
    }
}
