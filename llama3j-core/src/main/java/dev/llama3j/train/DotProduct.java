package dev.llama3j.train;

import dev.llama3j.tensor.Species;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The dot product of two float runs a vector at a time: the reductions of attention (a head, 64 or
 * 128 wide) and of the LoRA side paths (an input row, a rank-wide row), which scalar code would leave
 * one multiply-add per cycle.
 */
final class DotProduct {
    private static final VectorSpecies<Float> F = Species.F;

    private DotProduct() {}

    /** {@code a[aOff..] · b[bOff..]} over {@code len} values. */
    static float dot(float[] a, int aOff, float[] b, int bOff, int len) {
        int i = 0;
        float s = 0;
        int bound = F.loopBound(len);
        if (bound > 0) {
            FloatVector acc = FloatVector.fromArray(F, a, aOff).mul(FloatVector.fromArray(F, b, bOff));
            for (i = F.length(); i < bound; i += F.length()) {
                acc = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc);
            }
            s = acc.reduceLanes(VectorOperators.ADD);
        }
        for (; i < len; i++) {
            s += a[aOff + i] * b[bOff + i];
        }
        return s;
    }
}
