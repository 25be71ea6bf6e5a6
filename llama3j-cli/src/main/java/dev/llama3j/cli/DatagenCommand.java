package dev.llama3j.cli;

import dev.llama3j.LlamaOptions;
import dev.llama3j.datagen.ChatBackend;
import dev.llama3j.datagen.DatagenPipeline;
import dev.llama3j.datagen.DatagenRow;
import dev.llama3j.datagen.JsonLinesRowWriter;
import dev.llama3j.datagen.ResumableRowWriter;
import dev.llama3j.datagen.ParquetRowWriter;
import dev.llama3j.datagen.ModelPool;
import dev.llama3j.datagen.ModelSpec;
import dev.llama3j.datagen.PromptLoader;
import dev.llama3j.datagen.PromptRow;
import dev.llama3j.datagen.UltraFeedback;
import dev.llama3j.datagen.UltraFeedbackAspect;
import dev.llama3j.engine.EngineOptions;
import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.model.KvCacheType;
import dev.llama3j.model.ModelLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code llama3j datagen}: synthetic preference data. Every generator answers every prompt, an
 * UltraFeedback judge rates the answers, and each row (with its DPO chosen/rejected pair) is appended
 * to the output as soon as it and all rows before it are done. Started again with the same
 * arguments, it skips the rows the output already holds.
 */
@Command(name = "datagen", mixinStandardHelpOptions = true,
        description = {"Generate a preference data set: generators answer each prompt, an UltraFeedback judge rates"
                + " the answers, rows go to JSON lines or Parquet with DPO chosen/rejected pairs. Resumable: run"
                + " the same command again after an interruption.",
                "SPEC: PATH[+ADAPTER][@OPTIONS] (a model folder or GGUF file) or URL#MODEL[@OPTIONS] (an"
                        + " OpenAI-compatible endpoint, e.g. http://host:8080/v1#llama-3.1-405b); OPTIONS:"
                        + " temperature=,top_p=,top_k=,min_p=,seed=,max_tokens=,repetition_penalty=,"
                        + "frequency_penalty=,presence_penalty= separated by commas (default greedy, max_tokens=512)."})
final class DatagenCommand implements Callable<Integer> {
    @Option(names = "--prompts", required = true, paramLabel = "FILE",
            description = "Prompts as JSON lines (one object per line) or a .parquet file")
    Path prompts;

    @Option(names = "--column", paramLabel = "NAME", description = "The prompts' field (Parquet: top-level string column) with the instruction (default instruction)")
    String column = PromptLoader.DEFAULT_COLUMN;

    @Option(names = "--generator", required = true, paramLabel = "SPEC",
            description = "A model that answers each prompt (repeat: two or more for preference pairs)")
    List<String> generators = new ArrayList<>();

    @Option(names = "--judge", required = true, paramLabel = "SPEC", description = "The UltraFeedback judge")
    String judge;

    @Option(names = "--aspect", paramLabel = "ASPECT",
            description = "What the judge rates: overall-rating (default), instruction-following, helpfulness,"
                    + " honesty or truthfulness")
    String aspect = UltraFeedbackAspect.OVERALL_RATING.wireName();

    @Option(names = "--out", required = true, paramLabel = "FILE",
            description = "Output JSON lines, or Parquet when FILE ends in .parquet (written at the end from the"
                    + " journal FILE.partial.jsonl); rows already there are kept and skipped")
    Path out;

    @Option(names = "--batch", paramLabel = "N", description = "Rows in flight at once (default 16)")
    int batch = 16;

    @Option(names = "--parallel", paramLabel = "N",
            description = "Sequences each local model decodes together (default 8)")
    int parallel = 8;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", description = "Worker threads (default: all cores)")
    int threads = ModelLoader.defaultThreads();

    @Option(names = {"-c", "--ctx-size"}, paramLabel = "N",
            description = "Context size per sequence (default: the model's, at most 4096)")
    int contextSize;

    @Option(names = "--cache-type", paramLabel = "TYPE", description = "KV cache storage: f16 (default) or f32")
    String cacheType = "f16";

    @Override
    public Integer call() {
        if (batch < 1) {
            throw new InvalidRequestException("--batch must be at least 1, got " + batch, "batch");
        }
        long requests = (long) batch * (generators.size() + 1);
        if (requests > (long) parallel * (EngineOptions.QUEUED_PER_SLOT + 1)) {
            throw new InvalidRequestException("--batch " + batch + " puts up to " + requests + " requests in flight, more"
                    + " than an engine with --parallel " + parallel + " queues (" + parallel
                    * (EngineOptions.QUEUED_PER_SLOT + 1) + "); raise --parallel or lower --batch", "batch");
        }
        // Everything that can be wrong in the arguments fails before a model loads.
        UltraFeedbackAspect rated = UltraFeedbackAspect.parse(aspect);
        UltraFeedback task = new UltraFeedback(rated);
        List<ModelSpec> generatorSpecs = new ArrayList<>();
        Map<ModelSpec, String> specs = new LinkedHashMap<>();
        for (String g : generators) {
            ModelSpec s = ModelSpec.parse(g, "--generator");
            generatorSpecs.add(s);
            specs.putIfAbsent(s, "--generator");
        }
        ModelSpec judgeSpec = ModelSpec.parse(judge, "--judge");
        specs.putIfAbsent(judgeSpec, "--judge");
        LlamaOptions options = LlamaOptions.defaults().withThreads(threads).withContextSize(contextSize)
                .withParallel(parallel).withCacheType(KvCacheType.parse(cacheType));
        List<PromptRow> rows = PromptLoader.read(prompts, column);
        try (ResumableRowWriter writer = out.getFileName().toString().endsWith(".parquet")
                ? ParquetRowWriter.open(out, rated) : JsonLinesRowWriter.open(out)) {
            writer.checkDone(rows);
            int done = (int) writer.done();
            List<PromptRow> todo = rows.subList(done, rows.size());
            if (todo.isEmpty()) {
                writer.finish();
                System.err.printf("%s already holds all %d rows%n", out, rows.size());
                return 0;
            }
            if (done > 0) {
                System.err.printf("%s holds %d of %d rows; resuming at row %d%n", out, done, rows.size(), done);
            }
            try (ModelPool pool = ModelPool.open(specs, options)) {
                List<ChatBackend> gens = generatorSpecs.stream().map(pool::backend).toList();
                int[] counts = new int[3]; // rows, pairs, errors
                long start = System.nanoTime();
                new DatagenPipeline(gens, pool.backend(judgeSpec), task, batch, DatagenProgressBar.forConsole())
                        .run(todo, row -> {
                            writer.write(row);
                            count(row, counts);
                        });
                writer.finish();
                double minutes = (System.nanoTime() - start) / 6e10;
                System.err.printf(java.util.Locale.ROOT, "%d rows to %s (%d with a chosen/rejected pair, %d with an"
                        + " error) in %.1f s: %.1f rows/min%n", counts[0], out, counts[1], counts[2], minutes * 60,
                        counts[0] / minutes);
            }
        }
        return 0;
    }

    private static void count(DatagenRow row, int[] counts) {
        counts[0]++;
        if (row.preference() != null && row.preference().hasPair()) {
            counts[1]++;
        }
        if (row.error() != null) {
            counts[2]++;
        }
    }
}
