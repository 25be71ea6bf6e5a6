package dev.llama3j.lora;

import dev.llama3j.error.UnsupportedModelException;
import dev.llama3j.model.LayerWeights;
import dev.llama3j.model.LlamaConfig;
import dev.llama3j.model.LlamaWeights;
import dev.llama3j.model.Projection;
import dev.llama3j.model.RopeLayout;
import dev.llama3j.tensor.GgmlType;
import dev.llama3j.tensor.Quantizer;
import dev.llama3j.tensor.WeightMatrix;
import dev.llama3j.tensor.WorkerPool;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Merged mode: folds an adapter into the weights at load time, {@code W' = W + scale·B·A}, so that
 * generating costs what the base costs. Each adapted projection becomes a new matrix in memory (fp32 by
 * default, so the update is not rounded away); the others stay as loaded. Only float bases (F32, F16,
 * BF16) can be merged: re-quantizing a quantized base would add its rounding to the update, so a
 * quantized base takes the adapter unmerged ({@link LoraSidePath}).
 */
public final class LoraMerger {
    private LoraMerger() {}

    /** Whether every matrix {@code adapter} touches in {@code weights} is stored as floats. */
    public static boolean canMerge(LlamaWeights weights, LoraAdapter adapter) {
        return firstQuantized(weights, adapter) == null;
    }

    /**
     * The weights with {@code adapter} merged in, as {@code type} (F32, F16 or BF16) matrices allocated
     * in {@code arena}. Q and K rows follow the base's RoPE layout.
     */
    public static LlamaWeights merge(LlamaWeights weights, LlamaConfig config, LoraAdapter adapter, GgmlType type,
            Arena arena, WorkerPool pool) {
        if (type != GgmlType.F32 && type != GgmlType.F16 && type != GgmlType.BF16) {
            throw new IllegalArgumentException("merged weights are F32, F16 or BF16, not " + type);
        }
        WeightMatrix quantized = firstQuantized(weights, adapter);
        if (quantized != null) {
            throw new UnsupportedModelException("cannot merge LoRA adapter '" + adapter.name() + "' into tensor '"
                    + quantized.name() + "', which is " + quantized.type() + ": merged mode needs a float base"
                    + " (F32, F16, BF16); apply the adapter unmerged instead");
        }
        boolean gguf = weights.rope().layout() == RopeLayout.INTERLEAVED;
        LayerWeights[] out = new LayerWeights[weights.layers().length];
        for (int l = 0; l < out.length; l++) {
            LayerWeights lw = weights.layers()[l];
            WeightMatrix[] m = new WeightMatrix[Projection.values().length];
            for (Projection p : Projection.values()) {
                LowRank pair = adapter.pair(l, p);
                if (pair != null && gguf && (p == Projection.Q || p == Projection.K)) {
                    pair = pair.withGgufRows(p == Projection.Q ? config.numHeads() : config.numKvHeads());
                }
                m[p.ordinal()] = pair == null ? p.of(lw) : merge(p.of(lw), pair, adapter.scale(), type, arena, pool);
            }
            out[l] = new LayerWeights(lw.attnNorm(), m[0], m[1], m[2], m[3], lw.ffnNorm(), m[4], m[5], m[6]);
        }
        return new LlamaWeights(weights.tokenEmbedding(), out, weights.finalNorm(), weights.lmHead(), weights.rope());
    }

    private static WeightMatrix merge(WeightMatrix w, LowRank pair, float scale, GgmlType type, Arena arena,
            WorkerPool pool) {
        int rows = w.rows();
        int cols = w.cols();
        long rowBytes = type.bytesFor(cols);
        MemorySegment data = arena.allocate(rowBytes * rows, 64);
        pool.parallelFor(rows, 16, (r0, r1) -> {
            float[] row = new float[cols];
            float[] delta = new float[cols];
            for (int r = r0; r < r1; r++) {
                w.dequantizeRow(r, row, 0);
                // The update summed on its own first, then added once: less rounding against large weights.
                Arrays.fill(delta, 0f);
                pair.addToRow(r, scale, delta, 0);
                for (int k = 0; k < cols; k++) {
                    row[k] += delta[k];
                }
                Quantizer.quantize(type, row, 0, cols, data, r * rowBytes);
            }
        });
        return WeightMatrix.of(w.name(), type, rows, cols, data);
    }

    private static WeightMatrix firstQuantized(LlamaWeights weights, LoraAdapter adapter) {
        for (int l = 0; l < weights.layers().length; l++) {
            for (Projection p : Projection.values()) {
                WeightMatrix m = p.of(weights.layers()[l]);
                if (adapter.pair(l, p) != null && !isFloat(m.type())) {
                    return m;
                }
            }
        }
        return null;
    }

    private static boolean isFloat(GgmlType t) {
        return t == GgmlType.F32 || t == GgmlType.F16 || t == GgmlType.BF16;
    }
}
