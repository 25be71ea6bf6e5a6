package dev.llama3j.cli;

import dev.llama3j.convert.SyntheticCheckpoint;
import dev.llama3j.convert.SyntheticModel;
import dev.llama3j.convert.SyntheticShape;
import dev.llama3j.convert.TensorTypeRecipe;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code llama3j synthetic-gguf} (hidden): a random-weight GGUF of a real Llama's shape, for benchmarks
 * that must not need a checkpoint ({@code bench --write-synthetic} calls {@link #write}).
 */
@Command(name = "synthetic-gguf", hidden = true, mixinStandardHelpOptions = true,
        description = "Write a GGUF file of Llama-3.2-1B (1b) or Llama-3.1-8B (8b) shape with random weights.")
final class SyntheticGgufCommand implements Callable<Integer> {
    @Option(names = {"-o", "--out"}, required = true, paramLabel = "FILE", description = "The GGUF file to write")
    Path out;

    @Option(names = "--shape", required = true, paramLabel = "SHAPE", description = "1b, 8b or tiny")
    String shape;

    @Option(names = "--type", paramLabel = "TYPE", description = "q8_0, q4_0, f16, bf16 or f32 (default: ${DEFAULT-VALUE})")
    String type = "q8_0";

    @Option(names = "--seed", paramLabel = "N", description = "Random seed (default: ${DEFAULT-VALUE})")
    long seed = 1;

    @Option(names = "--tokenizer", paramLabel = "DIR",
            description = "Folder with the tokenizer.json to embed (default: the demo model's)")
    Path tokenizer;

    @Override
    public Integer call() {
        write(out, shape, type, seed, tokenizer);
        return 0;
    }

    /** Writes the file, with a progress bar on a terminal and a summary line on stderr. */
    static void write(Path out, String shape, String type, long seed, Path tokenizerDir) {
        var r = SyntheticModel.write(out, SyntheticShape.parse(shape), TensorTypeRecipe.parse(type), seed,
                tokenizerDir != null ? tokenizerDir : SyntheticModel.defaultTokenizerDir(), TerminalProgress.forConsole());
        System.err.println(ConvertCommand.summary(r));
    }

    /**
     * Writes a random-weight Hugging Face folder in a published quantized format ({@code type}: awq, gptq,
     * ct-int4, ct-fp8, fbgemm-fp8) with group size 128, the tokenizer files copied from the demo model's.
     */
    static void writeFolder(Path dir, String shape, String type, long seed, Path tokenizerDir) {
        SyntheticCheckpoint.Format format = SyntheticCheckpoint.Format.parse(type);
        var r = SyntheticCheckpoint.write(dir, SyntheticShape.parse(shape).config, format,
                SyntheticCheckpoint.PUBLISHED_GROUP_SIZE, seed,
                tokenizerDir != null ? tokenizerDir : SyntheticModel.defaultTokenizerDir(), TerminalProgress.forConsole());
        System.err.println(ConvertCommand.summary(r));
    }
}
