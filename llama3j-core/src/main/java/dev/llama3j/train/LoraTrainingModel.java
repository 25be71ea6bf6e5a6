package dev.llama3j.train;

import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.model.LayerWeights;
import dev.llama3j.model.LlamaConfig;
import dev.llama3j.model.LlamaModel;
import dev.llama3j.model.LlamaWeights;
import dev.llama3j.model.Projection;
import dev.llama3j.model.RopeTables;
import dev.llama3j.tensor.FloatArrays;
import dev.llama3j.tensor.Gemm;
import dev.llama3j.tensor.MatmulInput;
import dev.llama3j.tensor.WeightMatrix;
import dev.llama3j.tensor.WorkerPool;
import java.util.Arrays;

/**
 * A loaded Llama model with trainable LoRA side paths: the causal-LM loss of one token sequence and
 * its gradients with respect to the adapters' A and B, fp32, as Hugging Face's
 * {@code LlamaForCausalLM} + PEFT compute them in training mode. The base weights are the model's own
 * {@link WeightMatrix} objects (any storage type), read, never copied.
 *
 * <p><b>Targets.</b> {@code targets[i]} says whether token {@code i} counts in the loss; it is
 * predicted from the logits at position {@code i − 1}, so {@code targets[0]} is ignored. This is
 * Hugging Face's {@code labels} (a token where a label is kept, {@code -100} elsewhere) with its shift.
 * The loss is the mean cross-entropy over the counted tokens.
 *
 * <p><b>Memory.</b> Activations for {@code maxTokens} tokens are allocated once: per layer, or, with
 * gradient checkpointing, only each layer's input, the rest recomputed during backward (the same
 * numbers, since every step is deterministic). Logits exist for at most {@link #LOGIT_ROWS} positions at
 * a time.
 *
 * <p>Not thread-safe; uses the model's worker pool, so no inference may run at the same time.
 */
public final class LoraTrainingModel {
    /** Positions whose full-vocabulary logits exist at once. */
    static final int LOGIT_ROWS = 128;

    private final LlamaConfig config;
    private final LlamaWeights weights;
    private final WorkerPool pool;
    private final LoraParameters params;
    private final LoraTrainingSpec spec;
    private final int maxTokens;
    private final boolean checkpointing;
    private final long dropoutSeed;
    private long calls; // training sequences whose dropout masks were drawn: the dropout stream's position
    // Where training time goes ({@link TrainingProfile}); evaluation passes are not counted.
    private long forwardNanos;
    private long recomputeNanos;
    private long backwardNanos;
    private long lossNanos;
    private long sideNanos;
    private long attentionNanos;

    private final FrozenMatmul frozen;
    private final TrainableSidePath side;
    private final TrainingAttention attention;
    private final LayerActivations[] acts; // per layer, or one when checkpointing
    private final float[][] inputs; // input of each layer; inputs[numLayers] is the last hidden state
    private final float[] cos;
    private final float[] sin;
    private final float[] sinBack; // −sin: rotating back is the gradient of a rotation
    private final float[] tmp;
    private final MatmulInput shared = new MatmulInput();

    // Gradient buffers
    private final float[] dx;
    private final float[] dNorm;
    private final float[] dAtt;
    private final float[] dq;
    private final float[] dk;
    private final float[] dv;
    private final float[] dAct;
    private final float[] dGate;
    private final float[] dUp;
    // Loss
    private final float[] lossHidden;
    private final float[] dLossHidden;
    private final float[] logits;
    private final int[] lossPositions;
    private final double[] rowLoss = new double[LOGIT_ROWS];

