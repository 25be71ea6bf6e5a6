package dev.llama3j.lora;

import dev.llama3j.error.InvalidRequestException;
import java.nio.file.Path;

/**
 * An adapter to load: the name requests choose it by, and its PEFT folder.
 *
 * @param name what a request's {@code model} (or {@code adapter}) names it; the folder's name by default
 * @param dir the folder with {@code adapter_config.json} and {@code adapter_model.safetensors}
 */
public record LoraSpec(String name, Path dir) {
    public LoraSpec {
        if (name == null || name.isBlank()) {
            throw new InvalidRequestException("a LoRA adapter needs a name (NAME=DIR)", "lora");
        }
        if (dir == null) {
            throw new InvalidRequestException("LoRA adapter '" + name + "' needs a folder", "lora");
        }
    }

    /** {@code NAME=DIR}, or {@code DIR} named after its last path element. */
    public static LoraSpec parse(String arg) {
        int eq = arg.indexOf('=');
        if (eq > 0) {
            return new LoraSpec(arg.substring(0, eq), Path.of(arg.substring(eq + 1)));
        }
        if (eq == 0 || arg.isEmpty()) {
            throw new InvalidRequestException("--lora '" + arg + "': expected DIR or NAME=DIR", "lora");
        }
        return of(Path.of(arg));
    }

    /** An adapter named after its folder. */
    public static LoraSpec of(Path dir) {
        Path leaf = dir.toAbsolutePath().normalize().getFileName();
        return new LoraSpec(leaf == null ? dir.toString() : leaf.toString(), dir);
    }
}
