package dev.llama3j.cli;

import dev.llama3j.convert.HfToGgufConverter;
import dev.llama3j.convert.TensorTypeRecipe;
import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.gguf.GgufFileType;
import dev.llama3j.mem.ByteSize;
import dev.llama3j.mem.ModelShape;
import dev.llama3j.mem.TrainingMemory;
import dev.llama3j.model.AdapterHook;
import dev.llama3j.model.LlamaConfig;
import dev.llama3j.model.LlamaModel;
import dev.llama3j.model.ModelLoader;
import dev.llama3j.model.ModelSource;
import dev.llama3j.model.ModelSources;
import dev.llama3j.model.Projection;
import dev.llama3j.train.ExampleEncoder;
import dev.llama3j.train.FinetuneMemory;
import dev.llama3j.train.FinetuneRun;
import dev.llama3j.train.FinetuneSettings;
import dev.llama3j.train.LearningRateSchedule;
import dev.llama3j.train.LoraTrainingSpec;
import dev.llama3j.train.Nf4Base;
import dev.llama3j.train.TrainingDataReader;
import dev.llama3j.train.TrainingSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "finetune", mixinStandardHelpOptions = true,
        description = {"Train a LoRA or QLoRA adapter on JSON-lines data and save it in PEFT's format"
                + " (adapter_config.json + adapter_model.safetensors), for generate/chat/serve --lora.",
            "Data: one {\"messages\": [...]} conversation (loss on the assistant messages) or"
                + " {\"prompt\": ..., \"completion\": ...} pair (loss on the completion) per line.",
            "Defaults are the Llama 3.1 blog's TRL recipe (rank 16, alpha 32, q/k/v/o, lr 2e-4, batch 1 x 4,"
                + " 1,024 tokens) with Hugging Face Trainer's defaults for the rest."})
