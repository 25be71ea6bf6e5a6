package dev.llama3j.cli;

import dev.llama3j.tokenizer.Tokenizer;
import java.nio.file.Path;

/** Reads parts of a model without loading its weights. */
final class ModelFiles {
    private ModelFiles() {}

    static Tokenizer tokenizer(Path model) {
        return Tokenizer.load(model);
    }
}
