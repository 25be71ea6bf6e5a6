package dev.llama3j.engine;

import dev.llama3j.model.Batch;
import dev.llama3j.model.KvCache;
import dev.llama3j.model.KvCacheType;
import dev.llama3j.model.LlamaConfig;
import dev.llama3j.sampling.Sampler;
import dev.llama3j.sampling.SamplingParams;

/**
 * A stand-in for the model in scheduler tests: its forward pass writes, for each token that wants
 * logits, a row whose largest value is at {@link #next}(token, position), so a greedy sequence's
 * output is a known chain of its last prompt token. A row that reached the wrong sequence, or a token
 * fed at the wrong position, shows up as a different chain.
 */
final class FakeModel implements ForwardPass {
    static final int VOCAB = 64;
    static final int EOS = 1;

    int passes;
    int largestBatch;
    /** When set, the next pass throws it. */
    RuntimeException failNext;

    /** The id that follows {@code token} fed at {@code position}. */
    static int next(int token, int position) {
        int h = token * 31 + position * 17 + 7;
        return Math.floorMod(h ^ (h >>> 3), VOCAB);
    }

    /** What greedy decoding of {@code prompt} gives under {@link #next}, stopped as the engine stops it. */
    static int[] expected(int[] prompt, int maxTokens, int contextSize) {
        int[] out = new int[maxTokens];
        int n = 0;
        int token = prompt[prompt.length - 1];
        int pos = prompt.length - 1;
        while (true) {
            token = next(token, pos++);
            out[n++] = token;
            if (token == EOS || n >= maxTokens || prompt.length + n >= contextSize) {
                return java.util.Arrays.copyOf(out, n);
            }
        }
    }

    @Override
    public void forward(Batch batch, float[] logits) {
        if (failNext != null) {
            RuntimeException e = failNext;
            failNext = null;
            throw e;
        }
        passes++;
        largestBatch = Math.max(largestBatch, batch.size());
        int row = 0;
        for (int i = 0; i < batch.size(); i++) {
            if (batch.wantsLogits(i)) {
                int off = row++ * VOCAB;
                java.util.Arrays.fill(logits, off, off + VOCAB, 0f);
                logits[off + next(batch.token(i), batch.position(i))] = 5f;
            }
        }
    }

    /** An engine core over this fake, with tiny real caches (a fake pass never fills them). */
    EngineCore core(EngineOptions options, int batchTokens, EngineMetrics metrics) {
        LlamaConfig config = new LlamaConfig(VOCAB, 8, 16, 1, 2, 1, 4, 1e-5f, 500000, null, options.contextSize(),
                true, 0, new int[] {EOS});
        KvCache[] caches = new KvCache[options.parallel()];
        for (int i = 0; i < caches.length; i++) {
            caches[i] = new KvCache(config, options.contextSize(), KvCacheType.F32);
        }
        return new EngineCore(new Scheduler(options, batchTokens, metrics),
                new OutputProcessor(VOCAB, new int[] {EOS}, options.contextSize(), metrics), this, caches, batchTokens,
                VOCAB, metrics);
    }

    /** A greedy sequence as {@link Engine#submit} makes it, with an id-per-token text decoder. */
    static Sequence sequence(GenerationRequest request, GenerationListener listener, int adapter) {
        Sequence s = new Sequence(request, listener, new Generation(),
                new Sampler(request.sampling() == null ? SamplingParams.greedy() : request.sampling(), VOCAB,
                        request.prompt()),
                EngineTest.idDecoder());
        s.adapter = adapter;
        return s;
    }
}
