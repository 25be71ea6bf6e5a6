package dev.llama3j.cli;

import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.error.ModelFormatException;
import dev.llama3j.json.Json;
import dev.llama3j.mem.BlogTables;
import dev.llama3j.mem.ByteSize;
import dev.llama3j.mem.CacheType;
import dev.llama3j.mem.InferenceMemory;
import dev.llama3j.mem.KnownModels;
import dev.llama3j.mem.MemoryPlan;
import dev.llama3j.mem.ModelShape;
import dev.llama3j.mem.StoredModel;
import dev.llama3j.mem.TokenCount;
import dev.llama3j.mem.TrainingMemory;
import dev.llama3j.mem.TrainingMethod;
import dev.llama3j.mem.TrainingSettings;
import dev.llama3j.mem.WeightFormat;
import dev.llama3j.model.LlamaConfig;
import dev.llama3j.model.ModelLoader;
import dev.llama3j.model.ModelSource;
import dev.llama3j.model.ModelSources;
import dev.llama3j.train.FinetuneMemory;
import dev.llama3j.train.LoraTrainingSpec;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code llama3j mem}: how much memory a model needs to run or to fine-tune. */
@Command(name = "mem", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "How much memory a Llama model needs to run or to fine-tune.",
            "",
            "Inference: weights, KV cache, working buffers and the total for each context; whether it fits a"
                    + " device and the longest context that does. With --training: weights, gradients, optimizer"
                    + " states, LoRA adapters, NF4 base and activations.",
            "Token counts: k = 1,000 and Ki = 1,024 (16k = 16,000, 16Ki = 16,384, max = the model's maximum).",
            "Sizes print in GB (10^9 bytes) and GiB (2^30 bytes)."})
final class MemCommand implements Callable<Integer> {
    /** The blog's columns (1,024 / 16,000 / 128,000 tokens) and the model's own maximum. */
    static final List<String> DEFAULT_CONTEXTS = List.of("1024", "16k", "128k", "max");

    @Option(names = {"-m", "--model"}, paramLabel = "8b|70b|405b|PATH",
            description = "A built-in Llama 3.1 shape (8b, 70b, 405b, 405b-mp16), a Hugging Face model folder or a"
                    + " GGUF file (default: 8b)")
    String model = "8b";

    @Option(names = {"-c", "--context"}, paramLabel = "TOKENS", split = ",",
            description = "Context sizes to plan, comma-separated (default: 1024,16k,128k,max)")
    List<String> contexts;

    @Option(names = "--batch", paramLabel = "N",
            description = "Sequences held at once, each with its own full-context KV cache (default: 1)")
    Integer batch;

    @Option(names = "--batch-tokens", paramLabel = "N",
            description = "Tokens per forward pass, for the working buffers (default: 256, or --batch if larger)")
    Integer batchTokens;

    @Option(names = "--weights", paramLabel = "FORMAT",
            description = "Weight format for the totals: bf16 (= fp16), fp8, int4, q8_0, q4_0, q4_k_m, f32"
                    + " (default: bf16 for presets, the stored bytes for a folder)")
    String weights;

    @Option(names = "--cache", paramLabel = "TYPE",
            description = "KV cache type: f16, bf16, q8_0, q4_0, f32 (default: f16 for presets; for a folder"
                    + " the type llama3j's engine uses, f32 today)")
    String cache;

    @Option(names = "--device-memory", paramLabel = "SIZE",
            description = "Memory to fit in, e.g. 80GiB, 24GB, 8x80GiB: says whether each plan fits and the"
                    + " longest context that does")
    String deviceMemory;

    @Option(names = "--training", paramLabel = "METHOD", split = ",",
            description = "Fine-tuning instead of inference: full, lora, qlora (comma-separated for several)")
    List<String> training;

    @Option(names = "--seq-len", paramLabel = "TOKENS",
            description = "Training: tokens per sequence, e.g. 1024, 4Ki, 8k (default: 1024)")
    String seqLen;

    @Option(names = "--micro-batch", paramLabel = "N", description = "Training: sequences per step (default: 1)")
    Integer microBatch;

    @Option(names = "--grad-checkpointing", description = "Training: keep only each layer's input, recompute the rest")
    boolean gradCheckpointing;

    @Option(names = "--lora-rank", paramLabel = "R", description = "Training: LoRA rank (default: 16)")
    Integer loraRank;

    @Option(names = "--no-double-quant", description = "QLoRA: fp32 NF4 scales instead of double-quantized ones")
    boolean noDoubleQuant;

