package dev.llama3j.quant;

import dev.llama3j.error.ModelFormatException;
import dev.llama3j.safetensors.SafetensorsCheckpoint;
import dev.llama3j.safetensors.SafetensorsTensor;
import dev.llama3j.tensor.MappedPages;
import dev.llama3j.tensor.WeightMatrix;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The tensors of a quantized checkpoint as its config reads them: each layer the config quantizes is
 * unpacked from its method's tensors into a {@link QuantizedLayer}. Errors name the file, the tensor and
 * the config field, including when a layer is stored otherwise than the config says.
 */
public final class QuantizedCheckpoint {
    private final Path dir;
    private final SafetensorsCheckpoint checkpoint;
    private final QuantizationConfig config;

    public QuantizedCheckpoint(Path dir, SafetensorsCheckpoint checkpoint, QuantizationConfig config) {
        this.dir = dir;
        this.checkpoint = checkpoint;
        this.config = config;
    }

    public QuantizationConfig config() {
        return config;
    }

    /** Whether the config quantizes the linear layer {@code module}. */
    public boolean quantizes(String module) {
        return config.quantizes(module);
    }

    /** The quantized layer {@code module} ({@code rows} outputs, {@code cols} inputs), unpacked and checked. */
    public QuantizedLayer layer(String module, int rows, int cols) {
        return switch (config.method()) {
            case AWQ -> new QuantizedLayer.Int4(AwqUnpacker.unpack(this, module, rows, cols));
            case GPTQ -> new QuantizedLayer.Int4(GptqUnpacker.unpack(this, module, rows, cols));
            case COMPRESSED_INT4 -> new QuantizedLayer.Int4(PackedInt4Unpacker.unpack(this, module, rows, cols));
            case COMPRESSED_FP8, FBGEMM_FP8 -> new QuantizedLayer.Fp8(Fp8Unpacker.unpack(this, module, rows, cols));
        };
    }

    /**
     * Drops the mapped pages of {@code module}'s tensors from this process's resident memory, once its
     * layer is repacked into new memory: they are never read again, and a mapping keeps every page it has
     * read resident until it is unmapped (which waits for the embeddings, read in place). A page shared
     * with a neighbouring tensor is read back from the file if that one is used.
     */
    public void release(String module) {
        String prefix = module + ".";
        for (var e : checkpoint.tensors().entrySet()) {
            if (e.getKey().startsWith(prefix)) {
                MappedPages.release(e.getValue().data());
            }
        }
    }

    /**
     * Checks that the layer {@code module}, which the config leaves unquantized, is not stored quantized
     * (packed words or FP8 bytes).
     */
    public void checkUnquantized(String module) {
        for (String packed : new String[] {".qweight", ".weight_packed"}) {
            if (has(module + packed)) {
                throw new ModelFormatException(file(module + packed) + ": tensor '" + module + packed
                        + "' is quantized, but " + config.origin() + " leaves '" + module + "' unquantized");
            }
        }
        SafetensorsTensor w = checkpoint.tensors().get(module + ".weight");
        if (w != null && w.type() == null) {
            throw new ModelFormatException(file(w.name()) + ": tensor '" + w.name() + "' is " + w.dtype()
                    + ", but " + config.origin() + " leaves '" + module + "' unquantized");
        }
    }

    /** Whether the quantized layer {@code module} is stored (its packed words or FP8 weight). */
    public boolean hasLayer(String module) {
        return has(module + ".qweight") || has(module + ".weight_packed") || has(module + ".weight");
    }

    // ---- for the unpackers ----

    /** The tensor {@code module + suffix}, which the method needs; the error names the config's method. */
    SafetensorsTensor part(String module, String suffix) {
        String name = module + suffix;
        SafetensorsTensor t = checkpoint.tensors().get(name);
        if (t != null) {
            return t;
        }
        SafetensorsTensor w = checkpoint.tensors().get(module + ".weight");
        if (w != null && w.type() != null) {
            throw new ModelFormatException(file(w.name()) + ": tensor '" + w.name() + "' is " + w.dtype()
                    + ", not quantized, but " + config.origin() + " says '" + module + "' is " + config.method().label
                    + " (no '" + name + "')");
        }
        throw new ModelFormatException(dir + ": tensor '" + name + "' is missing; " + config.origin() + " says '"
                + module + "' is " + config.method().label);
    }

    boolean hasPart(String module, String suffix) {
        return has(module + suffix);
    }

    private boolean has(String name) {
        return checkpoint.tensors().containsKey(name);
    }

    /** The file holding {@code name} (the folder when none does), for errors. */
    String file(String name) {
        SafetensorsTensor t = checkpoint.tensors().get(name);
        if (t != null) {
            for (var f : checkpoint.files()) {
                if (f.tensors().get(name) == t) {
                    return f.path().toString();
                }
            }
        }
        return dir.toString();
    }

    /** Checks {@code t}'s dtype and shape; the error names the file, tensor and what was expected. */
    void expect(SafetensorsTensor t, String dtypes, long... shape) {
        if (!Arrays.asList(dtypes.split("\\|")).contains(t.dtype())) {
            throw new ModelFormatException(file(t.name()) + ": tensor '" + t.name() + "' has dtype " + t.dtype()
                    + "; " + config.method().label + " stores it as " + dtypes.replace("|", " or "));
        }
        if (!Arrays.equals(t.shape(), shape)) {
            throw new ModelFormatException(file(t.name()) + ": tensor '" + t.name() + "' has shape "
                    + Arrays.toString(t.shape()) + " but " + Arrays.toString(shape) + " was expected for "
                    + config.method().label + " (from config.json's sizes)");
        }
    }

    private static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static int[] ints(SafetensorsTensor t) {
        return t.data().toArray(INT_LE);
    }

    /** Ints {@code [index, index+count)} of the int32 data {@code words} into {@code out[0 .. count)}, in one copy. */
    static void ints(MemorySegment words, long index, int[] out, int count) {
        MemorySegment.copy(words, INT_LE, 4 * index, out, 0, count);
    }

    /** Int {@code index} of the int32 data {@code words}. */
    static int intAt(MemorySegment words, long index) {
        return words.get(INT_LE, 4 * index);
    }

    /** A float tensor's values as fp32, in order. */
    static float[] floats(SafetensorsTensor t) {
        long n = 1;
        for (long d : t.shape()) {
            n *= d;
        }
        float[] out = new float[Math.toIntExact(n)];
        if (n > 0) {
            WeightMatrix.of(t.name(), t.type(), 1, out.length, t.data()).dequantizeRow(0, out, 0);
        }
        return out;
    }
}
