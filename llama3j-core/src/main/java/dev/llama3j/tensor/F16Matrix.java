package dev.llama3j.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * IEEE half-precision weights: the unquantized tensors of AWQ/GPTQ checkpoints (their embeddings
 * and untied lm_head are fp16) and F16 GGUF files. The Vector API has no half-float conversion, so
 * the halves are widened with bit moves exactly as {@link Halves} does (no fp32 subnormal on the way;
 * infinities and NaNs, which weights do not hold, become large finite values). Four accumulators, so
 * that the product is not bound by the latency of one FMA chain.
 */
final class F16Matrix extends WeightMatrix {
    private static final VectorSpecies<Float> F = Species.F;
    private static final VectorSpecies<Integer> I = Species.I;
    private static final VectorSpecies<Short> S =
            VectorSpecies.of(short.class, VectorShape.forBitSize(F.length() * 16));
    private static final int L = F.length();
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    F16Matrix(String name, int rows, int cols, MemorySegment data) {
        super(name, GgmlType.F16, rows, cols, data);
    }

    @Override
    public float dot(int row, float[] x, int xOff) {
        MemorySegment d = data;
        long base = (long) row * cols * 2;
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        int i = 0;
        for (; i + 4 * L <= cols; i += 4 * L) {
            IntVector h0 = (IntVector) ShortVector.fromMemorySegment(S, d, base + 2L * i, LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0);
            IntVector h1 = (IntVector) ShortVector.fromMemorySegment(S, d, base + 2L * (i + L), LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0);
            IntVector h2 = (IntVector) ShortVector.fromMemorySegment(S, d, base + 2L * (i + 2 * L), LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0);
            IntVector h3 = (IntVector) ShortVector.fromMemorySegment(S, d, base + 2L * (i + 3 * L), LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0);
            IntVector m0 = h0.and(0x7fff);
            VectorMask<Integer> small0 = m0.compare(VectorOperators.LT, 0x400);
            a0 = m0.lanewise(VectorOperators.LSHL, 13).add(112 << 23).lanewise(VectorOperators.ADD, 1 << 23, small0)
                    .reinterpretAsFloats().lanewise(VectorOperators.SUB, 0x1p-14f, small0.cast(F)).reinterpretAsInts()
                    .or(h0.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats()
                    .fma(FloatVector.fromArray(F, x, xOff + i), a0);
            IntVector m1 = h1.and(0x7fff);
            VectorMask<Integer> small1 = m1.compare(VectorOperators.LT, 0x400);
            a1 = m1.lanewise(VectorOperators.LSHL, 13).add(112 << 23).lanewise(VectorOperators.ADD, 1 << 23, small1)
                    .reinterpretAsFloats().lanewise(VectorOperators.SUB, 0x1p-14f, small1.cast(F)).reinterpretAsInts()
                    .or(h1.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats()
                    .fma(FloatVector.fromArray(F, x, xOff + i + L), a1);
            IntVector m2 = h2.and(0x7fff);
            VectorMask<Integer> small2 = m2.compare(VectorOperators.LT, 0x400);
            a2 = m2.lanewise(VectorOperators.LSHL, 13).add(112 << 23).lanewise(VectorOperators.ADD, 1 << 23, small2)
                    .reinterpretAsFloats().lanewise(VectorOperators.SUB, 0x1p-14f, small2.cast(F)).reinterpretAsInts()
                    .or(h2.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats()
                    .fma(FloatVector.fromArray(F, x, xOff + i + 2 * L), a2);
            IntVector m3 = h3.and(0x7fff);
            VectorMask<Integer> small3 = m3.compare(VectorOperators.LT, 0x400);
            a3 = m3.lanewise(VectorOperators.LSHL, 13).add(112 << 23).lanewise(VectorOperators.ADD, 1 << 23, small3)
                    .reinterpretAsFloats().lanewise(VectorOperators.SUB, 0x1p-14f, small3.cast(F)).reinterpretAsInts()
                    .or(h3.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats()
                    .fma(FloatVector.fromArray(F, x, xOff + i + 3 * L), a3);
        }
        float sum = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
        for (; i < cols; i++) {
            sum += Float.float16ToFloat(d.get(ValueLayout.JAVA_SHORT_UNALIGNED, base + i * 2L)) * x[xOff + i];
        }
        return sum;
    }

    @Override
    public void dequantizeRow(int row, float[] out, int outOff) {
        MemorySegment d = data;
        long base = (long) row * cols * 2;
        int i = 0;
        for (; i + L <= cols; i += L) {
            IntVector h = (IntVector) ShortVector.fromMemorySegment(S, d, base + 2L * i, LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0);
            IntVector m = h.and(0x7fff);
            VectorMask<Integer> small = m.compare(VectorOperators.LT, 0x400);
            m.lanewise(VectorOperators.LSHL, 13).add(112 << 23).lanewise(VectorOperators.ADD, 1 << 23, small)
                    .reinterpretAsFloats().lanewise(VectorOperators.SUB, 0x1p-14f, small.cast(F)).reinterpretAsInts()
                    .or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats().intoArray(out, outOff + i);
        }
        for (; i < cols; i++) {
            out[outOff + i] = Float.float16ToFloat(d.get(ValueLayout.JAVA_SHORT_UNALIGNED, base + i * 2L));
        }
    }
}