    @Option(names = "--llama3j", description = {"Training: plan llama3j's own finetune run on this model file or"
            + " folder (the base as llama3j holds it, fp32 activations in the Java heap, the JVM) instead of a"
            + " bf16 GPU run; takes finetune's settings: --seq-len (its longest sequence), --lora-rank, --target,"
            + " --grad-checkpointing, --double-quant, --threads"})
    boolean llama3j;

    @Option(names = "--target", paramLabel = "MODULES", split = ",",
            description = "With --llama3j: the adapted projections, as finetune --target (default: q_proj,k_proj,"
                    + "v_proj,o_proj)")
    List<String> target;

    @Option(names = "--double-quant", description = "With --llama3j and qlora: 8-bit NF4 scales, as finetune"
            + " --double-quant (default there: fp32 scales)")
    boolean doubleQuant;

    @Option(names = {"-t", "--threads"}, paramLabel = "N",
            description = "With --llama3j: finetune's worker threads (default: all cores)")
    Integer threads;

    @Option(names = "--blog", description = "Compare with the Llama 3.1 launch blog's memory tables")
    boolean blog;

    @Option(names = "--json", description = "Print one JSON object instead of tables")
    boolean json;

    /** The model being planned: a preset shape, or a folder's shape and its stored tensors. */
    private record Subject(ModelShape shape, StoredModel stored) {}

    @Override
    public Integer call() {
        checkOptions();
        Subject subject = resolve(model);
        Long device = deviceMemory == null ? null : ByteSize.parse(deviceMemory, "--device-memory");
        Map<String, Object> o = new LinkedHashMap<>();
        StringBuilder text = new StringBuilder();
        describe(subject, o, text);
        if (training != null) {
            training(subject, device, o, text);
        } else {
            inference(subject, device, o, text);
        }
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        out.print(json ? Json.write(o, 2, false) + "\n" : text);
        out.flush();
        return 0;
    }

    private void checkOptions() {
        String[] llama3jOnly = {target != null ? "--target" : null, doubleQuant ? "--double-quant" : null,
            threads != null ? "--threads" : null};
        for (String opt : llama3jOnly) {
            if (opt != null && !llama3j) {
                throw new InvalidRequestException(opt + " applies to --training lora|qlora --llama3j", opt);
            }
        }
        if (llama3j) {
            if (training == null) {
                throw new InvalidRequestException("--llama3j plans a finetune run: add --training lora or qlora",
                        "llama3j");
            }
            reject(microBatch != null, "--micro-batch", "llama3j's finetune runs a step's sequences one at a time");
            reject(noDoubleQuant, "--no-double-quant", "with --llama3j the scales are fp32 unless --double-quant");
            if (threads != null && threads < 1) {
                throw new InvalidRequestException("--threads must be at least 1, got " + threads, "threads");
            }
        }
        if (training != null) {
            reject(contexts != null, "--context", "with --training use --seq-len");
            reject(batch != null, "--batch", "with --training use --micro-batch");
            reject(batchTokens != null, "--batch-tokens", "it applies to inference");
            reject(weights != null, "--weights", "--training sets the base format (bf16, or NF4 for qlora)");
            reject(cache != null, "--cache", "training keeps no KV cache");
        } else {
            String[] trainingOnly = {seqLen != null ? "--seq-len" : null, microBatch != null ? "--micro-batch" : null,
                gradCheckpointing ? "--grad-checkpointing" : null, loraRank != null ? "--lora-rank" : null,
                noDoubleQuant ? "--no-double-quant" : null};
            for (String opt : trainingOnly) {
                if (opt != null) {
                    throw new InvalidRequestException(opt + " applies to --training full|lora|qlora", opt);
                }
            }
        }
        if (batch != null && batch < 1) {
            throw new InvalidRequestException("--batch must be at least 1, got " + batch, "batch");
        }
        if (batchTokens != null && batchTokens < 1) {
            throw new InvalidRequestException("--batch-tokens must be at least 1, got " + batchTokens, "batch-tokens");
        }
    }

    private static void reject(boolean given, String option, String why) {
        if (given) {
            throw new InvalidRequestException(option + " does not apply to --training: " + why, option);
        }
    }

