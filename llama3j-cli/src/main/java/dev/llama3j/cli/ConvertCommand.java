package dev.llama3j.cli;

import dev.llama3j.convert.ConversionProgress;
import dev.llama3j.convert.HfToGgufConverter;
import dev.llama3j.convert.TensorTypeRecipe;
import dev.llama3j.gguf.GgufFileType;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code llama3j convert}: a Hugging Face Llama folder to a GGUF file. */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = {"Convert a Hugging Face Llama folder to a GGUF file, as llama.cpp's convert_hf_to_gguf.py"
                + " (and llama-quantize for q4_0) would write it.",
            "Norms and rope_freqs stay F32; q4_0 stores the output matrix as Q6_K, as llama-quantize does."})
final class ConvertCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, required = true, paramLabel = "DIR", description = "Hugging Face model folder")
    Path model;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "FILE", description = "The GGUF file to write")
    Path out;

    @Option(names = "--type", paramLabel = "TYPE", description = "f32, f16, bf16, q8_0 or q4_0 (default: ${DEFAULT-VALUE})")
    String type = "f16";

    @Option(names = "--lora", paramLabel = "DIR",
            description = "A PEFT LoRA adapter folder to merge into the weights (W + scale·B·A, in fp32 before"
                    + " the weights are stored as TYPE)")
    Path lora;

    @Override
    public Integer call() {
        GgufFileType fileType = TensorTypeRecipe.parse(type);
        ConversionProgress progress = TerminalProgress.forConsole();
        HfToGgufConverter.Result r = HfToGgufConverter.convert(model, out, fileType, progress, lora);
        System.err.println(summary(r));
        return 0;
    }

    static String summary(HfToGgufConverter.Result r) {
        StringBuilder types = new StringBuilder();
        for (Map.Entry<String, Integer> e : r.tensorsByType().entrySet()) {
            types.append(types.isEmpty() ? "" : ", ").append(e.getValue()).append(' ').append(e.getKey());
        }
        return "wrote " + r.file() + ": " + TerminalProgress.size(r.fileBytes()) + ", " + r.tensors() + " tensors ("
                + types + ")";
    }
}
