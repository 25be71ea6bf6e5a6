package dev.llama3j.spark;

import dev.llama3j.datagen.ModelSpec;
import dev.llama3j.datagen.PromptLoader;
import dev.llama3j.datagen.UltraFeedbackAspect;
import dev.llama3j.engine.EngineOptions;
import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.model.KvCacheType;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * The job's arguments: those of {@code llama3j datagen} ({@code --prompts}, {@code --generator}
 * repeated, {@code --judge}, {@code --out}, {@code --column}, {@code --aspect}, {@code --batch},
 * {@code --parallel}, {@code --ctx-size} / {@code -c}, {@code --threads} / {@code -t}, {@code --cache-type}), with
 * the command's defaults, and {@code --partitions}. The model specs
 * are checked on the driver ({@link ModelSpec#parse}) and kept as text: each executor parses them
 * again and loads the models from the paths they name, which every executor must see.
 *
 * @param batch rows in flight per partition (each with one request per generator, then the judge's)
 * @param parallel sequences each loaded model generates together (its continuous-batching slots)
 * @param contextSize positions per sequence (0: the model's default)
 * @param threads kernel threads per executor (0: the task's {@code spark.task.cpus})
 * @param cacheType KV cache storage of every local model
 * @param partitions how many partitions the prompts are spread over (0: as read)
 */
record DatagenJobArgs(String prompts, List<String> generators, String judge, String out, String column,
        UltraFeedbackAspect aspect, int batch, int parallel, int contextSize, int threads, KvCacheType cacheType,
        int partitions)
        implements Serializable {

    static final String USAGE = """
            usage: spark-submit --class dev.llama3j.spark.DatagenJob llama3j-spark.jar \\
                     --prompts FILE --generator SPEC --generator SPEC --judge SPEC --out DIR
                     [--column instruction] [--aspect overall-rating] [--batch 16] [--parallel 8]
                     [--ctx-size 0] [--threads 0] [--cache-type f16] [--partitions 0]
            FILE: Parquet (a file or a folder of part files) or JSON lines (*.jsonl, *.ndjson, *.json)
            DIR: the Parquet output folder (must not exist)
            SPEC: PATH[+ADAPTER][@OPTIONS] or URL#MODEL[@OPTIONS], as for llama3j datagen""";

    DatagenJobArgs {
        generators = List.copyOf(generators);
    }

    static DatagenJobArgs parse(String... args) {
        String prompts = null;
        String judge = null;
        String out = null;
        String column = PromptLoader.DEFAULT_COLUMN;
        String aspect = UltraFeedbackAspect.OVERALL_RATING.wireName();
        List<String> generators = new ArrayList<>();
        int batch = 16;
        int parallel = 8;
        int contextSize = 0;
        int threads = 0;
        int partitions = 0;
        String cacheType = "f16";
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (!flag.startsWith("-")) {
                throw new InvalidRequestException("unexpected argument '" + flag + "'\n" + USAGE);
            }
            if (i + 1 >= args.length) {
                throw new InvalidRequestException(flag + " needs a value\n" + USAGE, flag.replaceFirst("^-+", ""));
            }
            String value = args[++i];
            switch (flag) {
                case "--prompts" -> prompts = value;
                case "--generator" -> generators.add(value);
                case "--judge" -> judge = value;
                case "--out" -> out = value;
                case "--column" -> column = value;
                case "--aspect" -> aspect = value;
                case "--batch" -> batch = count(flag, value, 1);
                case "--parallel" -> parallel = count(flag, value, 1);
                case "--ctx-size", "-c" -> contextSize = count(flag, value, 0);
                case "--threads", "-t" -> threads = count(flag, value, 0);
                case "--cache-type" -> cacheType = value;
                case "--partitions" -> partitions = count(flag, value, 0);
                default -> throw new InvalidRequestException("unknown option " + flag + "\n" + USAGE, flag.replaceFirst("^-+", ""));
            }
        }
        require(prompts, "--prompts");
        require(judge, "--judge");
        require(out, "--out");
        if (generators.isEmpty()) {
            throw new InvalidRequestException("--generator is required (once per model that answers)\n" + USAGE,
                    "generator");
        }
        long requests = (long) batch * (generators.size() + 1);
        long queue = (long) parallel * (EngineOptions.QUEUED_PER_SLOT + 1);
        if (requests > queue) {
            throw new InvalidRequestException("--batch " + batch + " puts up to " + requests + " requests in flight, more"
                    + " than an engine with --parallel " + parallel + " queues (" + queue + "); raise --parallel or"
                    + " lower --batch", "batch");
        }
        DatagenJobArgs parsed = new DatagenJobArgs(prompts, generators, judge, out, column,
                UltraFeedbackAspect.parse(aspect), batch, parallel, contextSize, threads, KvCacheType.parse(cacheType),
                partitions);
        parsed.generatorSpecs();
        parsed.judgeSpec();
        return parsed;
    }

    List<ModelSpec> generatorSpecs() {
        return generators.stream().map(g -> ModelSpec.parse(g, "--generator")).toList();
    }

    ModelSpec judgeSpec() {
        return ModelSpec.parse(judge, "--judge");
    }

    /** Identifies the models and how they are loaded: executors share one load per distinct key. */
    String modelsKey(int threadsUsed) {
        return String.join("\n", generators) + "\n" + judge + "\nparallel=" + parallel + ",ctx=" + contextSize
                + ",threads=" + threadsUsed + ",cache=" + cacheType;
    }

    private static void require(String value, String flag) {
        if (value == null) {
            throw new InvalidRequestException(flag + " is required\n" + USAGE, flag.replaceFirst("^-+", ""));
        }
    }

    private static int count(String flag, String value, int min) {
        int n;
        try {
            n = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new InvalidRequestException(flag + " expects an integer, got '" + value + "'", flag.replaceFirst("^-+", ""));
        }
        if (n < min) {
            throw new InvalidRequestException(flag + " must be at least " + min + ", got " + n, flag.replaceFirst("^-+", ""));
        }
        return n;
    }
}