    /**
     * @param model the loaded base model (its weights, config and worker pool are used)
     * @param params the adapters to train, made for this model's shape
     * @param maxTokens the longest sequence {@link #lossAndGradients} takes
     * @param gradientCheckpointing keep only each layer's input and recompute the rest in backward
     * @param dropoutSeed seed of the dropout masks (a new mask set per call of {@link #lossAndGradients})
     */
    public LoraTrainingModel(LlamaModel model, LoraParameters params, int maxTokens, boolean gradientCheckpointing,
            long dropoutSeed) {
        if (maxTokens < 2) {
            throw new InvalidRequestException("training sequences need at least 2 tokens, got a maximum of "
                    + maxTokens, "max_seq_len");
        }
        this.config = model.config();
        for (int l = 0; l < config.numLayers(); l++) {
            for (Projection p : Projection.values()) {
                TrainableTensor a = params.spec().targets(p) && l < params.config().numLayers() ? params.a(l, p) : null;
                if (params.spec().targets(p) && (a == null || a.cols() != p.in(config)
                        || params.b(l, p).rows() != p.out(config))) {
                    throw new IllegalArgumentException("LoRA parameters were made for another model shape ("
                            + p.module() + " of layer " + l + ")");
                }
            }
        }
        if (params.config().numLayers() != config.numLayers()) {
            throw new IllegalArgumentException("LoRA parameters for " + params.config().numLayers()
                    + " layers, the model has " + config.numLayers());
        }
        this.weights = model.weights();
        this.pool = model.pool();
        this.params = params;
        this.spec = params.spec();
        this.maxTokens = maxTokens;
        this.checkpointing = gradientCheckpointing;
        this.dropoutSeed = dropoutSeed;
        int h = config.hiddenSize();
        int inter = config.intermediateSize();
        int widest = Math.max(Math.max(h, inter), config.qDim());
        frozen = new FrozenMatmul(pool, widest);
        side = new TrainableSidePath(pool, spec, maxTokens, widest);
        attention = new TrainingAttention(config, pool, maxTokens);
        acts = new LayerActivations[gradientCheckpointing ? 1 : config.numLayers()];
        for (int i = 0; i < acts.length; i++) {
            acts[i] = new LayerActivations(config, spec, maxTokens);
        }
        inputs = new float[config.numLayers() + 1][maxTokens * h];
        int half = config.headDim() / 2;
        cos = new float[maxTokens * half];
        sin = new float[maxTokens * half];
        sinBack = new float[maxTokens * half];
        tmp = new float[maxTokens * h];
        dx = new float[maxTokens * h];
        dNorm = new float[maxTokens * h];
        dAtt = new float[maxTokens * config.qDim()];
        dq = new float[maxTokens * config.qDim()];
        dk = new float[maxTokens * config.kvDim()];
        dv = new float[maxTokens * config.kvDim()];
        dAct = new float[maxTokens * inter];
        dGate = new float[maxTokens * inter];
        dUp = new float[maxTokens * inter];
        lossHidden = new float[LOGIT_ROWS * h];
        dLossHidden = new float[LOGIT_ROWS * h];
        logits = new float[LOGIT_ROWS * config.vocabSize()];
        lossPositions = new int[maxTokens];
    }

    public LoraParameters parameters() {
        return params;
    }

    public int maxTokens() {
        return maxTokens;
    }

    public boolean gradientCheckpointing() {
        return checkpointing;
    }

    /**
     * Where the dropout stream stands: calls of {@link #lossAndGradients} so far. The masks of a call
     * depend only on the seed and this count, so a checkpoint keeps it and a resumed run
     * {@link #continueDropoutAfter continues} from it.
     */
    public long dropoutPosition() {
        return calls;
    }

    /** Continues the dropout stream after {@code position} calls (a position {@link #dropoutPosition} gave). */
    public void continueDropoutAfter(long position) {
        calls = position;
    }

    /**
     * Where the time of {@link #lossAndGradients} went since this object was made (the base products
     * include lm_head's, which the loss phase also counts); the optimizer and data phases are the run
     * loop's, 0 here.
     */
    public TrainingProfile profile() {
        return new TrainingProfile(forwardNanos, recomputeNanos, backwardNanos, lossNanos, 0, 0,
                frozen.forwardNanos, frozen.backwardNanos, frozen.dequantNanos(), sideNanos, attentionNanos);
    }

    /**
     * Bytes of the activations kept for the backward pass: each layer's set ({@link LayerActivations};
     * one set, refilled per layer, with checkpointing) and every layer's input.
     */
    public static long activationBytes(LlamaConfig c, LoraTrainingSpec spec, int maxTokens, boolean checkpointing) {
        long layers = checkpointing ? 1 : c.numLayers();
        return layers * LayerActivations.bytes(c, spec, maxTokens)
                + 4L * maxTokens * (c.numLayers() + 1) * c.hiddenSize();
    }

