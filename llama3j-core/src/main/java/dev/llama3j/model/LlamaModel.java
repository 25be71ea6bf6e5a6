package dev.llama3j.model;

import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.tensor.FloatArrays;
import dev.llama3j.tensor.MatmulInput;
import dev.llama3j.tensor.WeightMatrix;
import dev.llama3j.tensor.WorkerPool;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The Llama 3.1 forward pass: RMSNorm, grouped-query attention with RoPE over a KV cache, SwiGLU
 * MLP, fp32 activations over weights of any supported storage type. The tokens of a {@link Batch}
 * go through each weight matrix together, so a weight row is read once per step for all of them.
 *
 * <p>Not thread-safe: one forward pass at a time (the engine serialises them).
 */
public final class LlamaModel implements AutoCloseable {
    private final LlamaConfig config;
    private final LlamaWeights weights;
    private final WorkerPool pool;
    private final AutoCloseable resources;
    private final int maxBatch;
    private final ModelAdapters adapters;
    private final ProjectionAdapters sidePath;

    // Activations for up to maxBatch tokens, allocated once.
    private final float[] x;
    private final float[] xb;
    private final float[] q;
    private final float[] k;
    private final float[] v;
    private final float[] att;
    private final float[] gate;
    private final float[] up;
    private final float[] cos;
    private final float[] sin;
    private final float[] outHidden;
    private final MatmulInput inNormed = new MatmulInput();
    private final MatmulInput inAttention = new MatmulInput();
    private final MatmulInput inFfn = new MatmulInput();
    private final MatmulInput inFinal = new MatmulInput();
    /** Per layer, the matrices that read one input, multiplied in one parallel section each. */
    private final WeightMatrix[][] qkv;
    private final WeightMatrix[][] gateUp;
    private final float[][] qkvOut;
    private final float[][] gateUpOut;

    /**
     * Tokens per chunk when the per-token steps (norms, rotations, cache stores) are split over the
     * workers; batches of this many or fewer run on the calling thread. Left to the caller alone,
     * these steps and the GEMM input's pack kept the other core idle: sharing them made 1B pp512
     * 4-10% faster on two threads (docs/SPEED.md, finding 19).
     */
    private static final int TOKEN_GRAIN = 16;
    /** Floats per chunk of the element-wise steps (residual adds, SwiGLU): a multiple of every vector length. */
    private static final int ELEMENT_GRAIN = 16 * 1024;
    // The layer and batch the parallel steps below work on, set by layer() (one pass at a time).
    private LayerWeights stepWeights;
    private Batch stepBatch;
    private int stepLayer;
    private int stepLength;
    private final WorkerPool.RangeTask attentionNorm = (s, e) -> normTokens(s, e, stepWeights.attnNorm());
    private final WorkerPool.RangeTask ffnNorm = (s, e) -> normTokens(s, e, stepWeights.ffnNorm());
    private final WorkerPool.RangeTask rotateAndStore = this::rotateAndStore;
    private final WorkerPool.RangeTask residualAdd = this::addChunks;
    private final WorkerPool.RangeTask activation = this::swigluChunks;
    private final WorkerPool.RangeTask attend = this::attendItems;
    /** Numbers the layer steps of every model, so a thread's widened keys are never taken for another step's. */
    private static final AtomicLong ATTENTION_STEPS = new AtomicLong();
    private long attentionStep;

    public LlamaModel(LlamaConfig config, LlamaWeights weights, WorkerPool pool, AutoCloseable resources,
            int maxBatch) {
        this(config, weights, pool, resources, maxBatch, ModelAdapters.NONE);
    }

