package dev.llama3j.model;

import dev.llama3j.ModelFormatException;
import dev.llama3j.gguf.GgufFile;
import dev.llama3j.safetensors.SafetensorsCheckpoint;
import dev.llama3j.tensor.WorkerPool;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds a {@link LlamaModel} from a Hugging Face model folder or a GGUF file. */
public final class ModelLoader {
    private ModelLoader() {}

    /** Threads to use by default: one per available core. */
    public static int defaultThreads() {
        return Runtime.getRuntime().availableProcessors();
    }

    /** Loads a Hugging Face folder or a GGUF file, whichever {@code path} is ({@link ModelFormat#of}). */
    public static LlamaModel load(Path path, int threads, int maxBatch) {
        return switch (ModelFormat.of(path)) {
            case HUGGING_FACE -> loadHuggingFace(path, threads, maxBatch);
            case GGUF -> loadGguf(path, threads, maxBatch);
        };
    }

    /**
     * Loads a Hugging Face folder ({@code config.json} + safetensors). Weights are memory-mapped and
     * stay mapped until the model is closed.
     */
    public static LlamaModel loadHuggingFace(Path dir, int threads, int maxBatch) {
        if (!Files.isDirectory(dir)) {
            throw new ModelFormatException(dir + ": not a model folder");
        }
        LlamaConfig config = LlamaConfig.fromHuggingFace(dir.resolve(LlamaConfig.CONFIG_FILE));
        SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(dir);
        try {
            SafetensorsSource source = new SafetensorsSource(dir, checkpoint);
            RopeTables rope = RopeTables.of(config, source.ropeLayout());
            WorkerPool pool = new WorkerPool(threads);
            Arena packed = Arena.ofShared();
            LlamaWeights stored = source.loadWeights(config, rope);
            LlamaWeights weights = stored.optimized(packed, pool);
            // Once everything is repacked the file mapping only costs resident memory: drop it.
            boolean unmapped = weights.independentOf(stored);
            if (unmapped) {
                checkpoint.close();
            }
            return new LlamaModel(config, weights, pool, () -> {
                if (!unmapped) {
                    checkpoint.close();
                }
                packed.close();
            }, maxBatch);
        } catch (RuntimeException e) {
            checkpoint.close();
            throw e;
        }
    }

    /** Loads a GGUF file; it stays memory-mapped until the model is closed. */
    public static LlamaModel loadGguf(Path file, int threads, int maxBatch) {
        GgufFile gguf = GgufFile.open(file);
        try {
            return loadGguf(gguf, threads, maxBatch);
        } catch (RuntimeException e) {
            gguf.close();
            throw e;
        }
    }

    /**
     * Builds the model of an open GGUF file, which the model then owns (closing the model closes it,
     * or loading does once every matrix has been repacked). Weights are used in their stored type; Q/K rows keep llama.cpp's order
     * ({@link RopeLayout#INTERLEAVED}); {@code rope_freqs.weight}, when present, scales the RoPE
     * frequencies as llama.cpp applies it.
     */
    public static LlamaModel loadGguf(GgufFile gguf, int threads, int maxBatch) {
        LlamaConfig config = LlamaConfig.fromGguf(gguf);
        GgufSource source = new GgufSource(gguf);
        RopeTables rope = source.ropeFactors(config.headDim())
                .map(f -> RopeTables.withFactors(config.headDim(), config.ropeTheta(), f, source.ropeLayout()))
                .orElseGet(() -> RopeTables.of(config, source.ropeLayout()));
        WorkerPool pool = new WorkerPool(threads);
        Arena packed = Arena.ofShared();
        try {
            LlamaWeights stored = source.loadWeights(config, rope);
            LlamaWeights weights = stored.optimized(packed, pool);
            // Once everything is repacked the file mapping only costs resident memory: drop it.
            boolean unmapped = weights.independentOf(stored);
            if (unmapped) {
                gguf.close();
            }
            return new LlamaModel(config, weights, pool, () -> {
                if (!unmapped) {
                    gguf.close();
                }
                packed.close();
            }, maxBatch);
        } catch (RuntimeException e) {
            packed.close();
            pool.close();
            throw e;
        }
    }
}
