package dev.llama3j.cli;

import dev.llama3j.Llama;
import dev.llama3j.LlamaOptions;
import dev.llama3j.error.ModelFormatException;
import dev.llama3j.lora.LoraOptions;
import dev.llama3j.model.KvCacheType;
import dev.llama3j.model.ModelLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options every command that loads a model shares. */
final class ModelOptions {
    /** The demo model shipped in the repository, used when no --model is given. */
    static final String DEFAULT_MODEL = "models/tiny-llama-3.1-chat";

    @Option(names = {"-m", "--model"}, paramLabel = "PATH",
            description = "Hugging Face model folder or GGUF file (default: the embedded " + DEFAULT_MODEL + ")")
    Path model;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", description = "Worker threads (default: all cores)")
    int threads = ModelLoader.defaultThreads();

    @Option(names = {"-c", "--ctx-size"}, paramLabel = "N",
            description = "Context size in tokens (default: the model's, at most 4096)")
    int contextSize;

    @Option(names = "--cache-type", paramLabel = "TYPE",
            description = "KV cache storage: f16 (default) or f32")
    String cacheType = "f16";

    @Option(names = "--no-warmup", description = "Skip the few throwaway one-token steps that end loading "
            + "(they let the JIT compile the generation kernels before any prompt)")
    boolean noWarmup;

    /** The model path, resolving the embedded default against the installation folder. */
    Path modelPath() {
        if (model != null) {
            return model;
        }
        String home = System.getProperty("llama3j.home");
        Path p = home != null ? Path.of(home).resolve(DEFAULT_MODEL) : Path.of(DEFAULT_MODEL);
        if (!Files.exists(p)) {
            throw new ModelFormatException("no --model given and the embedded default model is missing at " + p);
        }
        return p;
    }

    LlamaOptions options() {
        return LlamaOptions.defaults().withThreads(threads).withContextSize(contextSize)
                .withCacheType(KvCacheType.parse(cacheType)).withWarmUp(!noWarmup);
    }

    Llama load() {
        return Llama.load(modelPath(), options());
    }

    Llama load(LoraOptions lora) {
        return Llama.load(modelPath(), options().withLora(lora));
    }
}
