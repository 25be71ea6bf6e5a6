package dev.llama3j.model;

import dev.llama3j.tensor.HugePageArena;
import dev.llama3j.tensor.WorkerPool;
import java.lang.foreign.Arena;
import java.nio.file.Path;

/**
 * Builds a {@link LlamaModel} from a {@link ModelSource}, whatever its format: reads the weights,
 * applies the adapters ({@link AdapterHook}), lays the weights out for the kernels and hands the model
 * the mapped files.
 */
public final class ModelLoader {
    private ModelLoader() {}

    /** Threads to use by default: one per available core. */
    public static int defaultThreads() {
        return Runtime.getRuntime().availableProcessors();
    }

    /** Loads the model at {@code path}, in whichever format it is ({@link ModelSources}), without adapters. */
    public static LlamaModel load(Path path, int threads, int maxBatch) {
        return load(path, threads, maxBatch, AdapterHook.NONE);
    }

    /** Loads the model at {@code path}, in whichever format it is, with {@code adapters} applied. */
    public static LlamaModel load(Path path, int threads, int maxBatch, AdapterHook adapters) {
        ModelSource source = ModelSources.open(path);
        try {
            return load(source, threads, maxBatch, adapters);
        } finally {
            source.close(); // once handed over, only releases what the model did not take
        }
    }

    /**
     * Builds the model of {@code source}, which hands the model its mapped files
     * ({@link ModelSource#handOver}): the model unmaps them at once when no matrix points into them any
     * more (every one repacked or merged into new memory), else when it is closed. On failure only what
     * this method made is released; closing the source releases the rest.
     */
    public static LlamaModel load(ModelSource source, int threads, int maxBatch, AdapterHook adapters) {
        return load(source, threads, maxBatch, adapters, 0);
    }

    /**
     * {@link #load(ModelSource, int, int, AdapterHook)} for a model that will generate {@code sequences}
     * at a time (the engine's parallel slots; 0 where that is not known): with one, a Q6_K output
     * layer is held in both of its forms, each product through the one measured faster lately
     * ({@link dev.llama3j.tensor.Q6KLayout#forOutput}).
     */
    public static LlamaModel load(ModelSource source, int threads, int maxBatch, AdapterHook adapters,
            int sequences) {
        LlamaConfig config = source.config();
        LlamaWeights stored = source.tensors().loadWeights(config);
        WorkerPool pool = new WorkerPool(threads);
        Arena packed = new HugePageArena();
        Runnable unmap = null;
        LlamaModel model;
        boolean keepMapped;
        try {
            AdaptedWeights adapted = adapters.apply(config, stored, pool, packed, maxBatch);
            LlamaWeights weights = adapted.weights().optimized(packed, pool, sequences);
            // Once everything is repacked (or merged into new matrices) the file mapping only costs
            // resident memory: drop it.
            keepMapped = !weights.independentOf(stored);
            unmap = source.handOver();
            Runnable closeFile = unmap;
            boolean closeWithModel = keepMapped;
            model = new LlamaModel(config, weights, pool, () -> {
                if (closeWithModel) {
                    closeFile.run();
                }
                packed.close();
            }, maxBatch, adapted.adapters());
        } catch (RuntimeException e) {
            packed.close();
            pool.close();
            if (unmap != null) {
                unmap.run();
            }
            throw e;
        }
        if (!keepMapped) {
            unmap.run();
        }
        return model;
    }
}
