package dev.llama3j.mem;

import dev.llama3j.error.InvalidRequestException;
import java.util.Locale;

/** How a model is fine-tuned. */
public enum TrainingMethod {
    /** Every weight trained: mixed-precision bf16 with fp32 master weights and AdamW. */
    FULL("full", "full fine-tuning"),
    /** Frozen bf16 base, trained low-rank adapters on the seven projections of every layer. */
    LORA("lora", "LoRA"),
    /** LoRA over a base whose projections are stored in 4-bit NF4 (bitsandbytes). */
    QLORA("qlora", "QLoRA");

    private final String id;
    private final String title;

    TrainingMethod(String id, String title) {
        this.id = id;
        this.title = title;
    }

    public String id() {
        return id;
    }

    public String title() {
        return title;
    }

    public boolean usesLora() {
        return this != FULL;
    }

    public static TrainingMethod parse(String name) {
        String n = name.strip().toLowerCase(Locale.ROOT).replace("-", "");
        for (TrainingMethod m : values()) {
            if (m.id.equals(n)) {
                return m;
            }
        }
        throw new InvalidRequestException("--training: unknown method '" + name + "'; use full, lora or qlora",
                "training");
    }
}
