package dev.llama3j.lora;

import dev.llama3j.error.InvalidRequestException;

/** How adapters are applied. */
public enum LoraMode {
    /** Folded into the weights at load time ({@link LoraMerger}): one adapter, a float base, base speed. */
    MERGED,
    /**
     * A per-token side path ({@link LoraSidePath}): any base type, several adapters chosen per request,
     * the base still served.
     */
    UNMERGED,
    /** Merged when there is one adapter and the weights it touches are floats, else unmerged. */
    AUTO;

    /** {@code merged}, {@code unmerged} or {@code auto}, as the command line spells them. */
    public static LoraMode parse(String s) {
        for (LoraMode m : values()) {
            if (m.name().equalsIgnoreCase(s)) {
                return m;
            }
        }
        throw new InvalidRequestException("LoRA mode must be merged, unmerged or auto, got '" + s + "'",
                "lora-mode");
    }
}
