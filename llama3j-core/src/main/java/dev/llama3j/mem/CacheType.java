package dev.llama3j.mem;

import dev.llama3j.error.InvalidRequestException;
import java.util.Locale;

/**
 * The element type of a KV cache being planned. llama3j's engine keeps f16 (its default, like
 * llama.cpp's) or f32 ({@link dev.llama3j.model.KvCacheType}); GPU servers and the Llama 3.1 blog use
 * 16-bit; llama.cpp can also quantize the cache to q8_0 (34 bytes per 32 values) or q4_0 (18 per 32).
 */
public enum CacheType {
    F32("f32", 4, 1),
    F16("f16", 2, 1),
    BF16("bf16", 2, 1),
    Q8_0("q8_0", 34, 32),
    Q4_0("q4_0", 18, 32);

    /** The cache type llama3j's engine allocates by default. */
    public static final CacheType ENGINE = of(dev.llama3j.model.KvCacheType.F16);

    /** The planning type of an engine cache type. */
    public static CacheType of(dev.llama3j.model.KvCacheType t) {
        return switch (t) {
            case F32 -> F32;
            case F16 -> F16;
        };
    }

    private final String id;
    private final int blockBytes;
    private final int blockValues;

    CacheType(String id, int blockBytes, int blockValues) {
        this.id = id;
        this.blockBytes = blockBytes;
        this.blockValues = blockValues;
    }

    public String id() {
        return id;
    }

    /** Bytes of {@code elements} cache values; quantized types need whole blocks of 32 per head row. */
    public long bytes(long elements) {
        return (elements + blockValues - 1) / blockValues * blockBytes;
    }

    /** Bytes per value, e.g. 2.0 for f16 and 1.0625 for q8_0. */
    public double bytesPerValue() {
        return blockBytes / (double) blockValues;
    }

    public static CacheType parse(String name) {
        String n = name.strip().toLowerCase(Locale.ROOT);
        if (n.equals("fp16")) {
            return F16;
        }
        if (n.equals("fp32")) {
            return F32;
        }
        for (CacheType t : values()) {
            if (t.id.equals(n)) {
                return t;
            }
        }
        throw new InvalidRequestException("--cache: unknown cache type '" + name
                + "'; use f32, f16, bf16, q8_0 or q4_0", "cache");
    }
}
