package dev.llama3j.train;

import dev.llama3j.model.LlamaModel;
import dev.llama3j.model.RopeLayout;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * A LoRA fine-tuning run over a loaded base: Hugging Face Trainer's loop. Each optimizer step takes
 * the next {@code batch-size × grad-accum} examples of the epoch's shuffled order (the last step of an
 * epoch takes what is left), adds their gradients weighted by target tokens (so the step's loss is the
 * mean over all its target tokens, as the Trainer computes it with {@code num_items_in_batch}),
 * clips the global norm, and applies AdamW at the schedule's learning rate.
 *
 * <p>Reproducible from the seed: the adapter's initialisation, each epoch's order (a shuffle seeded by
 * seed and epoch) and the dropout masks (drawn from the seed and the count of training sequences before
 * them, which checkpoints keep) depend on nothing else, so a run resumed from a checkpoint ends with the
 * adapter an uninterrupted run ends with, bit for bit, and {@code --save-every} changes nothing.
 */
public final class FinetuneRun {
    private final LlamaModel model;
    private final FinetuneSettings s;
    private final TrainingSet train;
    private final TrainingSet eval;
    private final Path out;
    private final PeftAdapterWriter.Settings adapterSettings;
    private final TrainingListener listener;

    /**
     * @param eval the eval set, or null
     * @param out where the adapter and checkpoints go
     * @param baseName {@code base_model_name_or_path} of the adapter
     */
    public FinetuneRun(LlamaModel model, FinetuneSettings settings, TrainingSet train, TrainingSet eval, Path out,
            String baseName, TrainingListener listener) {
        this.model = model;
        this.s = settings;
        this.train = train;
        this.eval = eval;
        this.out = out;
        this.adapterSettings = PeftAdapterWriter.Settings.of(settings.lora(), baseName);
        this.listener = listener;
    }

    /** Steps of the run. */
    public int totalSteps() {
        return s.totalSteps(train.size());
    }

    /**
     * What the run ends with.
     *
     * @param tokens tokens the steps of this run processed (a resumed run's own steps)
     * @param profile where the steps' time went
     */
    public record Result(int steps, double lastLoss, double evalLoss, Path adapter, long tokens,
            TrainingProfile profile) {

        /** Training tokens per second over the run's steps. */
        public double tokensPerSecond() {
            long nanos = profile.totalNanos();
            return nanos > 0 ? tokens * 1e9 / nanos : 0;
        }
    }

