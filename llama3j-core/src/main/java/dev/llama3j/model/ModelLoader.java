package dev.llama3j.model;

import dev.llama3j.ModelFormatException;
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
            LlamaWeights weights = source.loadWeights(config, rope).optimized(packed, pool);
            return new LlamaModel(config, weights, pool, () -> {
                checkpoint.close();
                packed.close();
            }, maxBatch);
        } catch (RuntimeException e) {
            checkpoint.close();
            throw e;
        }
    }
}
