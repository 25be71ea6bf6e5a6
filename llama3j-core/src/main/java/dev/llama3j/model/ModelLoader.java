package dev.llama3j.model;

import dev.llama3j.error.ModelFormatException;
import dev.llama3j.gguf.GgufFile;
import dev.llama3j.lora.AdaptedWeights;
import dev.llama3j.lora.LoraLoader;
import dev.llama3j.lora.LoraOptions;
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
        return load(path, threads, maxBatch, LoraOptions.NONE);
    }

    /** Loads a Hugging Face folder or a GGUF file with LoRA adapters ({@link LoraOptions}). */
    public static LlamaModel load(Path path, int threads, int maxBatch, LoraOptions lora) {
        return switch (ModelFormat.of(path)) {
            case HUGGING_FACE -> loadHuggingFace(path, threads, maxBatch, lora);
            case GGUF -> loadGguf(path, threads, maxBatch, lora);
        };
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
        try {
            SafetensorsSource source = new SafetensorsSource(dir, checkpoint);
            RopeTables rope = RopeTables.of(config, source.ropeLayout());
            return build(config, source.loadWeights(config, rope), threads, maxBatch, lora, checkpoint::close);
        } catch (RuntimeException e) {
            checkpoint.close();
            throw e;
        }
    }

    /** Loads a GGUF file; it stays memory-mapped until the model is closed. */
    public static LlamaModel loadGguf(Path file, int threads, int maxBatch) {
        return loadGguf(file, threads, maxBatch, LoraOptions.NONE);
    }

    /** Loads a GGUF file with LoRA adapters ({@link LoraOptions}). */
    public static LlamaModel loadGguf(Path file, int threads, int maxBatch, LoraOptions lora) {
        GgufFile gguf = GgufFile.open(file);
        try {
            return loadGguf(gguf, threads, maxBatch, lora);
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
        return loadGguf(gguf, threads, maxBatch, LoraOptions.NONE);
    }

    /**
     * Builds the model of an open GGUF file with LoRA adapters ({@link LoraOptions}; B's Q and K rows
     * follow the file's order). The model owns the file.
     */
    public static LlamaModel loadGguf(GgufFile gguf, int threads, int maxBatch, LoraOptions lora) {
        LlamaConfig config = LlamaConfig.fromGguf(gguf);
        GgufSource source = new GgufSource(gguf);
        RopeTables rope = source.ropeFactors(config.headDim())
                .map(f -> RopeTables.withFactors(config.headDim(), config.ropeTheta(), f, source.ropeLayout()))
                .orElseGet(() -> RopeTables.of(config, source.ropeLayout()));
        return build(config, source.loadWeights(config, rope), threads, maxBatch, lora, gguf.unmapper());
    }

    /**
     * Applies the adapters to the weights as read, lays them out for the kernels and makes the model,
     * which then owns the file the weights were read from ({@code closeFile} unmaps it: at once when no
     * matrix points into it any more, else when the model closes). On failure only what this method
     * made is released; the caller still owns the file.
     */
    private static LlamaModel build(LlamaConfig config, LlamaWeights stored, int threads, int maxBatch,
            LoraOptions lora, Runnable closeFile) {
        WorkerPool pool = new WorkerPool(threads);
        Arena packed = Arena.ofShared();
        LlamaModel model;
        boolean unmapped;
        try {
            AdaptedWeights adapted = LoraLoader.apply(config, stored, lora, pool, packed, maxBatch);
            LlamaWeights weights = adapted.weights().optimized(packed, pool);
            // Once everything is repacked (or merged into new matrices) the file mapping only costs
            // resident memory: drop it.
            unmapped = weights.independentOf(stored);
            boolean keepMapped = !unmapped;
            model = new LlamaModel(config, weights, pool, () -> {
                if (keepMapped) {
                    closeFile.run();
                }
                packed.close();
            }, maxBatch, adapted.adapters());
        } catch (RuntimeException e) {
            packed.close();
            pool.close();
            throw e;
        }
        if (unmapped) {
            closeFile.run();
        }
        return model;
    }
}
