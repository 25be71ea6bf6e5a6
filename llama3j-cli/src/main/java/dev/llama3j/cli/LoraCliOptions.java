package dev.llama3j.cli;

import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.lora.LoraMode;
import dev.llama3j.lora.LoraOptions;
import dev.llama3j.lora.LoraSpec;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** {@code --lora [NAME=]DIR} (repeatable) and {@code --lora-mode}: PEFT LoRA adapters to load. */
final class LoraCliOptions {
    @Option(names = "--lora", paramLabel = "[NAME=]DIR",
            description = "A PEFT LoRA adapter folder (adapter_config.json + adapter_model.safetensors), named"
                    + " NAME or after its folder (repeatable)")
    List<String> lora = List.of();

    @Option(names = "--lora-mode", paramLabel = "MODE",
            description = "merged (folded into the weights; one adapter on a float base), unmerged (a side path;"
                    + " any base) or auto (default: merged when possible)")
    String mode = "auto";

    /** The adapters and mode as given. */
    LoraOptions options() {
        List<LoraSpec> specs = new ArrayList<>();
        for (String s : lora) {
            specs.add(LoraSpec.parse(s));
        }
        return new LoraOptions(specs, LoraMode.parse(mode));
    }

    /**
     * For a command that applies one adapter to everything it generates: the options, refusing more
     * than one adapter.
     */
    LoraOptions single(String command) {
        LoraOptions o = options();
        if (o.adapters().size() > 1) {
            throw new InvalidRequestException(command + " applies one LoRA adapter, got " + o.adapters().size()
                    + " (--lora " + String.join(", --lora ", lora) + "); serve takes several", "lora");
        }
        return o;
    }

    /** The name of the one adapter to apply, or null for none. */
    static String applied(LoraOptions o) {
        return o.adapters().isEmpty() ? null : o.adapters().get(0).name();
    }
}
