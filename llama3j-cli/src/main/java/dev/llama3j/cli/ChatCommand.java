package dev.llama3j.cli;

import dev.llama3j.ChatRequest;
import dev.llama3j.grammar.Grammar;
import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.Llama;
import dev.llama3j.chat.RenderOptions;
import dev.llama3j.lora.LoraOptions;
import java.io.Console;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code llama3j chat}: talk with a model at the terminal, or answer piped lines. */
@Command(name = "chat", mixinStandardHelpOptions = true,
        description = {
            "Chat with a model: line editing and history, streamed answers, tool calls whose results you paste.",
            "Without a terminal (e.g. echo \"What is the capital of France?\" | llama3j chat) every input line"
                    + " is a message and only the answers are printed."})
final class ChatCommand implements Callable<Integer> {
    @Mixin
    GrammarOptions grammar = new GrammarOptions();

    @Mixin
    ModelOptions model = new ModelOptions();

    @Mixin
    SamplingOptions sampling = new SamplingOptions();

    @Mixin
    LoraCliOptions lora = new LoraCliOptions();

    @Option(names = {"-s", "--system"}, paramLabel = "TEXT", description = "System prompt (/system changes it)")
    String system;

    @Option(names = "--tools", paramLabel = "builtin|FILE.json",
            description = "Tools the model may call: 'builtin' for Llama 3.1's brave_search and wolfram_alpha,"
                    + " or a JSON file with an array of OpenAI-style tool definitions (repeatable)")
    List<String> tools = List.of();

    @Option(names = "--date", paramLabel = "TEXT",
            description = "The date the system prompt states (default: today, as in 26 Nov 2026)")
    String date;

    @Option(names = {"-n", "--max-tokens"}, paramLabel = "N", description = "Most tokens per answer (default 1024)")
    int maxTokens = 1024;

    @Option(names = "--stats", description = "Without a terminal, print token counts and speeds to stderr"
            + " (at a terminal they always show)")
    boolean stats;

    @Override
    public Integer call() {
        if (maxTokens < 1) {
            throw new InvalidRequestException("--max-tokens must be at least 1, got " + maxTokens);
        }
        // Bad flags fail before the model loads.
        ChatTools chatTools = ChatTools.parse(tools);
        RenderOptions options = date != null ? RenderOptions.defaults().dateString(date) : RenderOptions.defaults();
        LoraOptions adapters = lora.single("chat");
        Grammar constraint = grammar.load();
        try (Llama llama = model.load(adapters)) {
            ChatRequest base = ChatRequest.of(List.of())
                    .withAdapter(LoraCliOptions.applied(adapters))
                    .withTools(chatTools.tools())
                    .withBuiltinTools(chatTools.builtinTools())
                    .withOptions(options)
                    .withSampling(sampling.apply(llama.generationConfig().sampling()))
                    .withMaxTokens(maxTokens)
                    .withGrammar(constraint);
            Conversation conversation = new Conversation(base, system);
            String toolNames = String.join(", ", chatTools.names());
            try (ChatConsole console = openConsole()) {
                console.info(banner(llama, toolNames, LoraCliOptions.applied(adapters)));
                return new ChatRepl(llama, conversation, console, toolNames).run();
            }
        }
    }

    /** A terminal when a person is at one (standard input and output both a terminal), else plain lines. */
    private ChatConsole openConsole() {
        Console c = System.console();
        if (c != null && c.isTerminal()) {
            return TerminalConsole.open();
        }
        return new PlainConsole(System.in, new PrintStream(System.out, true, StandardCharsets.UTF_8), System.err, stats);
    }

    private static String banner(Llama llama, String toolNames, String adapter) {
        String name = llama.path().toAbsolutePath().normalize().getFileName().toString();
        return "llama3j chat · " + name + (adapter == null ? "" : " + LoRA " + adapter)
                + (toolNames.isEmpty() ? "" : " · tools: " + toolNames)
                + " · /help for commands, Ctrl-D to quit";
    }
}