    /** A model whose weights may have LoRA adapters merged in, or that applies some per token. */
    public LlamaModel(LlamaConfig config, LlamaWeights weights, WorkerPool pool, AutoCloseable resources,
            int maxBatch, ModelAdapters adapters) {
        this.adapters = adapters;
        this.sidePath = adapters.unmerged();
        this.config = config;
        this.weights = weights;
        this.pool = pool;
        this.resources = resources;
        this.maxBatch = maxBatch;
        int h = config.hiddenSize();
        x = new float[maxBatch * h];
        xb = new float[maxBatch * h];
        q = new float[maxBatch * config.qDim()];
        k = new float[maxBatch * config.kvDim()];
        v = new float[maxBatch * config.kvDim()];
        att = new float[maxBatch * config.qDim()];
        gate = new float[maxBatch * config.intermediateSize()];
        up = new float[maxBatch * config.intermediateSize()];
        cos = new float[maxBatch * config.headDim() / 2];
        sin = new float[maxBatch * config.headDim() / 2];
        outHidden = new float[maxBatch * h];
        LayerWeights[] layers = weights.layers();
        qkv = new WeightMatrix[layers.length][];
        gateUp = new WeightMatrix[layers.length][];
        for (int l = 0; l < layers.length; l++) {
            qkv[l] = new WeightMatrix[] {layers[l].wq(), layers[l].wk(), layers[l].wv()};
            gateUp[l] = new WeightMatrix[] {layers[l].wGate(), layers[l].wUp()};
        }
        qkvOut = new float[][] {q, k, v};
        gateUpOut = new float[][] {gate, up};
    }

    public LlamaConfig config() {
        return config;
    }

    public LlamaWeights weights() {
        return weights;
    }

    public WorkerPool pool() {
        return pool;
    }

    /** The LoRA adapters merged into the weights and those a batch token can select. */
    public ModelAdapters adapters() {
        return adapters;
    }

    /** The most tokens one {@link #forward} call takes. */
    public int maxBatch() {
        return maxBatch;
    }

    /** A new, empty fp32 cache for a sequence of up to {@code contextLength} positions. */
    public KvCache newCache(int contextLength) {
        return new KvCache(config, contextLength);
    }

    /** A new, empty cache of the given type. */
    public KvCache newCache(int contextLength, KvCacheType type) {
        return new KvCache(config, contextLength, type);
    }

    /** Steps {@link #warmUp} runs. */
    private static final int WARM_UP_STEPS = 4;

    /**
     * Runs a few one-token steps on a throwaway cache of {@code type}, so that the JIT compiles the
     * generation kernels from generation alone, before any prompt. Compiled after a 512-token prompt
     * instead, the Q4_0 kernel took a schedule 22% slower in 9 of 25 JVM starts, and in none of 18
     * after a warm-up (docs/SPEED.md, finding 12). Leaves nothing behind but compiled code; the
     * counterpart of llama.cpp's warm-up run.
     */
    public void warmUp(KvCacheType type) {
        KvCache cache = newCache(WARM_UP_STEPS + 1, type);
        Batch batch = new Batch(1);
        float[] logits = new float[config.vocabSize()];
        for (int pos = 0; pos < WARM_UP_STEPS; pos++) {
            batch.clear();
            batch.add(0, pos, cache, true);
            forward(batch, logits);
        }
    }

    /**
     * Runs the batch through the model: fills each token's keys and values into its sequence's cache
     * and writes the logits of the tokens that want them to {@code logits} (row {@code i} for the
     * {@code i}-th such token, {@code vocabSize} floats each).
     */
    public void forward(Batch batch, float[] logits) {
        int n = batch.size();
        if (n == 0) {
            return;
        }
        if (n > maxBatch) {
            throw new IllegalArgumentException("batch of " + n + " tokens exceeds the model's " + maxBatch);
        }
        validate(batch);
        int h = config.hiddenSize();
        for (int b = 0; b < n; b++) {
            weights.tokenEmbedding().dequantizeRow(batch.tokens[b], x, b * h);
            weights.rope().angles(batch.positions[b], cos, sin, b * config.headDim() / 2);
        }
        for (int l = 0; l < config.numLayers(); l++) {
            layer(l, batch);
        }
        for (int b = 0; b < n; b++) {
            KvCache c = batch.caches[b];
            c.advanceTo(batch.positions[b] + 1);
        }
        int outputs = 0;
        for (int b = 0; b < n; b++) {
            if (batch.wantLogits[b]) {
                rmsNorm(x, b * h, weights.finalNorm(), outHidden, outputs * h, h);
                outputs++;
            }
        }
        if (outputs > 0) {
            matmul(weights.lmHead(), inFinal.set(outHidden, outputs, h), logits);
        }
    }

