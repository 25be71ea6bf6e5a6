package dev.llama3j.testing;

import dev.llama3j.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The shared test fixtures (models, tokenizer, goldens), read in place. Their folder comes from the
 * system property {@code llama3j.fixtures} (Maven sets it to {@code ../shared/fixtures} beside the
 * checkout); a missing folder fails the test with a message that says how to point at it.
 */
public final class Fixtures {
    private static Map<String, Object> goldens;

    private Fixtures() {}

    public static Path dir() {
        String prop = System.getProperty("llama3j.fixtures", "../shared/fixtures");
        Path dir = Path.of(prop).toAbsolutePath().normalize();
        if (!Files.isRegularFile(dir.resolve("goldens/goldens.json"))) {
            throw new AssertionError("test fixtures not found at " + dir
                    + " (expected goldens/goldens.json there). Put the shared fixtures beside the checkout"
                    + " as ../shared/fixtures or run with -Dllama3j.fixtures=/path/to/fixtures");
        }
        return dir;
    }

    public static Path path(String relative) {
        Path p = dir().resolve(relative);
        if (!Files.exists(p)) {
            throw new AssertionError("fixture missing: " + p);
        }
        return p;
    }

    public static Path randomModel() {
        return path("tiny-random-llama-3.1");
    }

    public static Path chatModel() {
        return path("tiny-llama-3.1-chat");
    }

    /** The PEFT LoRA adapter for {@link #randomModel()}. */
    public static Path loraAdapter() {
        return path("lora-tiny-random");
    }

    public static Path tokenizerDir() {
        return path("tokenizer");
    }

    /** The checkout's root folder (Maven sets {@code llama3j.repo}). */
    public static Path repoRoot() {
        String prop = System.getProperty("llama3j.repo");
        if (prop != null) {
            return Path.of(prop);
        }
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("mvnw"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new AssertionError("cannot find the repository root (no mvnw above " + Path.of("").toAbsolutePath() + ")");
        }
        return p;
    }

    public static synchronized Map<String, Object> goldens() {
        if (goldens == null) {
            goldens = Json.asObject(Json.parseFile(path("goldens/goldens.json")), "goldens.json");
        }
        return goldens;
    }

    @SuppressWarnings("unchecked")
    public static List<Map<String, Object>> goldenList(String key) {
        return (List<Map<String, Object>>) goldens().get(key);
    }

    /** Reads a little-endian float32 golden file such as {@code random-hello-last.f32}. */
    public static float[] f32(String name) {
        ByteBuffer bb = read(name);
        float[] out = new float[bb.remaining() / 4];
        bb.asFloatBuffer().get(out);
        return out;
    }

    /** Reads a little-endian int32 golden file such as {@code random-long12k-ids.i32}. */
    public static int[] i32(String name) {
        ByteBuffer bb = read(name);
        int[] out = new int[bb.remaining() / 4];
        bb.asIntBuffer().get(out);
        return out;
    }

    private static ByteBuffer read(String name) {
        try {
            return ByteBuffer.wrap(Files.readAllBytes(path("goldens/" + name))).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static int[] ints(Object jsonList) {
        List<?> l = (List<?>) jsonList;
        int[] out = new int[l.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) l.get(i)).intValue();
        }
        return out;
    }
}
