package dev.llama3j.lora;

import dev.llama3j.model.Batch;
import dev.llama3j.model.LlamaConfig;
import dev.llama3j.model.ProjectionAdapters;
import dev.llama3j.model.Projection;
import dev.llama3j.model.RopeLayout;
import dev.llama3j.tensor.FloatArrays;
import dev.llama3j.tensor.MatmulInput;
import dev.llama3j.tensor.WorkerPool;
import java.util.ArrayList;
import java.util.List;

/**
 * Unmerged mode: after a projection's matmul, adds {@code scale · B (A x)} for each token whose
 * sequence uses an adapter that targets it. The base weights are untouched (a quantized base stays
 * quantized), and tokens of different adapters, or of none, share one batch. The low-rank products
 * cost about {@code r·(in+out)} per token against the base's {@code in·out}.
 *
 * <p>Buffers are sized for the model's largest batch once; a forward pass allocates nothing. Not
 * thread-safe, like the model.
 */
public final class LoraSidePath implements ProjectionAdapters {
    /** Multiply-adds below which a parallel chunk is not worth handing to another thread. */
    private static final int CHUNK_WORK = 32 * 1024;

    private final List<String> names;
    private final LowRank[][][] pairs; // [adapter][layer][projection], B scaled and in the base's row order
    private final WorkerPool pool;
    private final int[] tokens;
    private final float[] t;

    // The call in progress, read by the two parallel steps (kept in fields so that no lambda is allocated).
    private LowRank cur;
    private float[] curX;
    private float[] curOut;
    private int curM;
    private final WorkerPool.RangeTask down = this::down;
    private final WorkerPool.RangeTask up = this::up;

    /**
     * @param ropeLayout the base's Q/K row order: B's rows of Q and K are permuted to match a GGUF base
     * @param maxBatch the most tokens of one forward pass
     */
    public LoraSidePath(List<LoraAdapter> adapters, LlamaConfig config, RopeLayout ropeLayout, WorkerPool pool,
            int maxBatch) {
        this.pool = pool;
        List<String> n = new ArrayList<>();
        pairs = new LowRank[adapters.size()][config.numLayers()][Projection.values().length];
        int maxRank = 1;
        for (int i = 0; i < adapters.size(); i++) {
            LoraAdapter a = adapters.get(i);
            n.add(a.name());
            for (int l = 0; l < config.numLayers(); l++) {
                for (Projection p : Projection.values()) {
                    LowRank pair = a.pair(l, p);
                    if (pair == null) {
                        continue;
                    }
                    if (ropeLayout == RopeLayout.INTERLEAVED && (p == Projection.Q || p == Projection.K)) {
                        pair = pair.withGgufRows(p == Projection.Q ? config.numHeads() : config.numKvHeads());
                    }
                    pairs[i][l][p.ordinal()] = scaled(pair, a.scale());
                    maxRank = Math.max(maxRank, pair.rank());
                }
            }
        }
        this.names = List.copyOf(n);
        this.tokens = new int[maxBatch];
        this.t = new float[maxBatch * maxRank];
    }

    private static LowRank scaled(LowRank p, float scale) {
        float[] b = p.b().clone();
        for (int i = 0; i < b.length; i++) {
            b[i] *= scale;
        }
        return new LowRank(p.a(), b, p.rank(), p.in(), p.out());
    }

    @Override
    public List<String> names() {
        return names;
    }

    @Override
    public void apply(int layer, Projection projection, Batch batch, MatmulInput in, float[] out) {
        int n = in.n();
        for (int adapter = 1; adapter <= pairs.length; adapter++) {
            LowRank pair = pairs[adapter - 1][layer][projection.ordinal()];
            if (pair == null) {
                continue;
            }
            int m = 0;
            for (int b = 0; b < n; b++) {
                if (batch.adapter(b) == adapter) {
                    tokens[m++] = b;
                }
            }
            if (m == 0) {
                continue;
            }
            if (in.cols() != pair.in()) {
                throw new IllegalStateException(projection + " input has " + in.cols() + " columns, adapter "
                        + names.get(adapter - 1) + " expects " + pair.in());
            }
            cur = pair;
            curX = in.x();
            curOut = out;
            curM = m;
            int r = pair.rank();
            pool.parallelFor(m * r, Math.max(1, CHUNK_WORK / pair.in()), down);
            pool.parallelFor(pair.out(), Math.max(16, CHUNK_WORK / (m * r)), up);
            cur = null;
            curX = null;
            curOut = null;
        }
    }

    /** {@code t[k][j] = A[j] · x[token k]} for items {@code k*r + j} in {@code [s, e)}. */
    private void down(int s, int e) {
        LowRank p = cur;
        int r = p.rank();
        int in = p.in();
        for (int item = s; item < e; item++) {
            int k = item / r;
            int j = item - k * r;
            t[item] = FloatArrays.dot(p.a(), j * in, curX, tokens[k] * in, in);
        }
    }

    /** {@code out[token k][o] += (scale·B)[o] · t[k]} for output rows {@code o} in {@code [s, e)}. */
    private void up(int s, int e) {
        LowRank p = cur;
        int r = p.rank();
        int outCols = p.out();
        float[] b = p.b();
        for (int o = s; o < e; o++) {
            int bOff = o * r;
            for (int k = 0; k < curM; k++) {
                int tOff = k * r;
                float sum = 0f;
                for (int j = 0; j < r; j++) {
                    sum += b[bOff + j] * t[tOff + j];
                }
                curOut[tokens[k] * outCols + o] += sum;
            }
        }
    }
}
