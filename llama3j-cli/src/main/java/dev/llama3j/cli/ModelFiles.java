package dev.llama3j.cli;

import dev.llama3j.gguf.GgufFile;
import dev.llama3j.gguf.GgufVocabulary;
import dev.llama3j.model.ModelFormat;
import dev.llama3j.tokenizer.Tokenizer;
import java.nio.file.Path;

/** Reads parts of a model without loading its weights. */
final class ModelFiles {
    private ModelFiles() {}

    /** The tokenizer of a Hugging Face folder (tokenizer.json) or of a GGUF file (its metadata). */
    static Tokenizer tokenizer(Path model) {
        if (ModelFormat.of(model) == ModelFormat.GGUF) {
            try (GgufFile gguf = GgufFile.open(model)) {
                return GgufVocabulary.tokenizer(gguf);
            }
        }
        return Tokenizer.load(model);
    }
}
