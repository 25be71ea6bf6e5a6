package dev.llama3j.lora;

import dev.llama3j.model.AdaptedWeights;
import dev.llama3j.model.AdapterHook;
import dev.llama3j.model.LlamaConfig;
import dev.llama3j.model.LlamaWeights;
import dev.llama3j.model.ModelAdapters;
import dev.llama3j.tensor.GgmlType;
import dev.llama3j.tensor.WorkerPool;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

/** Loads the adapters of {@link LoraOptions} and applies them to freshly loaded weights. */
public final class LoraLoader {
    private LoraLoader() {}

    /**
     * The hook through which {@link dev.llama3j.model.ModelLoader} applies {@code options} to the weights
     * it reads: {@link AdapterHook#NONE} when there are no adapters.
     */
    public static AdapterHook hook(LoraOptions options) {
        if (options.isEmpty()) {
            return AdapterHook.NONE;
        }
        return (config, weights, pool, arena, maxBatch) -> apply(config, weights, options, pool, arena, maxBatch);
    }

    /**
     * Applies {@code options} (at least one adapter) to {@code weights} (as read from the file, before their layouts are
     * optimized): merged adapters are folded into new matrices in {@code arena}, unmerged ones become a
     * {@link LoraSidePath} for batches of up to {@code maxBatch} tokens.
     */
    private static AdaptedWeights apply(LlamaConfig config, LlamaWeights weights, LoraOptions options, WorkerPool pool,
            Arena arena, int maxBatch) {
        List<LoraAdapter> adapters = new ArrayList<>();
        for (LoraSpec s : options.adapters()) {
            adapters.add(LoraAdapter.load(s.name(), s.dir(), config));
        }
        boolean merge = switch (options.mode()) {
            case MERGED -> true;
            case UNMERGED -> false;
            case AUTO -> adapters.size() == 1 && LoraMerger.canMerge(weights, adapters.get(0));
        };
        if (merge) {
            LoraAdapter a = adapters.get(0);
            return new AdaptedWeights(LoraMerger.merge(weights, config, a, GgmlType.F32, arena, pool),
                    new ModelAdapters(List.of(a.name()), null));
        }
        LoraSidePath side = new LoraSidePath(adapters, config, weights.rope().layout(), pool, maxBatch);
        return new AdaptedWeights(weights, new ModelAdapters(List.of(), side));
    }
}
