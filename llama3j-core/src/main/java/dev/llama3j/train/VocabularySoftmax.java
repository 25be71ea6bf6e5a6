package dev.llama3j.train;

import dev.llama3j.tensor.Species;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The softmax over a 128K-entry logits row, vectorised (the vector {@code exp}): its log-sum-exp for
 * the loss, then the row overwritten with the cross-entropy gradient. Per target row this is two
 * passes of {@code exp}, which scalar code makes as slow as a small model's whole forward pass.
 */
final class VocabularySoftmax {
    private static final VectorSpecies<Float> F = Species.F;

    private VocabularySoftmax() {}

    /** {@code log Σ exp(row)}: the maximum taken out first, lane sums in fp32 added up in double. */
    static double logSumExp(float[] a, int off, int n) {
        int bound = F.loopBound(n);
        FloatVector mx = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (; i < bound; i += F.length()) {
            mx = FloatVector.fromArray(F, a, off + i).max(mx);
        }
        float max = mx.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            max = Math.max(max, a[off + i]);
        }
        FloatVector m = FloatVector.broadcast(F, max);
        FloatVector sum = FloatVector.zero(F);
        double total = 0;
        i = 0;
        for (; i < bound; i += F.length()) {
            sum = FloatVector.fromArray(F, a, off + i).sub(m).lanewise(VectorOperators.EXP).add(sum);
            if ((i & 4095) == 0) { // flush the lanes now and then so fp32 sums stay short
                total += sum.reduceLanes(VectorOperators.ADD);
                sum = FloatVector.zero(F);
            }
        }
        total += sum.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            total += Math.exp(a[off + i] - max);
        }
        return max + Math.log(total);
    }

    /** {@code row[v] = unit · exp(row[v] − lse)}, then {@code row[target] −= unit}. */
    static void gradient(float[] a, int off, int n, float lse, float unit, int target) {
        int bound = F.loopBound(n);
        FloatVector l = FloatVector.broadcast(F, lse);
        FloatVector u = FloatVector.broadcast(F, unit);
        int i = 0;
        for (; i < bound; i += F.length()) {
            FloatVector.fromArray(F, a, off + i).sub(l).lanewise(VectorOperators.EXP).mul(u).intoArray(a, off + i);
        }
        for (; i < n; i++) {
            a[off + i] = (float) Math.exp(a[off + i] - lse) * unit;
        }
        a[off + target] -= unit;
    }
}
