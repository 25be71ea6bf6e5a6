package dev.llama3j.tensor;

import dev.llama3j.error.UnsupportedModelException;

/**
 * Storage types of tensor data, with ggml's numeric ids (as written in GGUF files), block sizes (values
 * per block) and type sizes (bytes per block). Safetensors dtypes map onto F32, F16 and BF16.
 *
 * <p>The last two are not ggml types but the weights of quantized Hugging Face checkpoints, held in
 * their own repacked layouts ({@link Int4GroupMatrix}, {@link Fp8Matrix}); their ids lie outside
 * ggml's range and a GGUF file cannot hold them ({@link #requireGguf}): converting dequantizes them.
 */
public enum GgmlType {
    F32(0, 1, 4),
    F16(1, 1, 2),
    Q4_0(2, 32, 2 + 16),
    Q4_1(3, 32, 2 + 2 + 16),
    Q5_0(6, 32, 2 + 4 + 16),
    Q5_1(7, 32, 2 + 2 + 4 + 16),
    Q8_0(8, 32, 2 + 32),
    Q8_1(9, 32, 4 + 32),
    Q2_K(10, 256, 256 / 16 + 256 / 4 + 2 + 2),
    Q3_K(11, 256, 256 / 8 + 256 / 4 + 12 + 2),
    Q4_K(12, 256, 2 + 2 + 12 + 256 / 2),
    Q5_K(13, 256, 2 + 2 + 12 + 256 / 8 + 256 / 2),
    Q6_K(14, 256, 256 / 2 + 256 / 4 + 256 / 16 + 2),
    Q8_K(15, 256, 4 + 256 + 256 / 16 * 2),
    I8(24, 1, 1),
    I16(25, 1, 2),
    I32(26, 1, 4),
    I64(27, 1, 8),
    F64(28, 1, 8),
    BF16(30, 1, 2),
    /**
     * AWQ / GPTQ / compressed-tensors INT4 with a scale and zero per group of inputs; the sizes count
     * the 4-bit codes only (the per-group scales come on top, see {@link Int4GroupMatrix}).
     */
    INT4_GROUP(1001, 32, 16),
    /** FP8 E4M3 with a scale per output row or per tensor ({@link Fp8Matrix}). */
    F8_E4M3(1002, 1, 1),
    /**
     * bitsandbytes' NF4 (QLoRA's frozen base), held in memory only ({@link Nf4Matrix}). Blocks of 64
     * values in 32 bytes of 4-bit codes; the block scales are kept beside the codes.
     */
    NF4(1003, 64, 32);

    /** ids from here up are llama3j's own, never written to a GGUF file. */
    private static final int FIRST_NON_GGUF_ID = 1000;

    /** Names of ggml types that exist but that llama3j does not implement, for error messages. */
    private static final String[] OTHER_NAMES = new String[64];

    static {
        String[] names = {"16:IQ2_XXS", "17:IQ2_XS", "18:IQ3_XXS", "19:IQ1_S", "20:IQ4_NL", "21:IQ3_S", "22:IQ2_S",
            "23:IQ4_XS", "29:IQ1_M", "34:TQ1_0", "35:TQ2_0", "39:MXFP4", "4:Q4_2 (removed)", "5:Q4_3 (removed)",
            "31:Q4_0_4_4 (removed)", "32:Q4_0_4_8 (removed)", "33:Q4_0_8_8 (removed)", "36:IQ4_NL_4_4 (removed)",
            "37:IQ4_NL_4_8 (removed)", "38:IQ4_NL_8_8 (removed)", "40:NVFP4", "41:Q1_0"};
        for (String n : names) {
            int colon = n.indexOf(':');
            OTHER_NAMES[Integer.parseInt(n.substring(0, colon))] = n.substring(colon + 1);
        }
    }

    private static final GgmlType[] BY_ID = new GgmlType[64];

    static {
        for (GgmlType t : values()) {
            if (t.isGguf()) {
                BY_ID[t.id] = t;
            }
        }
    }

    public final int id;
    /** Values per block (1 for plain float and integer types). */
    public final int blockSize;
    /** Bytes per block. */
    public final int typeSize;

    GgmlType(int id, int blockSize, int typeSize) {
        this.id = id;
        this.blockSize = blockSize;
        this.typeSize = typeSize;
    }

    /** Bytes needed for {@code elements} values; {@code elements} must be a multiple of the block size. */
    public long bytesFor(long elements) {
        return elements / blockSize * typeSize;
    }

    public boolean isQuantized() {
        return blockSize > 1;
    }

    /** Whether GGUF files can hold this type (false for the Hugging Face quantized layouts). */
    public boolean isGguf() {
        return id < FIRST_NON_GGUF_ID;
    }

    /**
     * Throws an {@link UnsupportedModelException} naming {@code tensorName} unless a GGUF file can hold
     * this type.
     */
    public void requireGguf(String tensorName) {
        if (!isGguf()) {
            throw new UnsupportedModelException("tensor '" + tensorName + "' is " + this + ", a Hugging Face"
                    + " quantized layout that GGUF cannot hold; dequantize it and quantize to a GGUF type"
                    + " (F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q4_K, Q5_K, Q6_K)");
        }
    }

    /** The type with this ggml id, or an {@link UnsupportedModelException} naming it. */
    public static GgmlType fromId(int id, String tensorName) {
        if (id >= 0 && id < BY_ID.length && BY_ID[id] != null) {
            return BY_ID[id];
        }
        String name = id >= 0 && id < OTHER_NAMES.length && OTHER_NAMES[id] != null ? OTHER_NAMES[id] : "unknown";
        throw new UnsupportedModelException("tensor '" + tensorName + "' has unsupported tensor type " + name
                + " (ggml type id " + Integer.toUnsignedString(id) + "); supported: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q4_K, Q5_K, Q6_K");
    }
}
