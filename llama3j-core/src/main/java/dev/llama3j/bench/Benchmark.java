package dev.llama3j.bench;

import dev.llama3j.grammar.GrammarConstraint;
import dev.llama3j.model.Batch;
import dev.llama3j.model.KvCache;
import dev.llama3j.model.KvCacheType;
import dev.llama3j.model.LlamaModel;
import dev.llama3j.sampling.Sampler;
import dev.llama3j.sampling.SamplingParams;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Measures a model the way llama.cpp's {@code llama-bench} does, so the two can be compared on the
 * same file: {@code pp} processes a prompt of {@code promptTokens} random tokens from an empty cache
 * (in batches, logits for the last token only); {@code tg} generates {@code genTokens} tokens one at a
 * time after {@code depth} cached tokens (logits for each). Sampling is not timed in either. Each
 * figure is the mean over {@code reps} runs after one warm-up run.
 */
public final class Benchmark {
    /** Tokens per second, mean and standard deviation over the runs. */
    public record Result(double ppTokS, double ppStd, double tgTokS, double tgStd, int reps) {}

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
                long t0 = System.nanoTime();
                for (int i = 0; i < genTokens; i++) {
                    batch.clear();
                    batch.add(random.nextInt(vocab), depth + i, cache, true);
                    model.forward(batch, logits);
                }
                long t1 = System.nanoTime();
                if (rep >= 0) {
                    tg[rep] = genTokens / ((t1 - t0) / 1e9);
                }
            }
        }
        return new Result(mean(pp), std(pp), mean(tg), std(tg), reps);
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