    /** A preset name, or a path to a model folder. */
    private static Subject resolve(String name) {
        var preset = KnownModels.find(name);
        if (preset.isPresent()) {
            return new Subject(preset.get(), null);
        }
        Path path = Path.of(name);
        if (!Files.exists(path)) {
            throw new ModelFormatException("--model: '" + name + "' is neither a built-in model ("
                    + KnownModels.names() + ") nor an existing file or folder");
        }
        StoredModel stored = StoredModel.read(path);
        return new Subject(stored.shape(), stored);
    }

    private static void describe(Subject s, Map<String, Object> o, StringBuilder text) {
        ModelShape m = s.shape();
        Map<String, Object> mo = new LinkedHashMap<>();
        mo.put("name", m.name());
        mo.put("source", s.stored() == null ? "preset" : s.stored().format());
        if (s.stored() != null) {
            mo.put("path", s.stored().path().toString());
        }
        mo.put("layers", m.layers());
        mo.put("hidden", m.hidden());
        mo.put("ffn", m.ffn());
        mo.put("heads", m.heads());
        mo.put("kv_heads", m.kvHeads());
        mo.put("head_dim", m.headDim());
        mo.put("vocab", m.vocab());
        mo.put("tied_embeddings", m.tied());
        mo.put("max_positions", m.maxPositions());
        mo.put("parameters", m.parameters());
        o.put("model", mo);
        text.append(m.name()).append(s.stored() == null ? ": built-in shape (Meta's config.json)"
                : ": " + s.stored().path()).append('\n');
        text.append("  ").append(m.describe()).append('\n');
        text.append(String.format(Locale.ROOT, "  %,d parameters (%s)%n%n", m.parameters(),
                ModelShape.shortCount(m.parameters())));
    }

    // ---- inference ----

