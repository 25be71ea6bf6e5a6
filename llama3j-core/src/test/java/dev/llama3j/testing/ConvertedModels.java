package dev.llama3j.testing;

import dev.llama3j.convert.ConversionProgress;
import dev.llama3j.convert.HfToGgufConverter;
import dev.llama3j.convert.TensorTypeRecipe;
import dev.llama3j.gguf.GgufFileType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The fixture models converted to GGUF, each conversion done once per test JVM (into a temporary
 * folder removed at exit), so that test classes that compare engines on the same files share them.
 */
public final class ConvertedModels {
    private static final Map<String, Path> files = new HashMap<>();
    private static Path dir;

    private ConvertedModels() {}

    /** The fixture {@code "random"} (tiny-random-llama-3.1) or {@code "chat"} (tiny-llama-3.1-chat). */
    public static Path folder(String model) {
        return switch (model) {
            case "random" -> Fixtures.randomModel();
            case "chat" -> Fixtures.chatModel();
            default -> throw new IllegalArgumentException(model);
        };
    }

    /** {@code model} converted to {@code type}, converting it the first time it is asked for. */
    public static synchronized Path get(String model, GgufFileType type) {
        String name = model + "-" + TensorTypeRecipe.nameOf(type) + ".gguf";
        Path file = files.get(name);
        if (file == null) {
            file = workDir().resolve(name);
            HfToGgufConverter.convert(folder(model), file, type, ConversionProgress.NONE);
            files.put(name, file);
        }
        return file;
    }

    /** A scratch folder for the run, removed when the JVM exits. */
    public static synchronized Path workDir() {
        if (dir == null) {
            try {
                dir = Files.createTempDirectory("llama3j-gguf-tests");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Path d = dir;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(d)));
        }
        return dir;
    }

    private static void deleteTree(Path d) {
        try (Stream<Path> s = Files.walk(d)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort at exit
        }
    }
}
