package dev.llama3j.gguf;

import dev.llama3j.tensor.GgmlType;

/**
 * The values of {@code general.file_type}: llama.cpp's {@code llama_ftype}, which says what most 2-D
 * weights are stored as (1-D tensors stay F32). Only the types llama3j reads or writes are listed; the
 * ids are gguf-py's {@code LlamaFileType}.
 */
public enum GgufFileType {
    ALL_F32(0),
    MOSTLY_F16(1),
    MOSTLY_Q4_0(2),
    MOSTLY_Q4_1(3),
    MOSTLY_Q8_0(7),
    MOSTLY_Q4_K_S(14),
    MOSTLY_Q4_K_M(15),
    MOSTLY_Q5_K_S(16),
    MOSTLY_Q5_K_M(17),
    MOSTLY_Q6_K(18),
    MOSTLY_BF16(32);

    public final int id;

    GgufFileType(int id) {
        this.id = id;
    }

    /** The file type of a file whose weights are all {@code type}, or null when there is none. */
    public static GgufFileType forWeights(GgmlType type) {
        return switch (type) {
            case F32 -> ALL_F32;
            case F16 -> MOSTLY_F16;
            case BF16 -> MOSTLY_BF16;
            case Q8_0 -> MOSTLY_Q8_0;
            case Q4_0 -> MOSTLY_Q4_0;
            case Q4_1 -> MOSTLY_Q4_1;
            case Q6_K -> MOSTLY_Q6_K;
            default -> null; // Q4_K and Q5_K files mix types (the _S and _M recipes)
        };
    }

    /** The file type with this id, or null for one not listed here. */
    public static GgufFileType fromId(int id) {
        for (GgufFileType t : values()) {
            if (t.id == id) {
                return t;
            }
        }
        return null;
    }
}
