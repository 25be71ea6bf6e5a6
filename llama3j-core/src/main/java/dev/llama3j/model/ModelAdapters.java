package dev.llama3j.model;

import java.util.List;

/**
 * The LoRA adapters a model was loaded with: those folded into its weights ({@code merged}; a request
 * for one of them is a request for the model as loaded) and those applied per token as a side path
 * ({@code unmerged}, null when there are none).
 */
public record ModelAdapters(List<String> merged, ProjectionAdapters unmerged) {
    public static final ModelAdapters NONE = new ModelAdapters(List.of(), null);

    public ModelAdapters {
        merged = List.copyOf(merged);
    }

    /** Names selectable per token: {@code unmerged().names()}, or none. */
    public List<String> selectable() {
        return unmerged == null ? List.of() : unmerged.names();
    }

    /**
     * The batch index for a request's adapter name: 0 for null (the model as loaded) and for a merged
     * adapter, {@code i + 1} for the {@code i}-th unmerged one, -1 for a name the model does not have.
     */
    public int indexOf(String name) {
        if (name == null || merged.contains(name)) {
            return 0;
        }
        int i = selectable().indexOf(name);
        return i < 0 ? -1 : i + 1;
    }

    /** Every adapter name the model answers to. */
    public List<String> names() {
        java.util.ArrayList<String> all = new java.util.ArrayList<>(merged);
        all.addAll(selectable());
        return List.copyOf(all);
    }
}