final class FinetuneCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, required = true, paramLabel = "PATH",
            description = "The base: a Hugging Face model folder or a GGUF file")
    Path model;

    @Option(names = "--data", required = true, paramLabel = "FILE", description = "Training data, JSON lines")
    Path data;

    @Option(names = "--eval", paramLabel = "FILE", description = "Evaluation data, JSON lines")
    Path eval;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "DIR",
            description = "Where the adapter (and checkpoint-STEP folders) go")
    Path out;

    @Option(names = "--method", paramLabel = "lora|qlora",
            description = "qlora holds the base's float projections in NF4 while training (default: ${DEFAULT-VALUE})")
    String method = "lora";

    @Option(names = "--double-quant", description = "With qlora: quantize the NF4 block scales too (8 bits per 256)")
    boolean doubleQuant;

    @Option(names = "--rank", paramLabel = "R", description = "LoRA rank (default: ${DEFAULT-VALUE})")
    int rank = 16;

    @Option(names = "--alpha", paramLabel = "A", description = "LoRA alpha; the update is scaled by alpha/rank"
            + " (default: ${DEFAULT-VALUE})")
    float alpha = 32;

    @Option(names = "--dropout", paramLabel = "P", description = "LoRA dropout (default: ${DEFAULT-VALUE})")
    float dropout = 0.05f;

    @Option(names = "--target", paramLabel = "MODULES", split = ",",
            description = "Projections to adapt, of q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj"
                    + " (default: q_proj,k_proj,v_proj,o_proj)")
    List<String> target = List.of("q_proj", "k_proj", "v_proj", "o_proj");

    @Option(names = "--lr", paramLabel = "LR", description = "Peak learning rate (default: ${DEFAULT-VALUE})")
    double lr = 2e-4;

    @Option(names = "--scheduler", paramLabel = "NAME",
            description = "constant, linear or cosine, after a linear warmup (default: ${DEFAULT-VALUE})")
    String scheduler = "linear";

    @Option(names = "--warmup", paramLabel = "N", description = "Warmup steps, or a fraction below 1 of the run"
            + " (default: ${DEFAULT-VALUE})")
    double warmup = 0;

    @Option(names = "--epochs", paramLabel = "N", description = "Passes over the data (default: ${DEFAULT-VALUE})")
    int epochs = 3;

    @Option(names = "--max-steps", paramLabel = "N", description = "Optimizer steps; overrides --epochs when set")
    int maxSteps = 0;

    @Option(names = "--batch-size", paramLabel = "N", description = "Sequences per micro-batch (default: ${DEFAULT-VALUE})")
    int batchSize = 1;

    @Option(names = "--grad-accum", paramLabel = "N",
            description = "Micro-batches per optimizer step (default: ${DEFAULT-VALUE})")
    int gradAccum = 4;

    @Option(names = "--max-seq-len", paramLabel = "N", description = "Longer examples are cut (default: ${DEFAULT-VALUE})")
    int maxSeqLen = 1024;

    @Option(names = "--gradient-checkpointing",
            description = "Keep only each layer's input and recompute the rest in backward (less memory, ~1/3 slower)")
    boolean gradientCheckpointing;

    @Option(names = "--seed", paramLabel = "N", description = "Initialisation, data order and dropout (default: ${DEFAULT-VALUE})")
    long seed = 42;

    @Option(names = "--weight-decay", paramLabel = "W", description = "AdamW weight decay (default: ${DEFAULT-VALUE})")
    double weightDecay = 0.0;

    @Option(names = "--max-grad-norm", paramLabel = "N",
            description = "Clip the global gradient norm; 0 for none (default: ${DEFAULT-VALUE})")
    double maxGradNorm = 1.0;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", description = "Worker threads (default: all cores)")
    int threads = ModelLoader.defaultThreads();

    @Option(names = "--eval-every", paramLabel = "N", description = "Eval loss every N steps (default: at the end)")
    int evalEvery = 0;

    @Option(names = "--save-every", paramLabel = "N",
            description = "Write a checkpoint every N steps; 0 for none (default: ${DEFAULT-VALUE})")
    int saveEvery = 500;

    @Option(names = "--resume", paramLabel = "DIR", description = "Continue from a checkpoint-STEP folder")
    Path resume;

    @Option(names = "--merge-into", paramLabel = "FILE.gguf",
            description = "Also write the base with the adapter merged in, as a GGUF file (Hugging Face folder bases)")
    Path mergeInto;

    @Option(names = "--merge-type", paramLabel = "TYPE",
            description = "Weight type of --merge-into: f32, f16, bf16, q8_0 or q4_0 (default: ${DEFAULT-VALUE})")
    String mergeType = "f16";

    @Override
    public Integer call() {
        boolean qlora = switch (method) {
            case "lora" -> false;
            case "qlora" -> true;
            default -> throw new InvalidRequestException("--method must be lora or qlora, got '" + method + "'", "method");
        };
        FinetuneSettings settings = new FinetuneSettings(new LoraTrainingSpec(rank, alpha, dropout, targets(target)),
                qlora, doubleQuant, lr, LearningRateSchedule.Kind.parse(scheduler.toLowerCase(Locale.ROOT)), warmup,
                epochs, maxSteps, batchSize, gradAccum, maxSeqLen, gradientCheckpointing, seed, weightDecay,
                maxGradNorm, evalEvery, saveEvery);
        GgufFileType mergeFileType = mergeInto == null ? null : TensorTypeRecipe.parse(mergeType);
        if (mergeInto != null && !Files.isDirectory(model)) {
            throw new InvalidRequestException("--merge-into needs a Hugging Face folder base (it is written as"
                    + " `convert --lora` writes); " + model + " is not a folder", "merge-into");
        }
        if (resume != null && !Files.isDirectory(resume)) {
            throw new InvalidRequestException("--resume " + resume + ": no such checkpoint folder", "resume");
        }
        FinetuneRun.Result result;
        long planned;
        FinetuneProgress progress = FinetuneProgress.forConsole();
        try (ModelSource source = ModelSources.open(model)) {
            // All data is read and checked before the weights are loaded.
            TrainingDataReader reader = new TrainingDataReader(
                    new ExampleEncoder(source.chatTemplate(), source.tokenizer()), maxSeqLen);
            TrainingSet train = reader.read(data);
            TrainingSet evalSet = eval == null ? null : reader.read(eval);
            System.err.printf(Locale.ROOT, "data: %d examples, %d tokens%s%s%n", train.size(), train.tokens(),
                    train.truncated() > 0 ? ", " + train.truncated() + " cut to " + maxSeqLen + " tokens" : "",
                    train.dropped() > 0 ? ", " + train.dropped() + " left out (nothing to learn within "
                            + maxSeqLen + " tokens)" : "");
            LlamaConfig config = source.config();
            TrainingMemory plan = FinetuneMemory.plan(ModelShape.of(config, model.getFileName().toString()), config,
                    source.tensors().loadWeights(config), settings.lora(), qlora, doubleQuant,
                    FinetuneRun.maxTokens(train, evalSet), gradientCheckpointing, threads);
            planned = plan.total();
            long heap = FinetuneMemory.heapBytes(plan);
            FinetuneMemory.checkHeap(heap, Runtime.getRuntime().maxMemory());
            System.err.printf(Locale.ROOT, "memory: %s planned (mem --llama3j), of which %s Java heap (max %s)%n",
                    ByteSize.formatBinary(planned), ByteSize.formatBinary(heap),
                    ByteSize.formatBinary(Runtime.getRuntime().maxMemory()));
            AdapterHook hook = qlora ? Nf4Base.hook(doubleQuant) : AdapterHook.NONE;
            try (LlamaModel m = ModelLoader.load(source, threads, 16, hook)) {
                FinetuneRun run = new FinetuneRun(m, settings, train, evalSet, out,
                        model.toString(), progress);
                System.err.printf(Locale.ROOT, "training %s rank %d on %s: %d steps of %d sequences%n",
                        qlora ? "QLoRA" : "LoRA", rank, String.join(",", target), run.totalSteps(),
                        settings.examplesPerStep());
                result = run.run(resume, 0);
            }
        }
        System.err.printf(Locale.ROOT, "wrote %s (last step loss %.4f%s)%n", result.adapter(), result.lastLoss(),
                Double.isNaN(result.evalLoss()) ? "" : String.format(Locale.ROOT, ", eval loss %.4f", result.evalLoss()));
        progress.summary(result, planned, RunMemory.measure());
        if (mergeInto != null) {
            HfToGgufConverter.Result r = HfToGgufConverter.convert(model, mergeInto, mergeFileType,
                    TerminalProgress.forConsole(), result.adapter());
            System.err.println(ConvertCommand.summary(r));
        }
        return 0;
    }

    /** The projections named by {@code --target}. */
    static Set<Projection> targets(List<String> names) {
        EnumSet<Projection> out = EnumSet.noneOf(Projection.class);
        for (String n : names) {
            Projection p = Projection.ofModule(n.trim());
            if (p == null) {
                throw new InvalidRequestException("unknown --target module '" + n + "': expected q_proj, k_proj, v_proj,"
                        + " o_proj, gate_proj, up_proj or down_proj", "target");
            }
            out.add(p);
        }
        return out;
    }
}