    /**
     * Trains, from the start or from the checkpoint in {@code resume}, until {@code stopAfter} steps are
     * done (the whole run when it is 0 or beyond its end; a test stops early as a kill would), then
     * writes the adapter to the output folder when the run is complete.
     */
    public Result run(Path resume, int stopAfter) {
        int n = train.size();
        int total = totalSteps();
        LearningRateSchedule schedule = new LearningRateSchedule(s.scheduler(), s.lr(),
                LearningRateSchedule.warmupSteps(s.warmup(), total), total);
        RopeLayout layout = model.weights().rope().layout();
        LoraParameters params = LoraParameters.initialize(model.config(), layout, s.lora(), s.seed());
        AdamW adam = new AdamW(params.tensors(), 0.9f, 0.999f, 1e-8f, (float) s.weightDecay());
        int step = 0;
        int epoch = 0;
        int position = 0;
        long dropoutPosition = 0;
        if (resume != null) {
            TrainingCheckpoint.Position at = TrainingCheckpoint.restore(resume, params, adam, s, n, train.tokens());
            step = at.step();
            epoch = at.epoch();
            position = at.position();
            dropoutPosition = at.dropout();
        }
        int maxTokens = maxTokens(train, eval);
        LoraTrainingModel training = new LoraTrainingModel(model, params, maxTokens, s.gradientCheckpointing(),
                dropoutSeed());
        training.continueDropoutAfter(dropoutPosition);
        int[] order = order(epoch, n);
        int end = stopAfter > 0 ? Math.min(stopAfter, total) : total;
        double loss = Double.NaN;
        double evalLoss = Double.NaN;
        long optimizerNanos = 0;
        long dataNanos = 0;
        long runTokens = 0;
        while (step < end) {
            long t0 = System.nanoTime();
            int count = Math.min(s.examplesPerStep(), n - position);
            long targets = 0;
            long tokens = 0;
            for (int i = 0; i < count; i++) {
                TrainingExample e = train.examples().get(order[position + i]);
                targets += e.targetCount();
                tokens += e.length();
            }
            long t1 = System.nanoTime();
            dataNanos += t1 - t0;
            params.zeroGradients();
            optimizerNanos += System.nanoTime() - t1;
            double stepLoss = 0;
            for (int i = 0; i < count; i++) {
                TrainingExample e = train.examples().get(order[position + i]);
                float share = (float) ((double) e.targetCount() / targets);
                stepLoss += (double) training.lossAndGradients(e.tokens(), e.targets(), share) * share;
            }
            long t2 = System.nanoTime();
            position += count;
            if (position == n) {
                epoch++;
                position = 0;
                order = order(epoch, n);
            }
            long t3 = System.nanoTime();
            dataNanos += t3 - t2;
            double norm = s.maxGradNorm() > 0 ? GradientClipping.clip(params.tensors(), s.maxGradNorm())
                    : GradientClipping.norm(params.tensors());
            double lr = schedule.at(step);
            adam.step(lr);
            optimizerNanos += System.nanoTime() - t3;
            step++;
            runTokens += tokens;
            loss = stepLoss;
            listener.step(new TrainingListener.Step(step, total, epoch + (double) position / n, stepLoss, lr, norm,
                    tokens, (System.nanoTime() - t0) / 1e9));
            if (eval != null && s.evalEvery() > 0 && step % s.evalEvery() == 0) {
                evalLoss = evaluate(training, eval);
                listener.eval(step, evalLoss);
            }
            if (s.saveEvery() > 0 && step % s.saveEvery() == 0 && step < total) {
                Path dir = TrainingCheckpoint.dir(out, step);
                TrainingCheckpoint.save(dir, adapterSettings, params, adam, s,
                        new TrainingCheckpoint.Position(step, epoch, position, n, train.tokens(),
                                training.dropoutPosition()));
                listener.saved(step, dir);
            }
        }
        TrainingProfile profile = training.profile().withLoop(optimizerNanos, dataNanos);
        if (step < total) {
            return new Result(step, loss, evalLoss, null, runTokens, profile);
        }
        if (eval != null && (s.evalEvery() == 0 || step % s.evalEvery() != 0)) {
            evalLoss = evaluate(training, eval);
            listener.eval(step, evalLoss);
        }
        PeftAdapterWriter.write(out, adapterSettings, TrainingCheckpoint.adapterTensors(params));
        return new Result(step, loss, evalLoss, out, runTokens, profile);
    }

    /** The mean cross-entropy over all target tokens of {@code set} (no dropout, no gradients). */
    static double evaluate(LoraTrainingModel training, TrainingSet set) {
        double sum = 0;
        long count = 0;
        for (TrainingExample e : set.examples()) {
            int c = e.targetCount();
            sum += (double) training.loss(e.tokens(), e.targets()) * c;
            count += c;
        }
        return sum / count;
    }

    /** The longest sequence of the training and eval sets (eval may be null): what activations are sized for. */
    public static int maxTokens(TrainingSet train, TrainingSet eval) {
        return eval == null ? train.longest() : Math.max(train.longest(), eval.longest());
    }

    /** Epoch {@code epoch}'s order of the examples: a Fisher–Yates shuffle seeded by the seed and the epoch. */
    int[] order(int epoch, int n) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(s.seed() * 0x9E3779B97F4A7C15L + epoch);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /** The seed of the run's dropout masks (apart from the initialisation's and the data order's). */
    private long dropoutSeed() {
        return s.seed() ^ 0xD1B54A32D192ED03L;
    }
}