    private void validate(Batch batch) {
        for (int b = 0; b < batch.size(); b++) {
            int t = batch.tokens[b];
            if (t < 0 || t >= config.vocabSize()) {
                throw new InvalidRequestException("token id " + t + " is outside the vocabulary (0.."
                        + (config.vocabSize() - 1) + ")", "prompt");
            }
            int p = batch.positions[b];
            if (p < 0 || p >= batch.caches[b].capacity()) {
                throw new InvalidRequestException("position " + p + " is outside the context of "
                        + batch.caches[b].capacity() + " tokens", "prompt");
            }
            int a = batch.adapters[b];
            if (a < 0 || a > adapters.selectable().size()) {
                throw new IllegalArgumentException("adapter index " + a + " but the model has "
                        + adapters.selectable().size() + " unmerged adapters");
            }
        }
    }

    private void layer(int l, Batch batch) {
        int n = batch.size();
        int h = config.hiddenSize();
        int qDim = config.qDim();
        LayerWeights w = weights.layers()[l];

        stepWeights = w;
        stepBatch = batch;
        stepLayer = l;
        pool.parallelFor(n, TOKEN_GRAIN, attentionNorm);
        inNormed.set(xb, n, h);
        WeightMatrix.matmul(pool, inNormed, qkv[l], qkvOut);
        if (sidePath != null) {
            sidePath.apply(l, Projection.Q, batch, inNormed, q);
            sidePath.apply(l, Projection.K, batch, inNormed, k);
            sidePath.apply(l, Projection.V, batch, inNormed, v);
        }
        pool.parallelFor(n, TOKEN_GRAIN, rotateAndStore);
        attentionStep = ATTENTION_STEPS.incrementAndGet();
        pool.parallelFor(n * config.numKvHeads(), 1, attend);
        matmul(w.wo(), inAttention.set(att, n, qDim), xb);
        if (sidePath != null) {
            sidePath.apply(l, Projection.O, batch, inAttention, xb);
        }
        addResidual(n * h);

        pool.parallelFor(n, TOKEN_GRAIN, ffnNorm);
        inNormed.set(xb, n, h);
        WeightMatrix.matmul(pool, inNormed, gateUp[l], gateUpOut);
        if (sidePath != null) {
            sidePath.apply(l, Projection.GATE, batch, inNormed, gate);
            sidePath.apply(l, Projection.UP, batch, inNormed, up);
        }
        elementWise(n * config.intermediateSize(), activation);
        matmul(w.wDown(), inFfn.set(gate, n, config.intermediateSize()), xb);
        if (sidePath != null) {
            sidePath.apply(l, Projection.DOWN, batch, inFfn, xb);
        }
        addResidual(n * h);
    }

    /** The attention or feed-forward RMSNorm of tokens {@code [s, e)}, from {@code x} into {@code xb}. */
    private void normTokens(int s, int e, float[] weight) {
        int h = config.hiddenSize();
        for (int b = s; b < e; b++) {
            rmsNorm(x, b * h, weight, xb, b * h, h);
        }
    }

