package dev.llama3j.quant;

import dev.llama3j.tensor.Quantizer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * The inverse of the unpackers: one linear layer's tensors in a published layout, packed as the
 * reference quantizers pack them (AutoAWQ {@code WQLinear_GEMM.from_linear}, AutoGPTQ
 * {@code QuantLinear.pack}, compressed-tensors {@code pack_to_int32}, the FP8 {@code weight} +
 * {@code weight_scale} pair). Used to write synthetic checkpoints; the tests check that it reproduces the
 * fixtures' bytes, which {@code tools/fixtures/make_quantized_fixtures.py} packed.
 */
public final class QuantizedLayerPacker {
    /** Output column (within a word's eight) held by nibble k in AWQ's order. */
    private static final int[] AWQ_NIBBLE_TO_OUTPUT = {0, 2, 4, 6, 1, 3, 5, 7};

    /** One tensor of a layer: appended to the module name ({@code .qweight}, …), safetensors dtype, shape, bytes. */
    public record Part(String suffix, String dtype, long[] shape, byte[] data) {}

    private QuantizedLayerPacker() {}

    /** AWQ GEMM: {@code qweight [in, out/8]}, {@code qzeros [in/g, out/8]} (nibbles in AWQ's order), {@code scales} F16. */
    public static List<Part> awq(Int4Weights w) {
        requireNaturalOrder(w, "AWQ");
        int rows = w.rows();
        int cols = w.cols();
        int groups = cols / w.groupSize();
        int words = rows / 8;
        int[] q = new int[cols * words];
        int[] z = new int[groups * words];
        for (int i = 0; i < cols; i++) {
            for (int wd = 0; wd < words; wd++) {
                int word = 0;
                for (int k = 0; k < 8; k++) {
                    word |= (w.codes().code(wd * 8 + AWQ_NIBBLE_TO_OUTPUT[k], i) & 15) << (4 * k);
                }
                q[i * words + wd] = word;
            }
        }
        for (int gi = 0; gi < groups; gi++) {
            for (int wd = 0; wd < words; wd++) {
                int word = 0;
                for (int k = 0; k < 8; k++) {
                    word |= zeroNibble(w, wd * 8 + AWQ_NIBBLE_TO_OUTPUT[k], gi, 0) << (4 * k);
                }
                z[gi * words + wd] = word;
            }
        }
        return List.of(new Part(".qweight", "I32", new long[] {cols, words}, ints(q)),
                new Part(".qzeros", "I32", new long[] {groups, words}, ints(z)),
                new Part(".scales", "F16", new long[] {groups, rows}, halves(transposedScales(w), false)));
    }

    /**
     * GPTQ: {@code qweight [in/8, out]} packed along the input, {@code qzeros [in/g, out/8]} along the output
     * (each zero minus one when {@code zerosMinusOne}: checkpoint formats before {@code gptq_v2}),
     * {@code scales} F16, {@code g_idx} from {@link Int4Weights#inputOrder} (desc_act) or {@code i / g}.
     */
    public static List<Part> gptq(Int4Weights w, boolean zerosMinusOne) {
        int rows = w.rows();
        int cols = w.cols();
        int g = w.groupSize();
        int groups = cols / g;
        int[] storedColumnOf = new int[cols];
        int[] gIdx = new int[cols];
        for (int c = 0; c < cols; c++) {
            int input = w.inputOrder() == null ? c : w.inputOrder()[c];
            storedColumnOf[input] = c;
            gIdx[input] = c / g;
        }
        int[] q = new int[cols / 8 * rows];
        for (int i = 0; i < cols; i++) {
            int c = storedColumnOf[i];
            int shift = 4 * (i % 8);
            int base = (i / 8) * rows;
            for (int o = 0; o < rows; o++) {
                q[base + o] |= (w.codes().code(o, c) & 15) << shift;
            }
        }
        int words = rows / 8;
        int[] z = new int[groups * words];
        for (int gi = 0; gi < groups; gi++) {
            for (int o = 0; o < rows; o++) {
                z[gi * words + o / 8] |= zeroNibble(w, o, gi, zerosMinusOne ? 1 : 0) << (4 * (o % 8));
            }
        }
        return List.of(new Part(".qweight", "I32", new long[] {cols / 8, rows}, ints(q)),
                new Part(".qzeros", "I32", new long[] {groups, words}, ints(z)),
                new Part(".scales", "F16", new long[] {groups, rows}, halves(transposedScales(w), false)),
                new Part(".g_idx", "I32", new long[] {cols}, ints(gIdx)));
    }