    private void inference(Subject s, Long device, Map<String, Object> o, StringBuilder text) {
        ModelShape m = s.shape();
        StoredModel stored = s.stored();
        WeightFormat format = weights == null ? (stored == null ? WeightFormat.BF16 : null) : WeightFormat.parse(weights);
        CacheType cacheType = cache != null ? CacheType.parse(cache) : stored == null ? CacheType.F16 : CacheType.ENGINE;
        int parallel = batch == null ? 1 : batch;
        int tokensPerPass = batchTokens != null ? batchTokens : Math.max(MemoryPlan.DEFAULT_BATCH_TOKENS, parallel);
        BlogTables.Row blogRow = blog ? BlogTables.forModel(m).orElse(null) : null;
        long weightBytes = format != null ? format.bytes(m) : stored.weightBytes();
        String weightLabel = format != null ? format.id() : "as stored";

        // Weights, by format.
        List<String> header = new ArrayList<>(List.of("weights", "bytes/param", "bytes", "GB", "GiB"));
        if (blogRow != null) {
            header.add("blog GB");
        }
        TextTable wt = new TextTable(header.toArray(String[]::new));
        List<Object> wj = new ArrayList<>();
        if (stored != null) {
            addWeightRow(wt, wj, "as stored (" + stored.describeTypes() + ")", "stored", stored.weightBytes(),
                    m.parameters(), format == null, null);
        }
        for (WeightFormat f : WeightFormat.values()) {
            if (f == WeightFormat.F32 && format != WeightFormat.F32) {
                continue;
            }
            double b = blogRow == null ? -1 : BlogTables.weightsGb(blogRow, f);
            addWeightRow(wt, wj, f.id(), f.id(), f.bytes(m), m.parameters(), f == format,
                    blogRow == null ? null : b < 0 ? "" : fmtBlog(b));
        }
        o.put("weights", wj);
        text.append(wt.render(""));
        text.append("  * used for the totals below\n\n");

        // KV cache and totals, by context.
        List<Integer> ctxs = new ArrayList<>();
        for (String c : contexts == null ? DEFAULT_CONTEXTS : contexts) {
            ctxs.add(TokenCount.parse(c, m.maxPositions(), "--context"));
        }
        long buffers = InferenceMemory.of(m, weightBytes, 1, parallel, cacheType, tokensPerPass).buffers();
        header = new ArrayList<>(List.of("tokens", "KV GB", "KV GiB", "total GB", "total GiB"));
        if (blogRow != null) {
            header.add("blog KV");
        }
        if (device != null) {
            header.add("fits " + deviceMemory.strip());
        }
        header.add("");
        TextTable ct = new TextTable(header.toArray(String[]::new)).numbersOnly();
        List<Object> cj = new ArrayList<>();
        for (int ctx : ctxs) {
            InferenceMemory plan = InferenceMemory.of(m, weightBytes, ctx, parallel, cacheType, tokensPerPass);
            List<String> row = new ArrayList<>(List.of(TokenCount.format(ctx), num3(ByteSize.gb(plan.kvCache())),
                    num3(ByteSize.gib(plan.kvCache())), num(ByteSize.gb(plan.total())), num(ByteSize.gib(plan.total()))));
            if (blogRow != null) {
                double b = parallel == 1 && cacheType == CacheType.F16 ? BlogTables.kvGb(blogRow, ctx) : -1;
                row.add(b < 0 ? "" : fmtBlog(b));
            }
            Map<String, Object> cjo = new LinkedHashMap<>();
            cjo.put("tokens", ctx);
            cjo.put("kv_cache_bytes", plan.kvCache());
            cjo.put("total_bytes", plan.total());
            if (device != null) {
                boolean fits = plan.total() <= device;
                row.add(fits ? "yes" : "no");
                cjo.put("fits", fits);
            }
            row.add(ctx == m.maxPositions() ? "(max)" : ctx > m.maxPositions() ? "(beyond the model's maximum)" : "");
            ct.row(row.toArray(String[]::new));
            cj.add(cjo);
        }
        long perToken = InferenceMemory.kvBytesPerToken(m, cacheType);
        text.append(String.format(Locale.ROOT, "By context: %s weights, %s KV cache, %d sequence%s%n", weightLabel,
                cacheType.id(), parallel, parallel == 1 ? "" : "s (each with its own cache)"));
        text.append(ct.render("  "));
        text.append(String.format(Locale.ROOT, "  KV cache: %s per token per sequence (2 × %d layers × %d KV heads"
                + " × %d × %s bytes)%n", ByteSize.formatBinary(perToken), m.layers(), m.kvHeads(), m.headDim(),
                trim(cacheType.bytesPerValue())));
        text.append(String.format(Locale.ROOT, "  totals include %s of working buffers (llama3j's engine:"
                + " activations for %d-token batches, logits, fp32 norms)%n", ByteSize.format(buffers), tokensPerPass));

        Map<String, Object> io = new LinkedHashMap<>();
        io.put("weights_format", format == null ? "stored" : format.id());
        io.put("weights_bytes", weightBytes);
        io.put("cache_type", cacheType.id());
        io.put("kv_bytes_per_token", perToken);
        io.put("parallel", parallel);
        io.put("batch_tokens", tokensPerPass);
        io.put("buffers_bytes", buffers);
        io.put("contexts", cj);
        if (device != null) {
            long fit = MemoryPlan.tokensThatFit(m, weightBytes, device, parallel, cacheType, tokensPerPass);
            int maxCtx = MemoryPlan.maxContextThatFits(m, weightBytes, device, parallel, cacheType, tokensPerPass);
            io.put("device_bytes", device);
            io.put("max_context", maxCtx);
            io.put("tokens_that_fit", fit);
            text.append(String.format(Locale.ROOT, "%nOn %s = %s GB = %s GiB: ", deviceMemory.strip(),
                    num(ByteSize.gb(device)), num(ByteSize.gib(device))));
            if (maxCtx == 0) {
                text.append(String.format(Locale.ROOT, "does not fit; weights and buffers alone take %s%n",
                        ByteSize.format(weightBytes + buffers)));
            } else if (maxCtx == m.maxPositions()) {
                text.append(String.format(Locale.ROOT, "fits the model's maximum context, %s tokens%s (room for"
                        + " %s)%n", TokenCount.format(maxCtx), parallel == 1 ? "" : " × " + parallel,
                        TokenCount.format(fit)));
            } else {
                text.append(String.format(Locale.ROOT, "the longest context that fits is %s tokens%s%n",
                        TokenCount.format(maxCtx), parallel == 1 ? "" : " per sequence × " + parallel));
            }
        }
        o.put("inference", io);
        notes(BlogTables.inferenceNotes(m), blogRow != null, m, o, text);
    }

    private static void addWeightRow(TextTable t, List<Object> j, String label, String key, long bytes, long params,
            boolean used, String blogCell) {
        List<String> row = new ArrayList<>(List.of(label + (used ? " *" : ""),
                String.format(Locale.ROOT, "%.4f", bytes / (double) params), String.format(Locale.ROOT, "%,d", bytes),
                num(ByteSize.gb(bytes)), num(ByteSize.gib(bytes))));
        if (blogCell != null) {
            row.add(blogCell);
        }
        t.row(row.toArray(String[]::new));
        Map<String, Object> w = new LinkedHashMap<>();
        w.put("format", key);
        w.put("bytes", bytes);
        w.put("used", used);
        j.add(w);
    }

