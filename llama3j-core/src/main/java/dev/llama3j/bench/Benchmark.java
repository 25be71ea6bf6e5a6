package dev.llama3j.bench;

import dev.llama3j.engine.Engine;
import dev.llama3j.engine.Generation;
import dev.llama3j.engine.GenerationListener;
import dev.llama3j.engine.GenerationRequest;
import dev.llama3j.engine.TokenEvent;
import dev.llama3j.grammar.GrammarConstraint;
import dev.llama3j.model.Batch;
import dev.llama3j.model.KvCache;
import dev.llama3j.model.KvCacheType;
import dev.llama3j.model.LlamaModel;
import dev.llama3j.sampling.Sampler;
import dev.llama3j.sampling.SamplingParams;
import dev.llama3j.tensor.WorkerPool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Measures a model the way llama.cpp's {@code llama-bench} does, so the two can be compared on the
 * same file: {@code pp} processes a prompt of {@code promptTokens} random tokens from an empty cache
 * (in batches, logits for the last token only); {@code tg} generates {@code genTokens} tokens one at a
 * time after {@code depth} cached tokens (logits for each). Sampling is not timed in either. Each
 * figure is the mean over {@code reps} runs after one warm-up run.
 */
public final class Benchmark {
    /**
     * Tokens per second, mean and standard deviation over the runs; and, over the timed generation
     * runs, the parallel sections a token took and the shares of the time the calling thread spent
     * alone between them (the workers waiting) and waiting for the workers at their ends
     * ({@link WorkerPool.Activity}).
     */
    public record Result(double ppTokS, double ppStd, double tgTokS, double tgStd, int reps,
            double tgSectionsPerToken, double tgAloneShare, double tgWaitShare) {}

    private Benchmark() {}

    public static Result run(LlamaModel model, int promptTokens, int genTokens, int depth, int reps,
            KvCacheType cacheType) {
        int vocab = model.config().vocabSize();
        SplittableRandom random = new SplittableRandom(42);
        KvCache cache = model.newCache(Math.max(promptTokens, depth + genTokens) + 1, cacheType);
        Batch batch = new Batch(model.maxBatch());
        float[] logits = new float[vocab];
        double[] pp = new double[reps];
        double[] tg = new double[reps];
        WorkerPool pool = model.pool();
        long tgNanos = 0;
        long sections = 0;
        long alone = 0;
        long waiting = 0;
        for (int rep = -1; rep < reps; rep++) {
            if (promptTokens > 0) {
                cache.truncate(0);
                long t0 = System.nanoTime();
                prefill(model, cache, batch, logits, promptTokens, random, vocab);
                long t1 = System.nanoTime();
                if (rep >= 0) {
                    pp[rep] = promptTokens / ((t1 - t0) / 1e9);
                }
            }
            if (genTokens > 0) {
                cache.truncate(0);
                if (depth > 0) {
                    prefill(model, cache, batch, logits, depth, random, vocab);
                }
                pool.resetActivity();
                long t0 = System.nanoTime();
                for (int i = 0; i < genTokens; i++) {
                    batch.clear();
                    batch.add(random.nextInt(vocab), depth + i, cache, true);
                    model.forward(batch, logits);
                }
                long t1 = System.nanoTime();
                if (rep >= 0) {
                    tg[rep] = genTokens / ((t1 - t0) / 1e9);
                    WorkerPool.Activity a = pool.activity();
                    tgNanos += t1 - t0;
                    sections += a.sections();
                    alone += a.aloneNanos();
                    waiting += a.waitNanos();
                }
            }
        }
        double timed = Math.max(1, tgNanos);
        return new Result(mean(pp), std(pp), mean(tg), std(tg), reps,
                genTokens > 0 && reps > 0 ? (double) sections / ((long) genTokens * reps) : 0, alone / timed, waiting / timed);
    }

    /**
     * Generation speed with sampling in the timed loop (temperature 1, seeded): each sampled token is
     * the next input. With a {@code constraint} the sampler follows it, and a finished sentence starts
     * the grammar afresh, so {@code genTokens} are always generated; without one, the same loop
     * unconstrained, for the comparison. Mean tokens per second over {@code reps} runs after a warm-up.
     */
    public static double sampledGeneration(LlamaModel model, int genTokens, int reps, KvCacheType cacheType,
            GrammarConstraint constraint) {
        int vocab = model.config().vocabSize();
        KvCache cache = model.newCache(genTokens + 1, cacheType);
        Batch batch = new Batch(model.maxBatch());
        float[] logits = new float[vocab];
        double sum = 0;
        for (int rep = -1; rep < reps; rep++) {
            cache.truncate(0);
            Sampler sampler = new Sampler(SamplingParams.defaults().withTemperature(1f).withTopP(1f).withTopK(0)
                    .withSeed(42L + rep), vocab, new int[0]);
            if (constraint != null) {
                constraint.reset();
                sampler.constrain(constraint);
            }
            int token = 128000 % vocab;
            long t0 = System.nanoTime();
            for (int i = 0; i < genTokens; i++) {
                batch.clear();
                batch.add(token, i, cache, true);
                model.forward(batch, logits);
                token = sampler.sample(logits, 0);
                sampler.accept(token);
                if (constraint != null && (constraint.hasEnded() || constraint.mustEnd())) {
                    constraint.reset();
                }
            }
            long t1 = System.nanoTime();
            if (rep >= 0) {
                sum += genTokens / ((t1 - t0) / 1e9);
            }
        }
        return sum / reps;
    }