    /**
     * Attention for items {@code [s, e)}, an item being one token's query heads that share a key/value
     * head. A prompt (more than {@link #TOKEN_GRAIN} tokens) numbers them head by head, so a worker
     * meets one head's tokens in order and widens that head's fp16 keys and values once for all of
     * them ({@link Attention#promptHeads}); a few tokens are numbered token by token.
     */
    private void attendItems(int s, int e) {
        Batch batch = stepBatch;
        int n = batch.size();
        int kvHeads = config.numKvHeads();
        int group = config.groupSize();
        int headDim = config.headDim();
        int qDim = config.qDim();
        boolean prompt = n > TOKEN_GRAIN;
        for (int item = s; item < e; item++) {
            int b = prompt ? item % n : item / kvHeads;
            int g = prompt ? item / n : item % kvHeads;
            int qOff = b * qDim + g * group * headDim;
            int len = batch.positions[b] + 1;
            if (prompt) {
                Attention.promptHeads(batch.caches[b], stepLayer, g, len, headDim, group, q, qOff, att, qOff,
                        attentionStep);
            } else {
                Attention.heads(batch.caches[b], stepLayer, g, len, headDim, group, q, qOff, att, qOff);
            }
        }
    }

    /** RoPE on the queries and keys of tokens {@code [s, e)}, then their keys and values into their caches. */
    private void rotateAndStore(int s, int e) {
        int qDim = config.qDim();
        int kvDim = config.kvDim();
        int headDim = config.headDim();
        RopeTables rope = weights.rope();
        Batch batch = stepBatch;
        for (int b = s; b < e; b++) {
            int ao = b * headDim / 2;
            rope.rotate(q, b * qDim, config.numHeads(), headDim, cos, sin, ao);
            rope.rotate(k, b * kvDim, config.numKvHeads(), headDim, cos, sin, ao);
            batch.caches[b].store(stepLayer, batch.positions[b], k, b * kvDim, v, b * kvDim);
        }
    }

    /** {@code x += xb} over the first {@code len} floats. */
    private void addResidual(int len) {
        elementWise(len, residualAdd);
    }

    /** {@code x += xb} over chunks {@code [s, e)} of {@link #ELEMENT_GRAIN} floats. */
    private void addChunks(int s, int e) {
        add(x, xb, s * ELEMENT_GRAIN, Math.min(e * ELEMENT_GRAIN, stepLength));
    }

    /** {@code gate = silu(gate) * up} over chunks {@code [s, e)} of {@link #ELEMENT_GRAIN} floats. */
    private void swigluChunks(int s, int e) {
        FloatArrays.swiglu(gate, up, gate, s * ELEMENT_GRAIN, Math.min(e * ELEMENT_GRAIN, stepLength));
    }

    /**
     * Runs an element-wise step over {@code [0, len)}, whose task takes chunks of
     * {@link #ELEMENT_GRAIN} floats; a single chunk runs on the calling thread.
     */
    private void elementWise(int len, WorkerPool.RangeTask step) {
        stepLength = len;
        pool.parallelFor((len + ELEMENT_GRAIN - 1) / ELEMENT_GRAIN, 1, step);
    }

    /** {@code out[t][r] = w[r] · in[t]}, split over the workers in whole panels of rows. */
    private void matmul(WeightMatrix w, MatmulInput in, float[] out) {
        w.matmul(pool, in, out);
    }

    /** {@code out = weight * in / sqrt(mean(in^2) + eps)}, the mean accumulated in double. */
    private void rmsNorm(float[] in, int inOff, float[] weight, float[] out, int outOff, int size) {
        double ss = 0;
        for (int i = 0; i < size; i++) {
            float val = in[inOff + i];
            ss += val * val;
        }
        float inv = (float) (1.0 / Math.sqrt((float) (ss / size) + config.rmsNormEps()));
        for (int i = 0; i < size; i++) {
            out[outOff + i] = weight[i] * (in[inOff + i] * inv);
        }
    }



    private static void add(float[] acc, float[] delta, int from, int to) {
        for (int i = from; i < to; i++) {
            acc[i] += delta[i];
        }
    }

    @Override
    public void close() {
        pool.close();
        if (resources != null) {
            try {
                resources.close();
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        }
    }
}