    /**
     * Bytes of the work buffers: the gradients flowing back through one block, RoPE tables, the
     * logits of {@link #LOGIT_ROWS} positions, the products' per-worker partial sums and panels
     * ({@link FrozenMatmul}), the side paths' dropout copy and attention's rows.
     */
    public static long workBytes(LlamaConfig c, LoraTrainingSpec spec, int maxTokens, int threads) {
        long h = c.hiddenSize();
        long widest = Math.max(Math.max(h, c.intermediateSize()), c.qDim());
        long perToken = 3L * h + 2L * c.qDim() + 2L * c.kvDim() + 3L * c.intermediateSize() // tmp, dx … dUp
                + 3L * c.headDim() / 2 // cos, sin, −sin
                + 1 // loss positions (ints)
                + (spec.dropout() > 0 ? widest : 0) + spec.rank() // side path: dropout(x), ∂(A·x)
                + c.numHeads() + (threads + 1); // attention: Σ dO·O, a row of scores per thread
        long bytes = 4L * maxTokens * perToken;
        // Products (FrozenMatmul): a chunk of W's rows and of dy's columns; per worker the kernel's panel
        // (NF4 forward: G rows + 1 wide; backward: CHUNK × G) and result (tokens × G).
        long panel = Math.max((long) FrozenMatmul.CHUNK * Gemm.G, (Gemm.G + 1) * widest);
        bytes += 4L * ((long) FrozenMatmul.CHUNK * widest + (long) maxTokens * FrozenMatmul.CHUNK
                + threads * ((long) maxTokens * Gemm.G + panel));
        bytes += 4L * LOGIT_ROWS * (c.vocabSize() + 2 * h) + 8L * LOGIT_ROWS; // logits, hidden rows, row losses
        return bytes;
    }

    /**
     * The mean cross-entropy of the target tokens, and {@code gradScale ×} its gradient added to the
     * parameters' gradient buffers (for gradient accumulation over {@code k} micro-batches, pass
     * {@code 1/k}: Hugging Face's Trainer divides each micro-batch's loss by {@code k}). Dropout applies.
     */
    public float lossAndGradients(int[] tokens, boolean[] targets, float gradScale) {
        long t0 = System.nanoTime();
        int count = prepare(tokens, targets);
        long call = ++calls;
        forwardLayers(tokens, call, true);
        forwardNanos += System.nanoTime() - t0;
        return (float) loss(tokens, count, true, gradScale, call);
    }

    /** The mean cross-entropy of the target tokens, without gradients or dropout (evaluation). */
    public float loss(int[] tokens, boolean[] targets) {
        TrainingProfile before = profile();
        long[] products = frozen.counters();
        int count = prepare(tokens, targets);
        forwardLayers(tokens, 0, false);
        float loss = (float) loss(tokens, count, false, 0f, 0);
        // Evaluation is not training time: put the counters back.
        lossNanos = before.lossNanos();
        sideNanos = before.adapterNanos();
        attentionNanos = before.attentionNanos();
        frozen.restore(products);
        return loss;
    }

    private int prepare(int[] tokens, boolean[] targets) {
        int n = tokens.length;
        if (n < 2 || n > maxTokens) {
            throw new InvalidRequestException("a training sequence of " + n + " tokens; expected 2.." + maxTokens,
                    "max_seq_len");
        }
        if (targets.length != n) {
            throw new IllegalArgumentException(targets.length + " target flags for " + n + " tokens");
        }
        int count = 0;
        for (int i = 0; i < n; i++) {
            int t = tokens[i];
            if (t < 0 || t >= config.vocabSize()) {
                throw new InvalidRequestException("token id " + t + " at position " + i
                        + " is outside the vocabulary (0.." + (config.vocabSize() - 1) + ")", "tokens");
            }
            if (i > 0 && targets[i]) {
                lossPositions[count++] = i - 1;
            }
        }
        if (count == 0) {
            throw new InvalidRequestException("a training sequence of " + n
                    + " tokens has no target token (every label masked)", "tokens");
        }
        return count;
    }

    private long key(long call, int layer, Projection p) {
        return call == 0 ? 0 : (dropoutSeed * 0x632BE59BD9B4E019L) ^ (call << 20) ^ ((long) layer << 4) ^ (p.ordinal() + 1);
    }

    private LayerActivations acts(int layer) {
        return acts[checkpointing ? 0 : layer];
    }

    private void forwardLayers(int[] tokens, long call, boolean training) {
        int n = tokens.length;
        int h = config.hiddenSize();
        int half = config.headDim() / 2;
        RopeTables rope = weights.rope();
        for (int t = 0; t < n; t++) {
            weights.tokenEmbedding().dequantizeRow(tokens[t], inputs[0], t * h);
            rope.angles(t, cos, sin, t * half);
        }
        for (int i = 0; i < n * half; i++) {
            sinBack[i] = -sin[i];
        }
        for (int l = 0; l < config.numLayers(); l++) {
            layerForward(l, n, call, acts(l));
        }
    }

