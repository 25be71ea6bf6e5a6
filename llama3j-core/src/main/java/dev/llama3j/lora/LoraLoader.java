package dev.llama3j.lora;

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
     * Applies {@code options} to {@code weights} (as read from the file, before their layouts are
     * optimized): merged adapters are folded into new matrices in {@code arena}, unmerged ones become a
     * {@link LoraSidePath} for batches of up to {@code maxBatch} tokens.
     */
    public static AdaptedWeights apply(LlamaConfig config, LlamaWeights weights, LoraOptions options, WorkerPool pool,
            Arena arena, int maxBatch) {
        if (options.isEmpty()) {
            return new AdaptedWeights(weights, ModelAdapters.NONE);
        }
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
