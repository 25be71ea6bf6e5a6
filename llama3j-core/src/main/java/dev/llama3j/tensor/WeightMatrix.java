package dev.llama3j.tensor;

import dev.llama3j.UnsupportedModelException;
import java.lang.foreign.MemorySegment;

/**
 * A 2-D weight tensor of {@code rows × cols} values in one storage type, row-major (the layout of
 * PyTorch's {@code nn.Linear.weight} and of GGUF tensors with {@code ne[0] = cols}). The data stays in
 * a {@link MemorySegment}, normally a slice of a memory-mapped file.
 *
 * <p>A subclass per storage type supplies the dot product of one row with an fp32 vector and the
 * dequantization of one row; {@link #matmul} (many input vectors at once) is built on those unless a
 * type has something faster.
 */
public abstract class WeightMatrix {
    protected final String name;
    protected final GgmlType type;
    protected final int rows;
    protected final int cols;
    protected final MemorySegment data;

    protected WeightMatrix(String name, GgmlType type, int rows, int cols, MemorySegment data) {
        this.name = name;
        this.type = type;
        this.rows = rows;
        this.cols = cols;
        this.data = data;
        if (cols % type.blockSize != 0) {
            throw new UnsupportedModelException("tensor '" + name + "': row length " + cols
                    + " is not a multiple of the " + type + " block size " + type.blockSize);
        }
        long need = (long) rows * type.bytesFor(cols);
        if (data.byteSize() < need) {
            throw new IllegalArgumentException("tensor '" + name + "': " + data.byteSize() + " bytes for " + rows
                    + "x" + cols + " " + type + " (needs " + need + ")");
        }
    }

    /** Wraps {@code data} as a matrix of the given type. */
    public static WeightMatrix of(String name, GgmlType type, int rows, int cols, MemorySegment data) {
        return switch (type) {
            case F32 -> new F32Matrix(name, rows, cols, data);
            case BF16 -> new BF16Matrix(name, rows, cols, data);
            case F16 -> new F16Matrix(name, rows, cols, data);
            default -> QuantizedMatrices.of(name, type, rows, cols, data);
        };
    }

    public String name() {
        return name;
    }

    public GgmlType type() {
        return type;
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    public MemorySegment data() {
        return data;
    }

    /** Bytes of one row. */
    public long rowBytes() {
        return type.bytesFor(cols);
    }

    /** The dot product of row {@code row} with {@code x[xOff .. xOff+cols)}. */
    public abstract float dot(int row, float[] x, int xOff);

    /** Writes row {@code row} as floats to {@code out[outOff .. outOff+cols)}. */
    public abstract void dequantizeRow(int row, float[] out, int outOff);

    /**
     * For each of {@code n} input vectors {@code x[b*xStride ..]} and each row {@code r} in
     * {@code [r0, r1)}: {@code out[b*outStride + r] = dot(r, x_b)}. Rows are the outer loop so that a row
     * is read from memory once for all {@code n} inputs.
     */
    public void matmul(float[] x, int n, int xStride, float[] out, int outStride, int r0, int r1) {
        for (int r = r0; r < r1; r++) {
            for (int b = 0; b < n; b++) {
                out[b * outStride + r] = dot(r, x, b * xStride);
            }
        }
    }

    @Override
    public String toString() {
        return name + " " + type + " [" + rows + ", " + cols + "]";
    }
}