    private void sideForward(int l, Projection p, float[] x, int n, float[] y, LayerActivations a, long call) {
        if (spec.targets(p)) {
            long t0 = System.nanoTime();
            side.forward(params.a(l, p), params.b(l, p), x, n, y, a.low[p.ordinal()], key(call, l, p));
            sideNanos += System.nanoTime() - t0;
        }
    }

    private void sideBackward(int l, Projection p, float[] x, int n, float[] dy, float[] dxOut, LayerActivations a,
            long call) {
        if (spec.targets(p)) {
            long t0 = System.nanoTime();
            side.backward(params.a(l, p), params.b(l, p), x, n, a.low[p.ordinal()], dy, dxOut, key(call, l, p));
            sideNanos += System.nanoTime() - t0;
        }
    }

    private void norms(int n, float[] x, float[] w, float[] y) {
        int h = config.hiddenSize();
        float eps = config.rmsNormEps();
        pool.parallelFor(n, 8, (t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                RmsNorm.forward(x, t * h, w, eps, y, t * h, h);
            }
        });
    }

    private void normsBackward(int n, float[] x, float[] w, float[] dy, float[] dxOut) {
        int h = config.hiddenSize();
        float eps = config.rmsNormEps();
        pool.parallelFor(n, 8, (t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                RmsNorm.backward(x, t * h, w, eps, dy, t * h, dxOut, t * h, h);
            }
        });
    }

    /** Block {@code l}: {@code inputs[l]} → {@code inputs[l+1]}, keeping what backward needs in {@code a}. */
    private void layerForward(int l, int n, long call, LayerActivations a) {
        LayerWeights w = weights.layers()[l];
        int h = config.hiddenSize();
        int inter = config.intermediateSize();
        float[] in = inputs[l];
        float[] out = inputs[l + 1];
        norms(n, in, w.attnNorm(), a.norm1);
        shared.set(a.norm1, n, h);
        frozen.forward(w.wq(), shared, a.q);
        frozen.forward(w.wk(), shared, a.k);
        frozen.forward(w.wv(), shared, a.v);
        sideForward(l, Projection.Q, a.norm1, n, a.q, a, call);
        sideForward(l, Projection.K, a.norm1, n, a.k, a, call);
        sideForward(l, Projection.V, a.norm1, n, a.v, a, call);
        rotate(n, a.q, a.k, sin);
        long t0 = System.nanoTime();
        attention.forward(n, a.q, a.k, a.v, a.att, a.lse);
        attentionNanos += System.nanoTime() - t0;
        frozen.forward(w.wo(), a.att, n, tmp);
        sideForward(l, Projection.O, a.att, n, tmp, a, call);
        for (int i = 0; i < n * h; i++) {
            a.mid[i] = in[i] + tmp[i];
        }
        norms(n, a.mid, w.ffnNorm(), a.norm2);
        shared.set(a.norm2, n, h);
        frozen.forward(w.wGate(), shared, a.gate);
        frozen.forward(w.wUp(), shared, a.up);
        sideForward(l, Projection.GATE, a.norm2, n, a.gate, a, call);
        sideForward(l, Projection.UP, a.norm2, n, a.up, a, call);
        FloatArrays.swiglu(a.gate, a.up, a.act, n * inter);
        frozen.forward(w.wDown(), a.act, n, tmp);
        sideForward(l, Projection.DOWN, a.act, n, tmp, a, call);
        for (int i = 0; i < n * h; i++) {
            out[i] = a.mid[i] + tmp[i];
        }
    }

    /** Applies RoPE to every position's queries and keys with the given sines (−sin rotates back). */
    private void rotate(int n, float[] q, float[] k, float[] sines) {
        RopeTables rope = weights.rope();
        int hd = config.headDim();
        int half = hd / 2;
        for (int t = 0; t < n; t++) {
            rope.rotate(q, t * config.qDim(), config.numHeads(), hd, cos, sines, t * half);
            rope.rotate(k, t * config.kvDim(), config.numKvHeads(), hd, cos, sines, t * half);
        }
    }

    /**
     * Block {@code l} backward: {@code dx} holds ∂L/∂(output of block l) and becomes ∂L/∂(its input);
     * adapter gradients are added on the way.
     */
    private void layerBackward(int l, int n, long call, LayerActivations a) {
        LayerWeights w = weights.layers()[l];
        int h = config.hiddenSize();
        int inter = config.intermediateSize();
        // MLP
        Arrays.fill(dAct, 0, n * inter, 0f);
        frozen.backward(w.wDown(), dx, n, dAct);
        sideBackward(l, Projection.DOWN, a.act, n, dx, dAct, a, call);
        for (int i = 0; i < n * inter; i++) {
            float g = a.gate[i];
            float sig = 1f / (1f + (float) Math.exp(-g));
            float silu = g * sig;
            dUp[i] = dAct[i] * silu;
            dGate[i] = dAct[i] * a.up[i] * (sig * (1f + g * (1f - sig)));
        }
        Arrays.fill(dNorm, 0, n * h, 0f);
        frozen.backward(w.wGate(), dGate, n, dNorm);
        frozen.backward(w.wUp(), dUp, n, dNorm);
        sideBackward(l, Projection.GATE, a.norm2, n, dGate, dNorm, a, call);
        sideBackward(l, Projection.UP, a.norm2, n, dUp, dNorm, a, call);
        normsBackward(n, a.mid, w.ffnNorm(), dNorm, dx);
        // Attention
        Arrays.fill(dAtt, 0, n * config.qDim(), 0f);
        frozen.backward(w.wo(), dx, n, dAtt);
        sideBackward(l, Projection.O, a.att, n, dx, dAtt, a, call);
        long t0 = System.nanoTime();
        attention.backward(n, a.q, a.k, a.v, a.att, a.lse, dAtt, dq, dk, dv);
        attentionNanos += System.nanoTime() - t0;
        rotate(n, dq, dk, sinBack);
        Arrays.fill(dNorm, 0, n * h, 0f);
        frozen.backward(w.wq(), dq, n, dNorm);
        frozen.backward(w.wk(), dk, n, dNorm);
        frozen.backward(w.wv(), dv, n, dNorm);
        sideBackward(l, Projection.Q, a.norm1, n, dq, dNorm, a, call);
        sideBackward(l, Projection.K, a.norm1, n, dk, dNorm, a, call);
        sideBackward(l, Projection.V, a.norm1, n, dv, dNorm, a, call);
        normsBackward(n, inputs[l], w.attnNorm(), dNorm, dx);
    }

    /**
     * Cross-entropy over the vocabulary, {@link #LOGIT_ROWS} positions at a time; with {@code backward},
     * the gradient flows through lm_head, the final norm and every block.
     */
    private double loss(int[] tokens, int count, boolean backward, float gradScale, long call) {
        int n = tokens.length;
        int h = config.hiddenSize();
        int vocab = config.vocabSize();
        float[] last = inputs[config.numLayers()];
        float[] finalNorm = weights.finalNorm();
        float eps = config.rmsNormEps();
        WeightMatrix head = weights.lmHead();
        float unit = gradScale / count;
        if (backward) {
            Arrays.fill(dx, 0, n * h, 0f);
        }
        double total = 0;
        long t0 = System.nanoTime();
        for (int c0 = 0; c0 < count; c0 += LOGIT_ROWS) {
            int rows = Math.min(LOGIT_ROWS, count - c0);
            int first = c0;
            for (int r = 0; r < rows; r++) {
                RmsNorm.forward(last, lossPositions[c0 + r] * h, finalNorm, eps, lossHidden, r * h, h);
            }
            frozen.forward(head, lossHidden, rows, logits);
            pool.parallelFor(rows, 1, (r0, r1) -> {
                for (int r = r0; r < r1; r++) {
                    int off = r * vocab;
                    double lse = VocabularySoftmax.logSumExp(logits, off, vocab);
                    int target = tokens[lossPositions[first + r] + 1];
                    rowLoss[r] = lse - logits[off + target];
                    if (backward) {
                        VocabularySoftmax.gradient(logits, off, vocab, (float) lse, unit, target);
                    }
                }
            });
            for (int r = 0; r < rows; r++) {
                total += rowLoss[r];
            }
            if (backward) {
                Arrays.fill(dLossHidden, 0, rows * h, 0f);
                frozen.backward(head, logits, rows, dLossHidden);
                for (int r = 0; r < rows; r++) {
                    int p = lossPositions[c0 + r];
                    RmsNorm.backward(last, p * h, finalNorm, eps, dLossHidden, r * h, dx, p * h, h);
                }
            }
        }
        lossNanos += System.nanoTime() - t0;
        if (backward) {
            for (int l = config.numLayers() - 1; l >= 0; l--) {
                LayerActivations a = acts(l);
                long t1 = System.nanoTime();
                if (checkpointing) {
                    layerForward(l, n, call, a);
                }
                long t2 = System.nanoTime();
                layerBackward(l, n, call, a);
                recomputeNanos += t2 - t1;
                backwardNanos += System.nanoTime() - t2;
            }
        }
        return total / count;
    }
}
