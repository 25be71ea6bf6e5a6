package dev.llama3j.tensor;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * ggml's Q6_K: super-blocks of 256 values in 210 bytes: {@code ql[128]} (low 4 bits), {@code qh[64]}
 * (high 2 bits), {@code scales[16]} (signed 8-bit, one per 16 values), then fp16 {@code d}. The block is
 * two halves of 128 values; in half {@code n} (ql from byte 64n, qh from 32n, scales from 8n), for
 * {@code l} in 0..31:
 * <pre>
 *   value[l]    = (ql[l]    &amp; 15 | (qh[l] &gt;&gt; 0 &amp; 3) &lt;&lt; 4) - 32, scale[l/16]
 *   value[l+32] = (ql[l+32] &amp; 15 | (qh[l] &gt;&gt; 2 &amp; 3) &lt;&lt; 4) - 32, scale[l/16 + 2]
 *   value[l+64] = (ql[l]    &gt;&gt; 4 | (qh[l] &gt;&gt; 4 &amp; 3) &lt;&lt; 4) - 32, scale[l/16 + 4]
 *   value[l+96] = (ql[l+32] &gt;&gt; 4 | (qh[l] &gt;&gt; 6 &amp; 3) &lt;&lt; 4) - 32, scale[l/16 + 6]
 * </pre>
 * and each is multiplied by {@code d * scale}.
 */
final class Q6_KMatrix extends WeightMatrix {
    static final int BLOCK = 256;
    static final int BLOCK_BYTES = 128 + 64 + 16 + 2;
    private static final int QH = 128;
    private static final int SC = 192;
    private static final int D = 208;

    private static final VectorSpecies<Float> F = Species.F;
    private static final VectorSpecies<Byte> B = Species.B128;
    private static final int PARTS = Species.BYTE_PARTS;

    Q6_KMatrix(String name, int rows, int cols, MemorySegment data) {
        super(name, GgmlType.Q6_K, rows, cols, data);
    }

    /**
     * The same values in the layout of {@link PackedQ6KMatrix}, whose kernels are several times faster:
     * a byte a weight unless {@code -Dllama3j.q6kLayout} says otherwise ({@link Q6KLayout#alone}).
     */
    @Override
    public WeightMatrix optimized(java.lang.foreign.Arena arena, WorkerPool pool) {
        return optimized(arena, pool, Q6KLayout.alone());
    }

    @Override
    public WeightMatrix optimized(java.lang.foreign.Arena arena, WorkerPool pool, Q6KLayout q6k) {
        if (q6k == Q6KLayout.BOTH) {
            PackedQ6KMatrix[] forms = PackedQ6KMatrix.packBoth(name, rows, cols, data, arena, pool);
            return new TwoLayoutMatrix(forms[0], forms[1]);
        }
        return PackedQ6KMatrix.pack(name, rows, cols, data, arena, pool, q6k == Q6KLayout.COMPACT);
    }

