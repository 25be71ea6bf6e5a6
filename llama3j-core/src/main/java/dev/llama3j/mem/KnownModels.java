package dev.llama3j.mem;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The Llama 3.1 sizes, built in so that {@code llama3j mem} needs no download. Shapes are those of
 * Meta's released {@code config.json} files (meta-llama/Llama-3.1-{8B,70B,405B}): vocabulary 128,256,
 * untied embeddings, head size 128, 8 KV heads, 131,072 positions.
 */
public final class KnownModels {
    public static final ModelShape LLAMA_3_1_8B =
            new ModelShape("Llama 3.1 8B", 32, 4096, 32, 8, 128, 14336, 128256, false, 131072);
    public static final ModelShape LLAMA_3_1_70B =
            new ModelShape("Llama 3.1 70B", 80, 8192, 64, 8, 128, 28672, 128256, false, 131072);
    public static final ModelShape LLAMA_3_1_405B =
            new ModelShape("Llama 3.1 405B", 126, 16384, 128, 8, 128, 53248, 128256, false, 131072);
    /**
     * 405B as the launch-time "MP16" checkpoint had it, with 16 KV heads (the released one has 8).
     * The Llama 3.1 blog's 405B KV-cache row is for this shape. Its parameter count is not the
     * released model's either (k and v are twice as wide).
     */
    public static final ModelShape LLAMA_3_1_405B_MP16 =
            new ModelShape("Llama 3.1 405B (launch MP16, 16 KV heads)", 126, 16384, 128, 16, 128, 53248, 128256,
                    false, 131072);

    private static final Map<String, ModelShape> BY_NAME = new LinkedHashMap<>();

    static {
        register(LLAMA_3_1_8B, "8b");
        register(LLAMA_3_1_70B, "70b");
        register(LLAMA_3_1_405B, "405b");
        register(LLAMA_3_1_405B_MP16, "405b-mp16");
    }

    private static void register(ModelShape shape, String key) {
        BY_NAME.put(key, shape);
        BY_NAME.put("llama-3.1-" + key, shape);
        BY_NAME.put("llama3.1-" + key, shape);
    }

    private KnownModels() {}

    /** The preset for {@code 8b}, {@code 70B}, {@code llama-3.1-405b}, {@code 405b-mp16}…, if any. */
    public static Optional<ModelShape> find(String name) {
        return Optional.ofNullable(BY_NAME.get(name.strip().toLowerCase(Locale.ROOT)));
    }

    /** The short names, for help and error messages. */
    public static String names() {
        return "8b, 70b, 405b, 405b-mp16";
    }
}