    // ---- training ----

    private void training(Subject s, Long device, Map<String, Object> o, StringBuilder text) {
        ModelShape m = s.shape();
        BlogTables.Row blogRow = blog ? BlogTables.forModel(m).orElse(null) : null;
        List<Object> tj = new ArrayList<>();
        TextTable summary = device == null ? new TextTable("method", "total GB", "total GiB")
                : new TextTable("method", "total GB", "total GiB", "fits " + deviceMemory.strip());
        for (String name : training) {
            TrainingMethod method = TrainingMethod.parse(name);
            TrainingSettings d = TrainingSettings.defaults(method);
            TrainingSettings t = new TrainingSettings(method,
                    seqLen != null ? TokenCount.parse(seqLen, m.maxPositions(), "--seq-len") : d.seqLen(),
                    microBatch != null ? microBatch : d.microBatch(), gradCheckpointing,
                    loraRank != null ? loraRank : d.loraRank(), !noDoubleQuant);
            if (llama3j) {
                t = t.withDoubleQuant(doubleQuant);
            }
            TrainingMemory plan = plan(s, t);
            text.append(String.format(Locale.ROOT, "%s%s: %d × %s tokens, %s%n", method.title()
                    + (llama3j ? " with llama3j finetune" : ""), method.usesLora() ? " (r=" + t.loraRank() + " on "
                    + (llama3j ? String.join(", ", targetNames()) : "q, k, v, o, gate, up, down") + ")" : "",
                    t.microBatch(), TokenCount.format(t.seqLen()),
                    t.gradientCheckpointing() ? "gradient checkpointing" : "no gradient checkpointing"));
            TextTable table = new TextTable("", "values", "bytes each", "GB", "GiB");
            List<Object> items = new ArrayList<>();
            for (TrainingMemory.Item i : plan.items()) {
                table.row(i.label(), i.count() == 0 ? "" : String.format(Locale.ROOT, "%,d", i.count()), i.each(),
                        num(ByteSize.gb(i.bytes())), num(ByteSize.gib(i.bytes())));
                Map<String, Object> io = new LinkedHashMap<>();
                io.put("key", i.key());
                io.put("label", i.label());
                io.put("count", i.count());
                io.put("bytes", i.bytes());
                io.put("estimate", i.estimate());
                items.add(io);
            }
            table.row("total", "", "", num(ByteSize.gb(plan.total())), num(ByteSize.gib(plan.total())));
            text.append(table.render("  "));

            TrainingMemory other = plan(s, t.withGradientCheckpointing(!t.gradientCheckpointing()));
            text.append(String.format(Locale.ROOT, "  %s gradient checkpointing: activations %s, total %s%n",
                    t.gradientCheckpointing() ? "without" : "with", ByteSize.format(other.item("activations").bytes()),
                    ByteSize.format(other.total())));
            Map<String, Object> mo = new LinkedHashMap<>();
            mo.put("method", method.id());
            mo.put("seq_len", t.seqLen());
            mo.put("micro_batch", t.microBatch());
            mo.put("gradient_checkpointing", t.gradientCheckpointing());
            if (method.usesLora()) {
                mo.put("lora_rank", t.loraRank());
                mo.put("lora_parameters", llama3j ? plan.item("adapter").count()
                        : TrainingMemory.loraParameters(m, t.loraRank()));
            }
            if (method == TrainingMethod.QLORA) {
                mo.put("double_quant", t.doubleQuant());
                TrainingMemory dq = plan(s, t.withDoubleQuant(!t.doubleQuant()));
                text.append(String.format(Locale.ROOT, "  %s double quantization: NF4 scales %s, total %s%n",
                        t.doubleQuant() ? "without" : "with", ByteSize.format(dq.item("nf4_scales").bytes()),
                        ByteSize.format(dq.total())));
                mo.put(t.doubleQuant() ? "total_bytes_without_double_quant" : "total_bytes_with_double_quant",
                        dq.total());
            }
            mo.put("items", items);
            mo.put("total_bytes", plan.total());
            if (llama3j) {
                mo.put("engine", "llama3j");
                mo.put("targets", targetNames());
                mo.put("threads", threadCount());
                mo.put("heap_bytes", FinetuneMemory.heapBytes(plan));
                text.append(String.format(Locale.ROOT, "  of which Java heap %s (finetune checks the JVM's maximum"
                        + " heap against it)%n", ByteSize.format(FinetuneMemory.heapBytes(plan))));
            }
            mo.put(t.gradientCheckpointing() ? "total_bytes_without_checkpointing" : "total_bytes_with_checkpointing",
                    other.total());
            if (blogRow != null) {
                double b = blogRow.trainingGb()[method.ordinal()];
                text.append(String.format(Locale.ROOT, "  the blog says %s GB%n", fmtBlog(b)));
                mo.put("blog_gb", b);
            }
            List<String> row = new ArrayList<>(List.of(method.id(), num(ByteSize.gb(plan.total())),
                    num(ByteSize.gib(plan.total()))));
            if (device != null) {
                boolean fits = plan.total() <= device;
                mo.put("fits", fits);
                row.add(fits ? "yes" : "no");
                text.append(String.format(Locale.ROOT, "  %s %s%n", fits ? "fits" : "does not fit",
                        deviceMemory.strip()));
            }
            summary.row(row.toArray(String[]::new));
            tj.add(mo);
            text.append('\n');
        }
        if (training.size() > 1) {
            text.append(summary.render(""));
        }
        text.append(llama3j
                ? "  llama3j's arithmetic: the arrays its trainer allocates, the base as mapped or packed (NF4 for qlora),"
                        + " a measured constant for the JVM; compare with finetune's closing line (peak resident memory)\n"
                : "  activations are estimates (bf16 tensors kept for the backward pass, fused attention);"
                        + " not counted: CUDA context, kernel workspace, allocator slack\n");
        if (device != null) {
            o.put("device_bytes", device);
        }
        o.put("training", tj);
        notes(BlogTables.trainingNotes(m), blogRow != null, m, o, text);
    }

