package dev.llama3j.lora;

import dev.llama3j.error.InvalidRequestException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The LoRA adapters to load with a model, and how to apply them.
 *
 * @param adapters distinct names; an empty list loads the base alone
 * @param mode merged, unmerged or auto; merged takes one adapter
 */
public record LoraOptions(List<LoraSpec> adapters, LoraMode mode) {
    public static final LoraOptions NONE = new LoraOptions(List.of(), LoraMode.AUTO);

    public LoraOptions {
        adapters = List.copyOf(adapters);
        if (mode == null) {
            throw new InvalidRequestException("a LoRA mode is required", "lora-mode");
        }
        Set<String> seen = new HashSet<>();
        for (LoraSpec s : adapters) {
            if (!seen.add(s.name())) {
                throw new InvalidRequestException("two LoRA adapters are named '" + s.name()
                        + "'; name them apart with NAME=DIR", "lora");
            }
        }
        if (mode == LoraMode.MERGED && adapters.size() > 1) {
            throw new InvalidRequestException("merged mode folds one LoRA adapter into the weights, got "
                    + adapters.size() + "; apply several unmerged", "lora-mode");
        }
    }

    public static LoraOptions of(LoraMode mode, LoraSpec... adapters) {
        return new LoraOptions(List.of(adapters), mode);
    }

    public boolean isEmpty() {
        return adapters.isEmpty();
    }
}