    /**
     * compressed-tensors pack-quantized: {@code weight_packed [out, in/8]} of {@code q + 8}, {@code weight_scale}
     * BF16 {@code [out, in/g]}, {@code weight_shape}, and {@code weight_zero_point [out/8, in/g]} (packed
     * along dim 0) unless every zero is 8 (symmetric).
     */
    public static List<Part> compressedInt4(Int4Weights w) {
        requireNaturalOrder(w, "compressed-tensors pack-quantized");
        int rows = w.rows();
        int cols = w.cols();
        int groups = cols / w.groupSize();
        int words = cols / 8;
        int[] q = new int[rows * words];
        for (int o = 0; o < rows; o++) {
            for (int wd = 0; wd < words; wd++) {
                int word = 0;
                for (int k = 0; k < 8; k++) {
                    word |= (w.codes().code(o, wd * 8 + k) & 15) << (4 * k);
                }
                q[o * words + wd] = word;
            }
        }
        boolean symmetric = true;
        for (float zero : w.zeros()) {
            symmetric &= zero == 8;
        }
        Part packed = new Part(".weight_packed", "I32", new long[] {rows, words}, ints(q));
        Part scale = new Part(".weight_scale", "BF16", new long[] {rows, groups}, halves(w.scales(), true));
        Part shape = new Part(".weight_shape", "I32", new long[] {2}, ints(new int[] {rows, cols}));
        if (symmetric) {
            return List.of(packed, scale, shape);
        }
        int[] z = new int[(rows + 7) / 8 * groups];
        for (int o = 0; o < rows; o++) {
            for (int gi = 0; gi < groups; gi++) {
                z[(o / 8) * groups + gi] |= zeroNibble(w, o, gi, 0) << (4 * (o % 8));
            }
        }
        return List.of(packed, scale, shape,
                new Part(".weight_zero_point", "I32", new long[] {(rows + 7) / 8, groups}, ints(z)));
    }

    /**
     * FP8: {@code weight} F8_E4M3 {@code [out, in]} as given, {@code weight_scale [out, 1]} per channel in
     * {@code scaleDtype} (F32 for fbgemm, BF16 for compressed-tensors).
     */
    public static List<Part> fp8(int rows, int cols, byte[] e4m3, float[] scales, String scaleDtype) {
        if (e4m3.length != rows * cols || scales.length != rows) {
            throw new IllegalArgumentException("FP8 layer " + rows + "x" + cols + ": " + e4m3.length + " bytes, "
                    + scales.length + " scales");
        }
        byte[] s = switch (scaleDtype) {
            case "F32" -> floats(scales);
            case "BF16" -> halves(scales, true);
            default -> throw new IllegalArgumentException("FP8 scale dtype " + scaleDtype);
        };
        return List.of(new Part(".weight", "F8_E4M3", new long[] {rows, cols}, e4m3),
                new Part(".weight_scale", scaleDtype, new long[] {rows, 1}, s));
    }

    private static void requireNaturalOrder(Int4Weights w, String layout) {
        if (w.inputOrder() != null) {
            throw new IllegalArgumentException(w.name() + ": " + layout + " stores the inputs in order");
        }
    }

    /** Zero of output {@code o}, group {@code gi}, minus {@code minus}, as a nibble. */
    private static int zeroNibble(Int4Weights w, int o, int gi, int minus) {
        int zero = (int) w.zeros()[o * (w.cols() / w.groupSize()) + gi];
        if (zero != w.zeros()[o * (w.cols() / w.groupSize()) + gi] || zero < 0 || zero > 15) {
            throw new IllegalArgumentException(w.name() + ": zero " + w.zeros()[o * (w.cols() / w.groupSize()) + gi]
                    + " is not a 4-bit integer");
        }
        return (zero - minus) & 15;
    }

    /** Scales {@code [out, groups]} as the {@code [groups, out]} AWQ and GPTQ store. */
    private static float[] transposedScales(Int4Weights w) {
        int groups = w.cols() / w.groupSize();
        float[] t = new float[w.scales().length];
        for (int o = 0; o < w.rows(); o++) {
            for (int gi = 0; gi < groups; gi++) {
                t[gi * w.rows() + o] = w.scales()[o * groups + gi];
            }
        }
        return t;
    }

    private static byte[] ints(int[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(v);
        return b.array();
    }

    private static byte[] floats(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return b.array();
    }

    /** fp16 or bf16 (round to nearest even), little-endian. */
    private static byte[] halves(float[] v, boolean bf16) {
        ByteBuffer b = ByteBuffer.allocate(2 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putShort(bf16 ? Quantizer.floatToBf16(x) : Float.floatToFloat16(x));
        }
        return b.array();
    }
}
