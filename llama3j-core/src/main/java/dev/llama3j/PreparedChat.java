package dev.llama3j;

import dev.llama3j.engine.GenerationRequest;
import dev.llama3j.grammar.Grammar;
import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.sampling.SamplingParams;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * A chat request made ready for the engine: its prompt, one engine request per choice, and a fresh
 * {@link ChatOutput} per choice to read the answer with. {@link Llama#chat} uses it for one choice;
 * a caller that runs the engine itself (the HTTP server, or anyone who wants {@code n > 1}) submits
 * {@link #generations()} and feeds each choice's token texts to its own output.
 *
 * <pre>{@code
 * PreparedChat chat = llama.prepareChat(request.withN(2));
 * for (int i = 0; i < chat.choices(); i++) {
 *     ChatOutput out = chat.newOutput();
 *     GenerationResult r = llama.engine().generate(chat.generations().get(i));
 *     out.feed(r.text());
 *     System.out.println(out.finish(r).content());
 * }
 * }</pre>
 */
public final class PreparedChat {
    private final ChatRequest request;
    private final ChatPrompt prompt;
    private final int[] endTokens;
    private final List<GenerationRequest> generations;

    /**
     * @throws InvalidRequestException when the template refuses the conversation, {@code tool_choice}
     *     names no tool, {@code n} is below 1, or the prompt leaves no room in the context
     *     ({@link InvalidRequestException.Code#CONTEXT_LENGTH_EXCEEDED}, param {@code messages})
     */
    PreparedChat(Llama llama, ChatRequest request) {
        if (request.n() < 1) {
            throw new InvalidRequestException("n must be at least 1, got " + request.n(), "n");
        }
        this.request = request;
        this.prompt = ChatPrompt.render(llama.chatTemplate(), llama.tokenizer(), request);
        int contextSize = llama.engine().options().contextSize();
        if (prompt.ids().length >= contextSize) {
            throw InvalidRequestException.contextLengthExceeded(prompt.ids().length, contextSize, "messages");
        }
        this.endTokens = endTokens(llama);
        SamplingParams sampling = request.sampling() != null ? request.sampling()
                : llama.generationConfig().sampling();
        int max = request.maxTokens() > 0 ? request.maxTokens() : contextSize - prompt.ids().length;
        Grammar callGrammar = ToolCallGrammar.of(request);
        Grammar grammar = callGrammar != null ? callGrammar : request.grammar();
        List<GenerationRequest> g = new ArrayList<>(request.n());
        for (int i = 0; i < request.n(); i++) {
            g.add(new GenerationRequest(prompt.ids(), sampling.forChoice(i), max, endTokens, request.stop(),
                    request.topLogprobs(), request.adapter(), grammar));
        }
        this.generations = List.copyOf(g);
    }

    /**
     * The ids that end an assistant message: the model's end-of-sequence ids and, whatever the
     * generation config lists, end of turn ({@code <|eot_id|>}) and end of a tool-call message
     * ({@code <|eom_id|>}).
     */
    private static int[] endTokens(Llama llama) {
        var tok = llama.tokenizer();
        return IntStream.concat(Arrays.stream(llama.eosIds()),
                        IntStream.of(tok.specialId("<|eot_id|>").orElse(-1), tok.specialId("<|eom_id|>").orElse(-1)))
                .filter(i -> i >= 0).distinct().toArray();
    }

    public ChatRequest request() {
        return request;
    }

    public ChatPrompt prompt() {
        return prompt;
    }

    public int choices() {
        return generations.size();
    }

    /** The engine request of each choice, in choice order. */
    public List<GenerationRequest> generations() {
        return generations;
    }

    /** The ids that end an assistant message (they end generation, and add no text to it). */
    public int[] endTokens() {
        return endTokens.clone();
    }

    /** A fresh reader for one choice's answer. */
    public ChatOutput newOutput() {
        return new ChatOutput(request, prompt, endTokens);
    }
}
