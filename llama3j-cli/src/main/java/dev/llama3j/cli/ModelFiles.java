package dev.llama3j.cli;

import dev.llama3j.model.ModelSource;
import dev.llama3j.model.ModelSources;
import dev.llama3j.tokenizer.Tokenizer;
import java.nio.file.Path;

/** Reads parts of a model without loading its weights. */
final class ModelFiles {
    private ModelFiles() {}

    /** The tokenizer of a model in any format (a Hugging Face folder's tokenizer.json, a GGUF's metadata). */
    static Tokenizer tokenizer(Path model) {
        try (ModelSource source = ModelSources.open(model)) {
            return source.tokenizer();
        }
    }
}
