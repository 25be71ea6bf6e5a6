package dev.llama3j.cli;

import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.Llama;
import dev.llama3j.engine.GenerationListener;
import dev.llama3j.engine.GenerationRequest;
import dev.llama3j.engine.GenerationResult;
import dev.llama3j.engine.TokenEvent;
import dev.llama3j.grammar.Grammar;
import dev.llama3j.json.Json;
import dev.llama3j.lora.LoraOptions;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code llama3j generate}: continue a prompt. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Continue a prompt (raw text or token ids; no chat template is applied).")
final class GenerateCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model = new ModelOptions();

    @Mixin
    SamplingOptions sampling = new SamplingOptions();

    @Mixin
    LoraCliOptions lora = new LoraCliOptions();

    @Mixin
    GrammarOptions grammar = new GrammarOptions();

    static final class Prompt {
        @Option(names = {"-p", "--prompt"}, paramLabel = "TEXT",
                description = "Prompt text; special-token text such as <|eot_id|> is parsed, BOS is added")
        String text;

        @Option(names = "--prompt-ids", paramLabel = "IDS", split = ",",
                description = "Prompt token ids, comma-separated, used as given")
        int[] ids;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Prompt prompt;

    @Option(names = {"-n", "--max-tokens"}, paramLabel = "N", description = "Most tokens to generate (default 256)")
    int maxTokens = 256;

    @Option(names = "--stop", paramLabel = "TEXT", description = "Stop when this text is generated (repeatable)")
    List<String> stop = List.of();

    @Option(names = "--json", description = "Print one JSON object with ids, text and speed")
    boolean json;

    @Override
    public Integer call() {
        if (maxTokens < 1) {
            throw new InvalidRequestException("--max-tokens must be at least 1, got " + maxTokens);
        }
        LoraOptions adapters = lora.single("generate");
        Grammar constraint = grammar.load(); // bad files fail before the model loads
        try (Llama llama = model.load(adapters)) {
            int[] ids = prompt.ids != null ? prompt.ids : PromptText.encode(llama, prompt.text);
            GenerationRequest request = new GenerationRequest(ids,
                    sampling.apply(llama.generationConfig().sampling()), maxTokens, null, stop, -1,
                    LoraCliOptions.applied(adapters), constraint);
            PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
            GenerationListener listener = json ? new GenerationListener() {} : new GenerationListener() {
                @Override
                public void onToken(TokenEvent event) {
                    out.print(event.text());
                    out.flush();
                }
            };
            GenerationResult r = llama.engine().submit(request, listener).await();
            if (json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("prompt_tokens", r.promptTokens());
                o.put("tokens", r.tokens());
                o.put("text", r.text());
                o.put("finish_reason", r.finishReason().wireName());
                o.put("prompt_tok_s", round(r.promptTokensPerSecond()));
                o.put("gen_tok_s", round(r.generationTokensPerSecond()));
                out.println(Json.write(o, -1, false));
            } else {
                out.println();
                System.err.printf("[%d prompt tokens at %.1f tok/s, %d generated at %.1f tok/s, %s]%n",
                        r.promptTokens().length, r.promptTokensPerSecond(), r.tokens().length,
                        r.generationTokensPerSecond(), r.finishReason().wireName());
            }
            return 0;
        }
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
