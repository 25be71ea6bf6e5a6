package dev.llama3j.gguf;

import dev.llama3j.error.ModelFormatException;
import dev.llama3j.error.UnsupportedModelException;
import dev.llama3j.tensor.GgmlType;
import dev.llama3j.tensor.WeightMatrix;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One tensor of a GGUF file: its name, storage type, dimensions and bytes. Dimensions are in ggml's
 * order, the fastest-varying first: {@code dims[0]} ({@code ne0}) is the row length, so a PyTorch
 * {@code [out, in]} weight is {@code [in, out]} here. {@link #data} is a slice of the memory-mapped file,
 * valid until the {@link GgufFile} is closed.
 */
public final class GgufTensor {
    private final String source;
    private final String name;
    private final GgmlType type;
    private final long[] dims;
    private final long offset;
    private final MemorySegment data;

    GgufTensor(String source, String name, GgmlType type, long[] dims, long offset, MemorySegment data) {
        this.source = source;
        this.name = name;
        this.type = type;
        this.dims = dims.clone();
        this.offset = offset;
        this.data = data;
    }

    public String name() {
        return name;
    }

    public GgmlType type() {
        return type;
    }

    /** The dimensions, {@code ne0} (row length) first. */
    public long[] dims() {
        return dims.clone();
    }

    public int nDims() {
        return dims.length;
    }

    /** Dimension {@code i}, or 1 beyond {@link #nDims} (as ggml pads shapes to 4 dimensions). */
    public long dim(int i) {
        return i < dims.length ? dims[i] : 1;
    }

    public long elementCount() {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        return n;
    }

    /** Offset of the data from the start of the file's data section. */
    public long offset() {
        return offset;
    }

    public long byteSize() {
        return data.byteSize();
    }

    /** The tensor's bytes, a read-only slice of the mapped file. */
    public MemorySegment data() {
        return data;
    }

    /**
     * The tensor as a matrix of {@code ne1*ne2*ne3} rows of {@code ne0} values (a 1-D tensor is one row).
     * Throws {@link UnsupportedModelException} for a type without a matrix implementation.
     */
    public WeightMatrix asMatrix() {
        long rows = elementCount() / Math.max(1, dim(0));
        if (dim(0) > Integer.MAX_VALUE || rows > Integer.MAX_VALUE) {
            throw new UnsupportedModelException(source + ": tensor '" + name + "' of shape " + Arrays.toString(dims)
                    + " is too large for a matrix (rows and row length must each be below 2^31)");
        }
        try {
            return WeightMatrix.of(name, type, (int) rows, (int) dim(0), data);
        } catch (UnsupportedModelException e) {
            throw new UnsupportedModelException(source + ": " + e.getMessage());
        }
    }

    /** Every value as fp32 (dequantized when the type is quantized). */
    public float[] toFloatArray() {
        long n = elementCount();
        if (n > Integer.MAX_VALUE - 8) {
            throw new UnsupportedModelException(source + ": tensor '" + name + "' has " + n
                    + " values, too many for one Java array");
        }
        float[] out = new float[(int) n];
        if (n == 0) {
            return out;
        }
        switch (type) {
            case F32 -> MemorySegment.copy(data, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN),
                    0, out, 0, (int) n);
            case F64 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = (float) data.get(ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 8L * i);
                }
            }
            default -> {
                WeightMatrix m = asMatrix();
                for (int r = 0; r < m.rows(); r++) {
                    m.dequantizeRow(r, out, r * m.cols());
                }
            }
        }
        return out;
    }

    /** Throws a {@link ModelFormatException} unless the dimensions are exactly {@code expected}. */
    public GgufTensor requireDims(long... expected) {
        if (!Arrays.equals(dims, expected)) {
            throw new ModelFormatException(source + ": tensor '" + name + "' has dimensions " + Arrays.toString(dims)
                    + " (ne0 first), expected " + Arrays.toString(expected));
        }
        return this;
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(dims) + " @" + offset;
    }
}
