package dev.llama3j.model;

import dev.llama3j.error.ModelFormatException;
import dev.llama3j.gguf.GgufFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** The two ways a model comes: a Hugging Face folder, or a GGUF file. */
public enum ModelFormat {
    HUGGING_FACE,
    GGUF;

    /**
     * Tells them apart: a folder is Hugging Face; a file is GGUF when it starts with the GGUF magic, or
     * when its name ends in {@code .gguf} (so that a damaged one is reported as a damaged GGUF file).
     */
    public static ModelFormat of(Path path) {
        if (Files.isDirectory(path)) {
            return HUGGING_FACE;
        }
        if (!Files.exists(path)) {
            throw new ModelFormatException(path + ": no such model file or folder");
        }
        if (GgufFile.hasGgufMagic(path) || path.getFileName().toString().toLowerCase(Locale.ROOT)
                .endsWith(".gguf")) {
            return GGUF;
        }
        throw new ModelFormatException(path + ": neither a Hugging Face model folder nor a GGUF file (it does not"
                + " start with the magic 'GGUF')");
    }
}