    @Override
    public float dot(int row, float[] x, int xOff) {
        int blocks = cols / BLOCK;
        long base = (long) row * blocks * BLOCK_BYTES;
        FloatVector total = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++) {
            long blk = base + (long) b * BLOCK_BYTES;
            float d = LittleEndian.half(data, blk + D);
            for (int n = 0; n < 2; n++) {
                long ql = blk + 64L * n;
                long qh = blk + QH + 32L * n;
                long sc = blk + SC + 8L * n;
                int xn = xOff + b * BLOCK + 128 * n;
                for (int g = 0; g < 2; g++) { // l in [16g, 16g+16): one scale per output group
                    ByteVector l0 = ByteVector.fromMemorySegment(B, data, ql + 16L * g, ByteOrder.LITTLE_ENDIAN);
                    ByteVector l32 = ByteVector.fromMemorySegment(B, data, ql + 32 + 16L * g, ByteOrder.LITTLE_ENDIAN);
                    ByteVector h = ByteVector.fromMemorySegment(B, data, qh + 16L * g, ByteOrder.LITTLE_ENDIAN);
                    ByteVector q1 = l0.and((byte) 0x0F).or(h.and((byte) 3).lanewise(VectorOperators.LSHL, 4));
                    ByteVector q2 = l32.and((byte) 0x0F)
                            .or(h.lanewise(VectorOperators.ASHR, 2).and((byte) 3).lanewise(VectorOperators.LSHL, 4));
                    ByteVector q3 = l0.lanewise(VectorOperators.ASHR, 4).and((byte) 0x0F)
                            .or(h.lanewise(VectorOperators.ASHR, 4).and((byte) 3).lanewise(VectorOperators.LSHL, 4));
                    ByteVector q4 = l32.lanewise(VectorOperators.ASHR, 4).and((byte) 0x0F)
                            .or(h.lanewise(VectorOperators.ASHR, 6).and((byte) 3).lanewise(VectorOperators.LSHL, 4));
                    int xg = xn + 16 * g;
                    total = group(q1.sub((byte) 32), x, xg, d * scale(sc, g), total);
                    total = group(q2.sub((byte) 32), x, xg + 32, d * scale(sc, g + 2), total);
                    total = group(q3.sub((byte) 32), x, xg + 64, d * scale(sc, g + 4), total);
                    total = group(q4.sub((byte) 32), x, xg + 96, d * scale(sc, g + 6), total);
                }
            }
        }
        return total.reduceLanes(VectorOperators.ADD);
    }

    /** {@code total + scale * q·x[xi .. xi+16)}, lane-wise. */
    private static FloatVector group(ByteVector q, float[] x, int xi, float scale, FloatVector total) {
        FloatVector acc = FloatVector.zero(F);
        for (int p = 0; p < PARTS; p++) {
            acc = ((FloatVector) q.convertShape(VectorOperators.B2F, F, p))
                    .fma(FloatVector.fromArray(F, x, xi + p * F.length()), acc);
        }
        return acc.fma(FloatVector.broadcast(F, scale), total);
    }

    private float scale(long sc, int i) {
        return data.get(LittleEndian.BYTE, sc + i);
    }

    @Override
    public void dequantizeRow(int row, float[] out, int outOff) {
        int blocks = cols / BLOCK;
        long base = (long) row * blocks * BLOCK_BYTES;
        int o = outOff;
        for (int b = 0; b < blocks; b++) {
            long blk = base + (long) b * BLOCK_BYTES;
            float d = LittleEndian.half(data, blk + D);
            for (int n = 0; n < 2; n++) {
                long ql = blk + 64L * n;
                long qh = blk + QH + 32L * n;
                long sc = blk + SC + 8L * n;
                for (int l = 0; l < 32; l++) {
                    int is = l / 16;
                    int lo0 = data.get(LittleEndian.BYTE, ql + l) & 0xFF;
                    int lo32 = data.get(LittleEndian.BYTE, ql + l + 32) & 0xFF;
                    int hi = data.get(LittleEndian.BYTE, qh + l) & 0xFF;
                    int q1 = ((lo0 & 0x0F) | ((hi & 3) << 4)) - 32;
                    int q2 = ((lo32 & 0x0F) | (((hi >>> 2) & 3) << 4)) - 32;
                    int q3 = ((lo0 >>> 4) | (((hi >>> 4) & 3) << 4)) - 32;
                    int q4 = ((lo32 >>> 4) | (((hi >>> 6) & 3) << 4)) - 32;
                    out[o + l] = d * data.get(LittleEndian.BYTE, sc + is) * q1;
                    out[o + l + 32] = d * data.get(LittleEndian.BYTE, sc + is + 2) * q2;
                    out[o + l + 64] = d * data.get(LittleEndian.BYTE, sc + is + 4) * q3;
                    out[o + l + 96] = d * data.get(LittleEndian.BYTE, sc + is + 6) * q4;
                }
                o += 128;
            }
        }
    }
}
