package dev.llama3j.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A weight matrix held as bitsandbytes NF4 ({@link Nf4Codec}), as QLoRA keeps its frozen base:
 * 4-bit codes, high nibble first, blocks of 64 values of the row-major (flattened) matrix, and one
 * scale per block, fp32 or, with double quantization, 8-bit ({@link DynamicQuant8}) in blocks of 256
 * around their mean. Dequantized on the fly, a row at a time; {@link #matmul} goes through the
 * base class's dequantize-then-GEMM path.
 */
public final class Nf4Matrix extends WeightMatrix {
    private final float[] absmax; // per block, or null with double quantization
    private final byte[] absmaxCodes; // per block, with double quantization
    private final float[] absmax2; // per 256 blocks
    private final float offset;

    private Nf4Matrix(String name, int rows, int cols, byte[] codes, float[] absmax, byte[] absmaxCodes,
            float[] absmax2, float offset) {
        super(name, GgmlType.NF4, rows, cols, MemorySegment.ofArray(codes));
        this.absmax = absmax;
        this.absmaxCodes = absmaxCodes;
        this.absmax2 = absmax2;
        this.offset = offset;
    }

    /**
     * Quantizes {@code m} (any storage type; dequantized a row at a time) to NF4 with blocks of 64,
     * and with {@code doubleQuant} its block scales to 8 bits in blocks of 256.
     */
    public static Nf4Matrix quantize(WeightMatrix m, boolean doubleQuant) {
        int rows = m.rows();
        int cols = m.cols();
        if (cols % Nf4Codec.BLOCK != 0) {
            throw new dev.llama3j.error.UnsupportedModelException("tensor '" + m.name() + "': row length " + cols
                    + " is not a multiple of NF4's block size " + Nf4Codec.BLOCK);
        }
        int blocksPerRow = cols / Nf4Codec.BLOCK;
        byte[] codes = new byte[Math.multiplyExact(rows, cols / 2)];
        float[] absmax = new float[rows * blocksPerRow];
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            m.dequantizeRow(r, row, 0);
            Nf4Codec.quantize(row, 0, cols, codes, r * (cols / 2), absmax, r * blocksPerRow);
        }
        return of(m.name(), rows, cols, codes, absmax, doubleQuant);
    }

    /**
     * A matrix from NF4 codes and fp32 block scales as {@code quantize_4bit} returns them; with
     * {@code doubleQuant} the scales are quantized as {@code compress_statistics=True} does: their mean
     * (taken in double, rounded to fp32) is subtracted and the rest stored in 8 bits per 256.
     */
    public static Nf4Matrix of(String name, int rows, int cols, byte[] codes, float[] absmax, boolean doubleQuant) {
        if (!doubleQuant) {
            return new Nf4Matrix(name, rows, cols, codes, absmax, null, null, 0f);
        }
        double sum = 0;
        for (float a : absmax) {
            sum += a;
        }
        float mean = (float) (sum / absmax.length);
        float[] centred = new float[absmax.length];
        for (int i = 0; i < centred.length; i++) {
            centred[i] = absmax[i] - mean;
        }
        byte[] q = new byte[absmax.length];
        float[] a2 = new float[(absmax.length + DynamicQuant8.BLOCK - 1) / DynamicQuant8.BLOCK];
        DynamicQuant8.quantize(centred, q, a2);
        return new Nf4Matrix(name, rows, cols, codes, null, q, a2, mean);
    }

    public boolean doubleQuant() {
        return absmax == null;
    }

    /** The scale of block {@code b} (of the flattened matrix): stored, or restored from 8 bits. */
    public float blockScale(int b) {
        if (absmax != null) {
            return absmax[b];
        }
        return DynamicQuant8.code(absmaxCodes[b]) * absmax2[b / DynamicQuant8.BLOCK] + offset;
    }

    byte[] absmaxCodes() {
        return absmaxCodes;
    }

    float[] absmax2() {
        return absmax2;
    }

    float offset() {
        return offset;
    }

    /** Bytes held: codes plus scales (the code tables are shared). */
    public long storedBytes() {
        long codes = data.byteSize();
        return absmax != null ? codes + 4L * absmax.length : codes + absmaxCodes.length + 4L * absmax2.length + 4;
    }

    /** Byte {@code i} of the packed codes (two values, high nibble first). */
    public byte packed(long i) {
        return data.get(ValueLayout.JAVA_BYTE, i);
    }

    @Override
    public void dequantizeRow(int row, float[] out, int outOff) {
        int blocksPerRow = cols / Nf4Codec.BLOCK;
        long base = (long) row * (cols / 2);
        for (int k = 0; k < blocksPerRow; k++) {
            float scale = blockScale(row * blocksPerRow + k);
            long at = base + k * (Nf4Codec.BLOCK / 2);
            int o = outOff + k * Nf4Codec.BLOCK;
            for (int i = 0; i < Nf4Codec.BLOCK / 2; i++) {
                byte b = data.get(ValueLayout.JAVA_BYTE, at + i);
                out[o + 2 * i] = Nf4Codec.high(b) * scale;
                out[o + 2 * i + 1] = Nf4Codec.low(b) * scale;
            }
        }
    }

    @Override
    public float dot(int row, float[] x, int xOff) {
        int blocksPerRow = cols / Nf4Codec.BLOCK;
        long base = (long) row * (cols / 2);
        float sum = 0f;
        for (int k = 0; k < blocksPerRow; k++) {
            float scale = blockScale(row * blocksPerRow + k);
            long at = base + k * (Nf4Codec.BLOCK / 2);
            int o = xOff + k * Nf4Codec.BLOCK;
            float block = 0f;
            for (int i = 0; i < Nf4Codec.BLOCK / 2; i++) {
                byte b = data.get(ValueLayout.JAVA_BYTE, at + i);
                block += Nf4Codec.high(b) * x[o + 2 * i] + Nf4Codec.low(b) * x[o + 2 * i + 1];
            }
            sum += block * scale;
        }
        return sum;
    }
}
