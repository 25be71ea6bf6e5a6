package dev.llama3j.convert;

import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.gguf.GgufFileType;
import dev.llama3j.gguf.LlamaGgufNames;
import dev.llama3j.tensor.GgmlType;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * Which storage type each tensor of a Llama GGUF gets for a file type, chosen as llama.cpp chooses it,
 * so that a file llama3j writes has the tensor types of the file llama.cpp's tools would write.
 *
 * <ul>
 *   <li>1-D tensors (norms, {@code rope_freqs.weight}) and {@code *_norm.weight} stay F32 for every
 *       file type ({@code convert_hf_to_gguf.py}: "most of the codebase that takes in 1D tensors or norms
 *       only handles F32 tensors").</li>
 *   <li>F32, F16, BF16, Q8_0 ({@code convert_hf_to_gguf.py --outtype}): every other weight, the token
 *       embeddings and output included, in that type; a row length that Q8_0's 32-value blocks do not
 *       divide falls back to F16, as gguf-py does.</li>
 *   <li>Q4_0 ({@code llama-quantize … Q4_0}, no importance matrix): weights Q4_0, the token embeddings
 *       too, except the output matrix, and the token embeddings when they are tied to it (no
 *       {@code output.weight}), which get Q6_K; Q6_K's 256-value blocks must divide the row length, else
 *       Q8_0; a row length that 32 does not divide falls back to F16.</li>
 * </ul>
 */
public final class TensorTypeRecipe {
    private TensorTypeRecipe() {}

    /** The file types llama3j converts to. */
    public static final Set<GgufFileType> SUPPORTED = EnumSet.of(GgufFileType.ALL_F32, GgufFileType.MOSTLY_F16,
            GgufFileType.MOSTLY_BF16, GgufFileType.MOSTLY_Q8_0, GgufFileType.MOSTLY_Q4_0);

    /**
     * The type of tensor {@code ggufName} of dimensions {@code dims} ({@code ne0} first) in a file of type
     * {@code fileType}; {@code tied} says the file has no {@code output.weight}.
     */
    public static GgmlType typeOf(GgufFileType fileType, String ggufName, long[] dims, boolean tied) {
        if (!SUPPORTED.contains(fileType)) {
            throw new IllegalArgumentException("cannot write file type " + fileType + "; supported: " + SUPPORTED);
        }
        if (dims.length <= 1 || ggufName.endsWith("_norm.weight")) {
            return GgmlType.F32;
        }
        long rowLength = dims[0];
        return switch (fileType) {
            case ALL_F32 -> GgmlType.F32;
            case MOSTLY_F16 -> GgmlType.F16;
            case MOSTLY_BF16 -> GgmlType.BF16;
            case MOSTLY_Q8_0 -> rowLength % 32 == 0 ? GgmlType.Q8_0 : GgmlType.F16;
            case MOSTLY_Q4_0 -> {
                boolean output = ggufName.equals(LlamaGgufNames.OUTPUT) || tied && ggufName.equals(LlamaGgufNames.TOKEN_EMBD);
                if (rowLength % 32 != 0) {
                    yield GgmlType.F16;
                }
                if (!output) {
                    yield GgmlType.Q4_0;
                }
                yield rowLength % 256 == 0 ? GgmlType.Q6_K : GgmlType.Q8_0;
            }
            default -> throw new AssertionError(fileType);
        };
    }

    /** The file type named as on the command line: f32, f16, bf16, q8_0 or q4_0 (any case). */
    public static GgufFileType parse(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "f32" -> GgufFileType.ALL_F32;
            case "f16" -> GgufFileType.MOSTLY_F16;
            case "bf16" -> GgufFileType.MOSTLY_BF16;
            case "q8_0" -> GgufFileType.MOSTLY_Q8_0;
            case "q4_0" -> GgufFileType.MOSTLY_Q4_0;
            default -> throw new InvalidRequestException("unknown type '" + name + "'; expected f32, f16, bf16, q8_0 or q4_0",
                    "type");
        };
    }

    /** The command-line name of a supported file type. */
    public static String nameOf(GgufFileType fileType) {
        return switch (fileType) {
            case ALL_F32 -> "f32";
            case MOSTLY_F16 -> "f16";
            case MOSTLY_BF16 -> "bf16";
            case MOSTLY_Q8_0 -> "q8_0";
            case MOSTLY_Q4_0 -> "q4_0";
            default -> fileType.name().toLowerCase(Locale.ROOT);
        };
    }
}
