package dev.llama3j.model;

import dev.llama3j.error.ModelFormatException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The formats llama3j loads, and the one place that decides which format a path is. Adding a format
 * is adding its {@link ModelSource} class and registering its {@link ModelFormat} here.
 */
public final class ModelSources {
    /**
     * Tried in order; the first that recognises a path wins, so a format that is a special case of
     * another (a quantized Hugging Face checkpoint) goes before it.
     */
    public static final List<ModelFormat> FORMATS = List.of(QuantizedSource.FORMAT, HuggingFaceSource.FORMAT,
            GgufModelSource.FORMAT);

    private ModelSources() {}

    /** The format of {@code path}; errors name the path when it does not exist or no format recognises it. */
    public static ModelFormat formatOf(Path path) {
        if (!Files.exists(path)) {
            throw new ModelFormatException(path + ": no such model file or folder");
        }
        for (ModelFormat f : FORMATS) {
            if (f.recognises(path)) {
                return f;
            }
        }
        List<String> what = new ArrayList<>();
        List<String> why = new ArrayList<>();
        for (ModelFormat f : FORMATS) {
            if (f.description() == null) {
                continue;
            }
            what.add(f.description());
            if (f.mismatch() != null) {
                why.add(f.mismatch());
            }
        }
        throw new ModelFormatException(path + ": neither " + String.join(" nor ", what)
                + (why.isEmpty() ? "" : " (" + String.join("; ", why) + ")"));
    }

    /** Opens {@code path} in its format ({@link #formatOf}); close the source unless a model took it. */
    public static ModelSource open(Path path) {
        return formatOf(path).open(path);
    }
}
