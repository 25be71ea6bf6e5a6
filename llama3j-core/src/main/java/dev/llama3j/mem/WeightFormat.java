package dev.llama3j.mem;

import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.tensor.GgmlType;
import java.util.Locale;

/**
 * How the weights are stored, and so how many bytes a model takes.
 *
 * <ul>
 *   <li>{@code f32}, {@code bf16}, {@code fp8}, {@code int4}: a flat 4, 2, 1 or ½ byte per parameter,
 *       norms included and no scales: the Llama 3.1 blog's arithmetic. Real FP8 and INT4 checkpoints
 *       add per-row or per-group scales and keep some tensors in bf16, so they are a little larger.
 *   <li>{@code q8_0}, {@code q4_0}, {@code q4_k_m}: llama.cpp's GGUF types, block scales included
 *       (q8_0 = 34 bytes per 32 values, q4_0 = 18 per 32, Q4_K = 144 per 256, Q6_K = 210 per 256),
 *       with the per-tensor choices {@code llama-quantize} makes: norms stay f32; the output matrix
 *       is Q6_K for q4_0 and q4_k_m; q4_k_m also puts {@code attn_v} and {@code ffn_down} in Q6_K in
 *       half of the layers (the first and last eighth and every third one between) and, for 70B,
 *       the other {@code attn_v} in Q5_K. That mirrors llama.cpp's recipe as of 2024–25; a file's
 *       tensor data should match it to within a fraction of a percent (the file adds its metadata,
 *       about 8 MB of tokenizer for Llama 3). To see a real file's bytes, give its path.
 * </ul>
 */
public enum WeightFormat {
    F32("f32", "32-bit float"),
    BF16("bf16", "bfloat16 or float16: 2 bytes per parameter"),
    FP8("fp8", "1 byte per parameter (no scales)"),
    INT4("int4", "½ byte per parameter (no scales)"),
    Q8_0("q8_0", "llama.cpp Q8_0: 34 bytes per 32 values"),
    Q4_0("q4_0", "llama.cpp Q4_0: 18 bytes per 32 values, output Q6_K"),
    Q4_K_M("q4_k_m", "llama.cpp Q4_K_M: Q4_K with Q6_K for output and half of attn_v/ffn_down");

    private final String id;
    private final String description;

    WeightFormat(String id, String description) {
        this.id = id;
        this.description = description;
    }

    /** The name used on the command line, e.g. {@code q4_k_m}. */
    public String id() {
        return id;
    }

    public String description() {
        return description;
    }

    /** Parses a format name; {@code fp16}, {@code f16} and {@code bfloat16} mean {@link #BF16}. */
    public static WeightFormat parse(String name) {
        String n = name.strip().toLowerCase(Locale.ROOT).replace('-', '_');
        switch (n) {
            case "fp16", "f16", "float16", "bfloat16" -> {
                return BF16;
            }
            case "fp32", "float32" -> {
                return F32;
            }
            default -> {
                for (WeightFormat f : values()) {
                    if (f.id.equals(n)) {
                        return f;
                    }
                }
                throw new InvalidRequestException("--weights: unknown format '" + name
                        + "'; use f32, bf16, fp8, int4, q8_0, q4_0 or q4_k_m", "weights");
            }
        }
    }

    /** Whether this is a flat bytes-per-parameter format (no per-tensor choices). */
    public boolean isFlat() {
        return ordinal() <= INT4.ordinal();
    }

    /** Total bytes of all weights of {@code shape} in this format. */
    public long bytes(ModelShape shape) {
        long sum = 0;
        for (ModelTensor t : shape.tensors()) {
            sum += bytes(t, shape);
        }
        return sum;
    }

    /** Bytes of one tensor in this format. */
    public long bytes(ModelTensor t, ModelShape shape) {
        return switch (this) {
            case F32 -> t.elements() * 4;
            case BF16 -> t.elements() * 2;
            case FP8 -> t.elements();
            case INT4 -> (t.elements() + 1) / 2;
            default -> {
                GgmlType type = ggmlType(t, shape);
                yield t.rows() * type.bytesFor(t.cols());
            }
        };
    }

    /** The llama.cpp type {@code llama-quantize} would give this tensor (GGUF formats only). */
    public GgmlType ggmlType(ModelTensor t, ModelShape shape) {
        if (isFlat()) {
            throw new IllegalStateException(id + " is not a GGUF format");
        }
        if (t.role() == TensorRole.NORM) {
            return GgmlType.F32;
        }
        // The output matrix (or the embedding, when it doubles as the output) gets more bits.
        boolean output = t.role() == TensorRole.OUTPUT || (shape.tied() && t.role() == TensorRole.TOKEN_EMBEDDING);
        GgmlType type = switch (this) {
            case Q8_0 -> GgmlType.Q8_0;
            case Q4_0 -> output ? GgmlType.Q6_K : GgmlType.Q4_0;
            case Q4_K_M -> {
                if (output) {
                    yield GgmlType.Q6_K;
                }
                boolean moreBits = t.layer() >= 0 && useMoreBits(t.layer(), shape.layers());
                if (t.role() == TensorRole.ATTN_V) {
                    // llama.cpp's 70B rule: 8 query heads share each V head, so V is cheap to keep better.
                    yield moreBits ? GgmlType.Q6_K : isLlama70bLike(shape) ? GgmlType.Q5_K : GgmlType.Q4_K;
                }
                if (t.role() == TensorRole.FFN_DOWN && moreBits) {
                    yield GgmlType.Q6_K;
                }
                yield GgmlType.Q4_K;
            }
            default -> throw new IllegalStateException(id);
        };
        return fallback(type, t.cols());
    }

    /** Rows whose length is not a whole number of 256-value blocks cannot use k-quants. */
    private static GgmlType fallback(GgmlType type, long cols) {
        if (cols % type.blockSize == 0) {
            return type;
        }
        GgmlType other = switch (type) {
            case Q4_K -> GgmlType.Q5_0;
            case Q5_K -> GgmlType.Q5_1;
            case Q6_K -> GgmlType.Q8_0;
            default -> GgmlType.F16;
        };
        return cols % other.blockSize == 0 ? other : GgmlType.F16;
    }

    /** llama.cpp's {@code use_more_bits}: the first and last eighth of the layers, and every third between. */
    static boolean useMoreBits(int layer, int layers) {
        return layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;
    }

    /** llama.cpp calls an 80-layer model with grouped-query attention "70B". */
    private static boolean isLlama70bLike(ModelShape shape) {
        return shape.layers() == 80 && shape.heads() != shape.kvHeads();
    }
}
