package dev.llama3j.deberta;

import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.error.ModelFormatException;
import dev.llama3j.model.SafetensorsTensors;
import dev.llama3j.safetensors.SafetensorsCheckpoint;
import dev.llama3j.tensor.WorkerPool;
import java.nio.file.Path;
import java.util.List;

/**
 * Meta's Prompt Guard (an mDeBERTa-v3 classifier with the labels BENIGN, INJECTION, JAILBREAK) from its
 * Hugging Face folder: {@code config.json}, {@code model.safetensors}, {@code tokenizer.json} or
 * {@code spm.model}. Scores texts of any length by windows of the model's 512 positions.
 */
public final class PromptGuard implements AutoCloseable {
    private final DebertaTokenizer tokenizer;
    private final DebertaModel model;
    private final SafetensorsCheckpoint checkpoint;
    private final WorkerPool pool;
    private final int benign;
    private final int injection;
    private final int jailbreak;

    private PromptGuard(DebertaTokenizer tokenizer, DebertaModel model, SafetensorsCheckpoint checkpoint,
            WorkerPool pool) {
        this.tokenizer = tokenizer;
        this.model = model;
        this.checkpoint = checkpoint;
        this.pool = pool;
        List<String> labels = model.config().labels();
        this.benign = labels.indexOf("BENIGN");
        this.injection = labels.indexOf("INJECTION");
        this.jailbreak = labels.indexOf("JAILBREAK");
    }

    /** Loads with one worker thread per core. */
    public static PromptGuard load(Path dir) {
        return load(dir, Runtime.getRuntime().availableProcessors());
    }

    public static PromptGuard load(Path dir, int threads) {
        DebertaConfig config = DebertaConfig.read(dir);
        List<String> labels = config.labels();
        for (String wanted : new String[] {"BENIGN", "INJECTION", "JAILBREAK"}) {
            if (!labels.contains(wanted)) {
                throw new ModelFormatException(dir.resolve("config.json") + ": id2label " + labels + " has no '"
                        + wanted + "'; not a Prompt Guard classifier");
            }
        }
        DebertaTokenizer tokenizer = DebertaTokenizer.load(dir);
        if (tokenizer.vocabSize() != config.vocabSize()) {
            throw new ModelFormatException(dir + ": the tokenizer has " + tokenizer.vocabSize()
                    + " pieces but config.json's vocab_size is " + config.vocabSize());
        }
        SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(dir);
        WorkerPool pool = new WorkerPool(Math.max(1, threads));
        try {
            DebertaWeights weights = DebertaWeights.load(new SafetensorsTensors(dir, checkpoint), config);
            return new PromptGuard(tokenizer, new DebertaModel(config, weights, pool), checkpoint, pool);
        } catch (RuntimeException e) {
            pool.close();
            checkpoint.close();
            throw e;
        }
    }

    public DebertaTokenizer tokenizer() {
        return tokenizer;
    }

    public DebertaModel model() {
        return model;
    }

    /** Tokens per model input: the model's positions ({@code max_position_embeddings}), 512 for Prompt Guard. */
    public int windowTokens() {
        return model.config().maxPositionEmbeddings();
    }

    public PromptGuardScores scores(String text) {
        return scores(text, 1.0);
    }

    public PromptGuardScores scores(String text, double temperature) {
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new InvalidRequestException("temperature must be a positive number, got " + temperature);
        }
        List<int[]> windows = tokenizer.windows(text, windowTokens());
        double jailbreakScore = -1;
        double injectionScore = -1;
        double[] shown = null;
        for (int[] ids : windows) {
            double[] p = softmax(model.logits(ids), temperature);
            jailbreakScore = Math.max(jailbreakScore, p[jailbreak]);
            double inj = p[injection] + p[jailbreak];
            if (inj > injectionScore) {
                injectionScore = inj;
                shown = p;
            }
        }
        return new PromptGuardScores(shown[benign], shown[injection], shown[jailbreak], jailbreakScore,
                injectionScore, windows.size());
    }

    private static double[] softmax(float[] logits, double temperature) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l / temperature);
        }
        double[] p = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp(logits[i] / temperature - max);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    @Override
    public void close() {
        pool.close();
        checkpoint.close();
    }
}
