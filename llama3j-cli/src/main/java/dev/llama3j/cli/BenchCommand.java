package dev.llama3j.cli;

import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.Llama;
import dev.llama3j.bench.Benchmark;
import dev.llama3j.bench.KernelSpeed;
import dev.llama3j.convert.SyntheticCheckpoint;
import dev.llama3j.convert.TensorTypeRecipe;
import dev.llama3j.grammar.Grammar;
import dev.llama3j.grammar.GrammarConstraint;
import dev.llama3j.json.Json;
import dev.llama3j.model.KvCacheType;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code llama3j bench}: prompt and generation speed, measured like llama-bench. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure prompt processing (pp) and generation (tg) speed like llama.cpp's llama-bench.")
final class BenchCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model = new ModelOptions();

    @Option(names = {"-p", "--prompt-tokens"}, paramLabel = "N", description = "Prompt length for pp (default 512; 0 skips)")
    int promptTokens = 512;

    @Option(names = {"-n", "--gen-tokens"}, paramLabel = "N", description = "Tokens generated for tg (default 64; 0 skips)")
    int genTokens = 64;

    @Option(names = {"-d", "--depth"}, paramLabel = "D", description = "Cached tokens before tg starts (default 0)")
    int depth;

    @Option(names = {"-r", "--repetitions"}, paramLabel = "R", description = "Runs to average (default 3)")
    int reps = 3;

    @Option(names = {"-b", "--batch-size"}, paramLabel = "N", description = "Tokens per forward pass for pp (default 512)")
    int batch = 512;

    @Option(names = "--json", description = "Print {\"pp_tok_s\", \"tg_tok_s\", \"rss_mb\", …} as one JSON object")
    boolean json;

    @Option(names = {"--parallel", "-npl"}, paramLabel = "N", description = "N sequences at once through the"
            + " engine, like llama-batched-bench: each its own -p prompt, then -n tokens by all together; tg is"
            + " the aggregate")
    int parallel = 0;

    @Option(names = "--json-schema", paramLabel = "FILE", description = "Also time generation with sampling,"
            + " without and with this JSON Schema as a constraint (tg_sampled, tg_json_schema)")
    Path jsonSchema;

    @Option(names = "--kernels", description = "Instead of a model, time each weight layout's matrix-vector"
            + " product on the 1B shapes (GB/s), beside the machine's read bandwidth and the thread hand-off")
    boolean kernels;

    @Option(names = "--write-synthetic", paramLabel = "PATH",
            description = "Instead of measuring, write a random-weight model of --shape and --type to PATH: a GGUF"
                    + " file, or for the quantized Hugging Face types a folder in that published format")
    java.nio.file.Path writeSynthetic;

    @Option(names = "--shape", paramLabel = "SHAPE", description = "With --write-synthetic: 1b (Llama-3.2-1B) or 8b (Llama-3.1-8B)")
    String shape = "1b";

    @Option(names = "--type", paramLabel = "TYPE", description = "With --write-synthetic: q8_0, q4_0, f16, bf16 or f32 (GGUF); awq, gptq, ct-int4,"
            + " ct-fp8 or fbgemm-fp8 (Hugging Face folder)")
    String type = "q8_0";

    @Override
    public Integer call() {
        if (writeSynthetic != null) {
            if (SyntheticCheckpoint.Format.isFormat(type)) {
                SyntheticGgufCommand.writeFolder(writeSynthetic, shape, type, 1, null);
            } else {
                try {
                    TensorTypeRecipe.parse(type);
                } catch (InvalidRequestException e) {
                    throw new InvalidRequestException("unknown --type '" + type + "' for --write-synthetic; expected"
                            + " f32, f16, bf16, q8_0 or q4_0 (a GGUF file) or awq, gptq, ct-int4, ct-fp8 or fbgemm-fp8"
                            + " (a Hugging Face folder)", "type");
                }
                SyntheticGgufCommand.write(writeSynthetic, shape, type, 1, null);
            }
            return 0;
        }
        if (kernels) {
            return runKernels();
        }
        if (promptTokens < 0 || genTokens < 0 || depth < 0 || reps < 1 || batch < 1) {
            throw new InvalidRequestException("--prompt-tokens, --gen-tokens and --depth must be >= 0, "
                    + "--repetitions and --batch-size >= 1");
        }
        Grammar schemaGrammar = jsonSchema == null ? null : GrammarOptions.jsonSchema(jsonSchema); // before the model loads
        if (parallel < 0) {
            throw new InvalidRequestException("--parallel must be at least 1, got " + parallel, "parallel");
        }
        if (parallel > 0) {
            return runParallel();
        }
        long t0 = System.nanoTime();
        KvCacheType cacheType = KvCacheType.parse(model.cacheType);
        try (Llama llama = Llama.load(model.modelPath(), model.options().withMaxBatchTokens(batch).withContextSize(
                Math.max(2, Math.max(promptTokens, depth + genTokens) + 1)))) {
            double loadSeconds = (System.nanoTime() - t0) / 1e9;
            Benchmark.Result r = Benchmark.run(llama.model(), promptTokens, genTokens, depth, reps, cacheType);
            double tgSampled = 0;
            double tgSchema = 0;
            if (schemaGrammar != null && genTokens > 0) {
                tgSampled = Benchmark.sampledGeneration(llama.model(), genTokens, reps, cacheType, null);
                tgSchema = Benchmark.sampledGeneration(llama.model(), genTokens, reps, cacheType,
                        new GrammarConstraint(schemaGrammar, llama.tokenTrie(), llama.eosIds()));
            }
            long[] rss = Benchmark.residentMemory();
            PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
            if (json) {
                Map<String, Object> o = jsonHeader();
                o.put("depth", depth);
                o.put("pp_tok_s", round(r.ppTokS()));
                o.put("pp_std", round(r.ppStd()));
                o.put("tg_tok_s", round(r.tgTokS()));
                o.put("tg_std", round(r.tgStd()));
                if (genTokens > 0) {
                    o.put("tg_sections_per_token", round(r.tgSectionsPerToken()));
                    o.put("tg_alone_pct", round(100 * r.tgAloneShare()));
                    o.put("tg_wait_pct", round(100 * r.tgWaitShare()));
                }
                if (schemaGrammar != null) {
                    o.put("tg_sampled_tok_s", round(tgSampled));
                    o.put("tg_json_schema_tok_s", round(tgSchema));
                }
                o.put("rss_mb", round(rss[0] / 1e6));
                o.put("peak_rss_mb", round(rss[1] / 1e6));
                o.put("weights_mb", round(llama.model().weights().bytes() / 1e6));
                o.put("load_s", round(loadSeconds));
                out.println(Json.write(o, -1, false));
            } else {
                out.printf("model %s, %d threads, %s cache, loaded in %.2f s%n", model.modelPath().getFileName(),
                        model.threads, cacheType.name().toLowerCase(), loadSeconds);
                if (promptTokens > 0) {
                    out.printf("pp%-6d %10.2f ± %.2f tok/s%n", promptTokens, r.ppTokS(), r.ppStd());
                }
                if (genTokens > 0) {
                    out.printf("tg%-6d %10.2f ± %.2f tok/s%s%n", genTokens, r.tgTokS(), r.tgStd(),
                            depth > 0 ? " @ depth " + depth : "");
                    if (llama.model().pool().threads() > 1) {
                        out.printf("  threads: %.0f parallel sections a token; the caller alone between them"
                                + " %.1f%% of the time (the workers wait), waiting for the workers at their"
                                + " ends %.1f%%%n", r.tgSectionsPerToken(), 100 * r.tgAloneShare(),
                                100 * r.tgWaitShare());
                    }
                }
                if (schemaGrammar != null && genTokens > 0) {
                    out.printf("tg%-6d %10.2f tok/s sampled, %.2f tok/s under %s (%.1f%% slower)%n", genTokens, tgSampled,
                            tgSchema, jsonSchema.getFileName(), 100 * (1 - tgSchema / tgSampled));
                }
                out.printf("rss %.0f MB (peak %.0f MB), weights %.0f MB%n", rss[0] / 1e6, rss[1] / 1e6,
                        llama.model().weights().bytes() / 1e6);
            }
            return 0;
        }
    }

    /** {@code --parallel N}: the engine with N slots, aggregate speeds (see {@link Benchmark#parallel}). */
    private int runParallel() {
        if (genTokens < 1) {
            throw new InvalidRequestException("--parallel needs --gen-tokens of at least 1", "gen-tokens");
        }
        try (Llama llama = Llama.load(model.modelPath(), model.options().withParallel(parallel)
                .withMaxBatchTokens(Math.max(batch, parallel)).withContextSize(promptTokens + genTokens + 2))) {
            Benchmark.ParallelResult r = Benchmark.parallel(llama.engine(), llama.model().config().vocabSize(),
                    parallel, promptTokens, genTokens, reps);
            PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
            if (json) {
                Map<String, Object> o = jsonHeader();
                o.put("parallel", parallel);
                o.put("pp_tok_s", round(r.ppTokS()));
                o.put("tg_tok_s", round(r.tgTokS()));
                out.println(Json.write(o, -1, false));
            } else {
                out.printf("model %s, %d threads, %d sequences at once (best of %d)%n", model.modelPath().getFileName(),
                        model.threads, parallel, reps);
                out.printf("pp%-6d %10.2f tok/s aggregate%n", promptTokens, r.ppTokS());
                out.printf("tg%-6d %10.2f tok/s aggregate%n", genTokens, r.tgTokS());
            }
            return 0;
        }
    }

    /** {@code --kernels}: {@link KernelSpeed} with {@code -t} threads and {@code -r} rounds. */
    private int runKernels() {
        if (reps < 1 || model.threads < 1) {
            throw new InvalidRequestException("--kernels needs --repetitions and --threads of at least 1");
        }
        KernelSpeed.Report r = KernelSpeed.run(model.threads, reps, KernelSpeed.SHAPES_1B, 1);
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        if (!json) {
            KernelSpeed.print(r, out);
            return 0;
        }
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("threads", r.threads());
        o.put("read_gb_s", round(r.readGbPerSecond()));
        o.put("read_probe_mb", r.probeBytes() >> 20);
        o.put("last_level_cache_mb", r.cacheBytes() >> 20);
        o.put("hand_off_us", round(r.handOffMicros()));
        List<Object> rows = new ArrayList<>();
        for (KernelSpeed.Kernel k : r.kernels()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("layout", k.layout());
            row.put("rows", k.rows());
            row.put("cols", k.cols());
            row.put("bits_per_weight", round(k.bitsPerWeight()));
            row.put("matvec_us", round(k.bestMicros()));
            row.put("matvec_median_us", round(k.medianMicros()));
            row.put("gb_s", round(k.gbPerSecond()));
            row.put("prompt_gflop_s", round(k.promptGflops()));
            rows.add(row);
        }
        o.put("kernels", rows);
        List<Object> work = new ArrayList<>();
        for (KernelSpeed.WorkProbe w : r.workProbes()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("xors_per_64_bytes", w.xorsPer64Bytes());
            row.put("memory_gb_s", round(w.memoryGbPerSecond()));
            row.put("l2_gb_s", round(w.cacheGbPerSecond()));
            row.put("two_streams_gb_s", round(w.twoStreamsGbPerSecond()));
            work.add(row);
        }
        o.put("read_with_work", work);
        out.println(Json.write(o, -1, false));
        return 0;
    }

    /** What every {@code --json} answer starts with: the file, the threads and the token counts. */
    private Map<String, Object> jsonHeader() {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("model", model.modelPath().getFileName().toString());
        o.put("threads", model.threads);
        o.put("pp_tokens", promptTokens);
        o.put("tg_tokens", genTokens);
        return o;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
