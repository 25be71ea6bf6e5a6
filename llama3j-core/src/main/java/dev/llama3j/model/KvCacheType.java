package dev.llama3j.model;

/** How a {@link KvCache} stores keys and values: fp32, or fp16 at half the memory (llama.cpp's default). */
public enum KvCacheType {
    F32(4),
    F16(2);

    public final int bytes;

    KvCacheType(int bytes) {
        this.bytes = bytes;
    }

    /** Parses {@code f32} or {@code f16} (any case); errors name the accepted values. */
    public static KvCacheType parse(String s) {
        for (KvCacheType t : values()) {
            if (t.name().equalsIgnoreCase(s)) {
                return t;
            }
        }
        throw new dev.llama3j.error.InvalidRequestException("unknown cache type '" + s + "'; use f32 or f16", "cache-type");
    }
}
