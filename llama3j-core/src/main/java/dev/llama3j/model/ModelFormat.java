package dev.llama3j.model;

import java.nio.file.Path;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * An on-disk format llama3j loads: how to recognise a path in it and open it as a {@link ModelSource}.
 * Each source class declares its format as a constant; {@link ModelSources} lists them.
 *
 * @param name short name, e.g. {@code GGUF}
 * @param description what a path of this format is, for errors ({@code "a GGUF file"}); null for a special
 *     case of a later format (a quantized folder is a folder), which errors then need not name
 * @param mismatch why a path that is not recognised is not of this format, for errors; null to say nothing
 * @param recogniser whether a path that exists is of this format
 * @param opener opens a recognised path
 */
public record ModelFormat(String name, String description, String mismatch, Predicate<Path> recogniser,
        Function<Path, ModelSource> opener) {
    public boolean recognises(Path path) {
        return recogniser.test(path);
    }

    public ModelSource open(Path path) {
        return opener.apply(path);
    }

    @Override
    public String toString() {
        return name;
    }
}
