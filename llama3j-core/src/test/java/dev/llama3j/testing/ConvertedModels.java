package dev.llama3j.testing;

import dev.llama3j.convert.ConversionProgress;
import dev.llama3j.convert.HfToGgufConverter;
import dev.llama3j.convert.SyntheticModel;
import dev.llama3j.convert.SyntheticShape;
import dev.llama3j.convert.TensorTypeRecipe;
import dev.llama3j.gguf.GgufFile;
import dev.llama3j.gguf.GgufFileType;
import dev.llama3j.gguf.GgufKeys;
import dev.llama3j.gguf.GgufTensor;
import dev.llama3j.gguf.GgufWriter;
import dev.llama3j.tensor.GgmlType;
import dev.llama3j.tensor.WeightMatrix;
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

    /**
     * A random-weight Q4_0 file of {@link SyntheticShape#TINY}'s shape (256-wide rows, so its output
     * layer is Q6_K, as llama.cpp writes Q4_0 files), from {@code seed}, written to {@code name} in the
     * work folder.
     */
    public static Path tinySyntheticQ4(long seed, String name) {
        Path p = workDir().resolve(name);
        SyntheticModel.write(p, SyntheticShape.TINY, GgufFileType.MOSTLY_Q4_0, seed, Fixtures.tokenizerDir(),
                ConversionProgress.NONE);
        return p;
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

    /**
     * A copy of {@code model} in {@code type} with every tensor dequantized to F32: the same weight
     * values, so that an engine that rounds activations for quantized dot products computes in fp32 on it.
     */
    public static synchronized Path dequantizedTwin(String model, GgufFileType type) {
        String name = model + "-" + TensorTypeRecipe.nameOf(type) + "-as-f32.gguf";
        Path file = files.get(name);
        if (file == null) {
            file = workDir().resolve(name);
            try (GgufFile q = GgufFile.open(get(model, type))) {
                GgufWriter w = new GgufWriter().putAll(q.metadata())
                        .putUint32(GgufKeys.GENERAL_FILE_TYPE, GgufFileType.ALL_F32.id);
                for (GgufTensor t : q.tensors().values()) {
                    if (t.type() == GgmlType.F32) {
                        w.addTensor(t);
                        continue;
                    }
                    WeightMatrix m = t.asMatrix();
                    w.addTensor(t.name(), GgmlType.F32, t.dims(), out -> {
                        float[] row = new float[m.cols()];
                        for (int r = 0; r < m.rows(); r++) {
                            m.dequantizeRow(r, row, 0);
                            out.writeFloats(row, 0, row.length);
                        }
                    });
                }
                w.write(file);
            }
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
