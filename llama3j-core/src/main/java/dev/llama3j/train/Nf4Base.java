package dev.llama3j.train;

import dev.llama3j.model.AdaptedWeights;
import dev.llama3j.model.AdapterHook;
import dev.llama3j.model.LayerWeights;
import dev.llama3j.model.LlamaWeights;
import dev.llama3j.model.ModelAdapters;
import dev.llama3j.tensor.GgmlType;
import dev.llama3j.tensor.Nf4Matrix;
import dev.llama3j.tensor.MappedPages;
import dev.llama3j.tensor.WeightMatrix;

/**
 * QLoRA's frozen base: a load-time hook that stores every float (F32, F16, BF16) projection of the
 * blocks as NF4 ({@link Nf4Matrix}), as bitsandbytes' {@code Linear4bit} does; training then
 * dequantizes on the fly; each float projection's mapped pages are released once it is quantized.
 * Embeddings, norms and the output head stay as they are (as in QLoRA, which
 * quantizes only the linear layers of the blocks). Projections already quantized (a GGUF base in
 * Q4_K, Q8_0…) are used as they are: they are a low-bit frozen base already.
 */
public final class Nf4Base {
    private Nf4Base() {}

    /** The hook for {@link dev.llama3j.model.ModelLoader#load}. */
    public static AdapterHook hook(boolean doubleQuant) {
        return (config, weights, pool, arena, maxBatch) -> new AdaptedWeights(quantize(weights, doubleQuant),
                ModelAdapters.NONE);
    }

    static LlamaWeights quantize(LlamaWeights w, boolean doubleQuant) {
        LayerWeights[] out = new LayerWeights[w.layers().length];
        for (int i = 0; i < out.length; i++) {
            LayerWeights l = w.layers()[i];
            out[i] = new LayerWeights(l.attnNorm(), nf4(l.wq(), doubleQuant), nf4(l.wk(), doubleQuant),
                    nf4(l.wv(), doubleQuant), nf4(l.wo(), doubleQuant), l.ffnNorm(), nf4(l.wGate(), doubleQuant),
                    nf4(l.wUp(), doubleQuant), nf4(l.wDown(), doubleQuant));
        }
        return new LlamaWeights(w.tokenEmbedding(), out, w.finalNorm(), w.lmHead(), w.rope());
    }

    /** Whether {@code m} is quantized to NF4: a float projection (F32, F16, BF16). */
    static boolean quantizes(WeightMatrix m) {
        GgmlType t = m.type();
        return t == GgmlType.F32 || t == GgmlType.F16 || t == GgmlType.BF16;
    }

    private static WeightMatrix nf4(WeightMatrix m, boolean doubleQuant) {
        if (!quantizes(m)) {
            return m;
        }
        Nf4Matrix q = Nf4Matrix.quantize(m, doubleQuant);
        // The float copy is not read again: drop its mapped pages from resident memory now, so that the
        // base is not held twice (the file stays mapped for the embeddings; a page read again is reloaded).
        MappedPages.release(m.data());
        return q;
    }
}
