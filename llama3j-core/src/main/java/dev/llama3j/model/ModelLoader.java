package dev.llama3j.model;

import dev.llama3j.ModelFormatException;
import dev.llama3j.lora.AdaptedWeights;
import dev.llama3j.lora.LoraLoader;
import dev.llama3j.lora.LoraOptions;
import dev.llama3j.safetensors.SafetensorsCheckpoint;
import dev.llama3j.tensor.WorkerPool;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds a {@link LlamaModel} from a Hugging Face model folder. */
public final class ModelLoader {
    private ModelLoader() {}

    /** Threads to use by default: one per available core. */
    public static int defaultThreads() {
        return Runtime.getRuntime().availableProcessors();
    }

    /**
     * Loads a Hugging Face folder ({@code config.json} + safetensors). Weights are memory-mapped and
     * stay mapped until the model is closed.
     */
    public static LlamaModel loadHuggingFace(Path dir, int threads, int maxBatch) {
        return loadHuggingFace(dir, threads, maxBatch, LoraOptions.NONE);
    }

    /** Loads a Hugging Face folder with LoRA adapters, merged or beside the weights ({@link LoraOptions}). */
    public static LlamaModel loadHuggingFace(Path dir, int threads, int maxBatch, LoraOptions lora) {
        if (!Files.isDirectory(dir)) {
            throw new ModelFormatException(dir + ": not a model folder");
        }
        LlamaConfig config = LlamaConfig.fromHuggingFace(dir.resolve(LlamaConfig.CONFIG_FILE));
        SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(dir);
        WorkerPool pool = null;
        Arena packed = null;
        try {
            SafetensorsSource source = new SafetensorsSource(dir, checkpoint);
            RopeTables rope = RopeTables.of(config, source.ropeLayout());
            pool = new WorkerPool(threads);
            packed = Arena.ofShared();
            AdaptedWeights adapted = LoraLoader.apply(config, source.loadWeights(config, rope), lora, pool, packed,
                    maxBatch);
            LlamaWeights weights = adapted.weights().optimized(packed, pool);
            Arena arena = packed;
            return new LlamaModel(config, weights, pool, () -> {
                checkpoint.close();
                arena.close();
            }, maxBatch, adapted.adapters());
        } catch (RuntimeException e) {
            checkpoint.close();
            if (pool != null) {
                pool.close();
            }
            if (packed != null) {
                packed.close();
            }
            throw e;
        }
    }
}