    /** Many sequences at once: aggregate generation speed while all decode together, and the prompts' rate. */
    public record ParallelResult(double tgTokS, double ppTokS, int sequences) {}

    /**
     * Like {@code llama-batched-bench}: {@code sequences} requests, each with its own prompt of
     * {@code promptTokens} random ids, go through the engine's continuous batching, then generate
     * {@code genTokens} tokens each. The generation rate counts the tokens made after the last
     * sequence's first token (from then on all of them decode in every step) over that time; the
     * prompt rate is all prompt tokens over the time to that first token. Best of {@code reps} runs
     * after a warm-up. The engine needs {@code sequences} slots of {@code promptTokens + genTokens}.
     */
    public static ParallelResult parallel(Engine engine, int vocab, int sequences, int promptTokens, int genTokens,
            int reps) {
        SplittableRandom random = new SplittableRandom(42);
        double bestTg = 0;
        double bestPp = 0;
        for (int rep = -1; rep < reps; rep++) {
            long[][] times = new long[sequences][genTokens];
            int[] counts = new int[sequences];
            List<Generation> gens = new ArrayList<>();
            long start = System.nanoTime();
            for (int i = 0; i < sequences; i++) {
                int[] prompt = new int[Math.max(1, promptTokens)];
                for (int k = 0; k < prompt.length; k++) {
                    prompt[k] = random.nextInt(Math.min(vocab, 128000)); // no special tokens
                }
                int seq = i;
                gens.add(engine.submit(GenerationRequest.of(prompt, SamplingParams.greedy(), genTokens),
                        new GenerationListener() {
                            @Override
                            public void onToken(TokenEvent event) {
                                if (event.token() >= 0 && counts[seq] < genTokens) {
                                    times[seq][counts[seq]++] = System.nanoTime();
                                }
                            }
                        }));
            }
            for (Generation g : gens) {
                g.await();
            }
            long allStarted = 0;
            long end = 0;
            for (int i = 0; i < sequences; i++) {
                if (counts[i] > 0) {
                    allStarted = Math.max(allStarted, times[i][0]);
                    end = Math.max(end, times[i][counts[i] - 1]);
                }
            }
            int after = 0;
            for (int i = 0; i < sequences; i++) {
                for (int k = 0; k < counts[i]; k++) {
                    if (times[i][k] > allStarted) {
                        after++;
                    }
                }
            }
            if (rep >= 0 && end > allStarted) {
                bestTg = Math.max(bestTg, after / ((end - allStarted) / 1e9));
                bestPp = Math.max(bestPp, (double) sequences * promptTokens / ((allStarted - start) / 1e9));
            }
        }
        return new ParallelResult(bestTg, bestPp, sequences);
    }

    private static void prefill(LlamaModel model, KvCache cache, Batch batch, float[] logits, int n,
            SplittableRandom random, int vocab) {
        for (int start = 0; start < n; start += batch.capacity()) {
            int end = Math.min(n, start + batch.capacity());
            batch.clear();
            for (int i = start; i < end; i++) {
                batch.add(random.nextInt(vocab), i, cache, i == n - 1);
            }
            model.forward(batch, logits);
        }
    }

    private static double mean(double[] a) {
        double s = 0;
        for (double v : a) {
            s += v;
        }
        return a.length == 0 ? 0 : s / a.length;
    }

    private static double std(double[] a) {
        if (a.length < 2) {
            return 0;
        }
        double m = mean(a);
        double s = 0;
        for (double v : a) {
            s += (v - m) * (v - m);
        }
        return Math.sqrt(s / (a.length - 1));
    }

    /** This process's resident memory now and at its peak, in bytes (Linux; -1 elsewhere). */
    public static long[] residentMemory() {
        long now = -1;
        long peak = -1;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    now = kib(line) * 1024;
                } else if (line.startsWith("VmHWM:")) {
                    peak = kib(line) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux: unknown.
        }
        return new long[] {now, peak};
    }

    private static long kib(String line) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
    }
}