    /** The plan: llama3j's own run on the model file with --llama3j, else a bf16 GPU run of the shape. */
    private TrainingMemory plan(Subject s, TrainingSettings t) {
        if (!llama3j) {
            return TrainingMemory.of(s.shape(), t);
        }
        if (t.method() == TrainingMethod.FULL) {
            throw new InvalidRequestException("--llama3j plans llama3j's finetune, which trains lora or qlora, not full",
                    "training");
        }
        if (s.stored() == null) {
            throw new InvalidRequestException("--llama3j needs the model itself (a Hugging Face folder or GGUF file),"
                    + " not the built-in shape '" + model + "'", "model");
        }
        try (ModelSource source = ModelSources.open(s.stored().path())) {
            LlamaConfig config = source.config();
            LoraTrainingSpec spec = new LoraTrainingSpec(t.loraRank(), 2f * t.loraRank(), 0.05f,
                    FinetuneCommand.targets(targetNames()));
            return FinetuneMemory.plan(s.shape(), config, source.tensors().loadWeights(config), spec,
                    t.method() == TrainingMethod.QLORA, t.doubleQuant(), t.seqLen(), t.gradientCheckpointing(),
                    threadCount());
        }
    }

    private List<String> targetNames() {
        return target != null ? target : List.of("q_proj", "k_proj", "v_proj", "o_proj");
    }

    private int threadCount() {
        return threads != null ? threads : ModelLoader.defaultThreads();
    }

    // ---- shared ----

    /** The blog comparison with --blog; otherwise a pointer to it, and the 405B caveat where it applies. */
    private static void notes(List<String> blogNotes, boolean show, ModelShape m, Map<String, Object> o,
            StringBuilder text) {
        if (show) {
            text.append("\nThe Llama 3.1 blog (").append(BlogTables.URL).append("):\n");
            for (String n : blogNotes) {
                text.append("  - ").append(n).append('\n');
            }
            o.put("blog_notes", blogNotes);
            return;
        }
        if (blogNotes.isEmpty()) {
            return;
        }
        text.append('\n');
        if (m == KnownModels.LLAMA_3_1_405B && o.containsKey("inference")) {
            text.append("note: the launch blog's 405B KV-cache row (0.984 / 15.38 / 123.05) is for 16 KV heads, the"
                    + " launch-time checkpoint (--model 405b-mp16); the released model has 8\n");
        }
        text.append("(--blog compares with the Llama 3.1 launch blog's tables)\n");
    }

    private static String num(double v) {
        return ByteSize.number(v);
    }

    /** KV cache cells keep three decimals, so that 1.953 and 15.625 GiB read as exact. */
    private static String num3(double v) {
        return ByteSize.number(v, 3);
    }

    private static String fmtBlog(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }
}
