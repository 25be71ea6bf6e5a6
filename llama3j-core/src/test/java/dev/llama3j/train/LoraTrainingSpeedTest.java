package dev.llama3j.train;

import dev.llama3j.model.LlamaModel;
import dev.llama3j.model.ModelLoader;
import dev.llama3j.model.Projection;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Training speed, a measurement rather than a check, run only on request:
 * {@code -Dllama3j.trainBench=MODEL} (a folder or GGUF, e.g. the 1B shape written by
 * {@code llama3j bench --write-synthetic 1b-q4_0.gguf --shape 1b --type q4_0}), with
 * {@code .tokens} (sequence length, default 256), {@code .steps} (default 3, after one warm-up),
 * {@code .rank} (16), {@code .targets} (q,k,v,o: the blog's recipe; {@code all} for all seven),
 * {@code .checkpointing} (true). Prints tokens/s and where the time went.
 */
@EnabledIfSystemProperty(named = "llama3j.trainBench", matches = ".+")
class LoraTrainingSpeedTest {
    @Test
    void measure() {
        String prefix = "llama3j.trainBench";
        Path path = Path.of(System.getProperty(prefix));
        int n = Integer.getInteger(prefix + ".tokens", 256);
        int steps = Integer.getInteger(prefix + ".steps", 3);
        int rank = Integer.getInteger(prefix + ".rank", 16);
        boolean checkpointing = Boolean.parseBoolean(System.getProperty(prefix + ".checkpointing", "true"));
        EnumSet<Projection> targets = "all".equals(System.getProperty(prefix + ".targets"))
                ? EnumSet.allOf(Projection.class) : EnumSet.of(Projection.Q, Projection.K, Projection.V, Projection.O);
        int threads = Integer.getInteger(prefix + ".threads", Runtime.getRuntime().availableProcessors());
        try (LlamaModel model = ModelLoader.load(path, threads, 64)) {
            LoraTrainingSpec spec = new LoraTrainingSpec(rank, 2f * rank, 0.05f, targets);
            LoraParameters params = LoraParameters.initialize(model.config(), model.weights().rope().layout(), spec, 1);
            SplittableRandom random = new SplittableRandom(1);
            int[] tokens = new int[n];
            boolean[] mask = new boolean[n];
            for (int i = 0; i < n; i++) {
                tokens[i] = random.nextInt(128000);
                mask[i] = i >= n / 4; // a prompt quarter, three quarters of answer
            }
            AdamW adam = new AdamW(params.tensors());
            LoraTrainingModel warm = new LoraTrainingModel(model, params, n, checkpointing, 1);
            warm.lossAndGradients(tokens, mask, 1f);
            LoraTrainingModel training = new LoraTrainingModel(model, params, n, checkpointing, 1);
            long t0 = System.nanoTime();
            for (int s = 0; s < steps; s++) {
                params.zeroGradients();
                training.lossAndGradients(tokens, mask, 1f);
                GradientClipping.clip(params.tensors(), 1.0);
                adam.step(2e-4);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf("training %s: %d tokens x %d steps, rank %d on %s, checkpointing %s, %d threads:"
                    + " %.1f tokens/s%n  %s%n", path.getFileName(), n, steps, rank, targets, checkpointing, threads,
                    n * steps / seconds, training.profile().describe());
        }
    }
}
