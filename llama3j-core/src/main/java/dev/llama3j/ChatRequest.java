package dev.llama3j;

import dev.llama3j.chat.Message;
import dev.llama3j.chat.RenderOptions;
import dev.llama3j.chat.Tool;
import dev.llama3j.chat.ToolChoice;
import dev.llama3j.grammar.Grammar;
import dev.llama3j.sampling.SamplingParams;
import java.util.List;

/**
 * One chat turn to generate: everything a turn needs, whoever asks (the Java API, the CLI, the HTTP
 * server): the conversation so far, the tools the model may call and whether it must, the template's
 * variables, how to sample, when to stop, how many choices. {@code sampling == null} means the model's
 * defaults (generation_config.json).
 *
 * <pre>{@code
 * ChatRequest r = ChatRequest.of(List.of(Message.user("What is the capital of France?")))
 *         .withSampling(SamplingParams.greedy());
 * }</pre>
 *
 * @param builtinTools Llama 3.1 built-in tools to enable ({@code brave_search}, {@code wolfram_alpha},
 *     {@code code_interpreter}); also passed to the template through {@link RenderOptions}
 * @param toolChoice auto, none, required or a named tool; required and named start the answer with
 *     the beginning of a call (see {@link ChatPrompt})
 * @param options template variables ({@code date_string}, {@code tools_in_user_message} …)
 * @param maxTokens the most tokens to generate; 0 for as many as the context leaves room for
 * @param n how many choices to generate for the same prompt (each with seed + index when seeded)
 * @param topLogprobs -1 for no log-probabilities, else how many alternatives per token
 * @param adapter LoRA adapter name, or null for the base model
 * @param grammar a grammar the answer must follow (GBNF, or a JSON schema through
 *     {@link dev.llama3j.grammar.JsonSchemaToGbnf}), or null; OpenAI's {@code response_format}
 */
public record ChatRequest(
        List<Message> messages,
        List<Tool> tools,
        List<String> builtinTools,
        ToolChoice toolChoice,
        RenderOptions options,
        SamplingParams sampling,
        int maxTokens,
        List<String> stop,
        int n,
        int topLogprobs,
        String adapter,
        Grammar grammar) {

    public ChatRequest {
        messages = List.copyOf(messages);
        tools = tools == null ? List.of() : List.copyOf(tools);
        builtinTools = builtinTools == null ? List.of() : List.copyOf(builtinTools);
        toolChoice = toolChoice == null ? ToolChoice.AUTO : toolChoice;
        options = options == null ? RenderOptions.defaults() : options;
        stop = stop == null ? List.of() : List.copyOf(stop);
    }

    public static ChatRequest of(List<Message> messages) {
        return new ChatRequest(messages, null, null, null, null, null, 1024, null, 1, -1, null, null);
    }

    /** Whether tools are offered: the template shows them and the answer is read for calls. */
    public boolean toolsEnabled() {
        return toolChoice.mode() != ToolChoice.Mode.NONE && (!tools.isEmpty() || !builtinTools.isEmpty());
    }

    public ChatRequest withMessages(List<Message> m) {
        return new ChatRequest(m, tools, builtinTools, toolChoice, options, sampling, maxTokens, stop, n, topLogprobs,
                adapter, grammar);
    }

    public ChatRequest withTools(List<Tool> t) {
        return new ChatRequest(messages, t, builtinTools, toolChoice, options, sampling, maxTokens, stop, n,
                topLogprobs, adapter, grammar);
    }

    public ChatRequest withBuiltinTools(List<String> b) {
        return new ChatRequest(messages, tools, b, toolChoice, options, sampling, maxTokens, stop, n, topLogprobs,
                adapter, grammar);
    }

    public ChatRequest withToolChoice(ToolChoice c) {
        return new ChatRequest(messages, tools, builtinTools, c, options, sampling, maxTokens, stop, n, topLogprobs,
                adapter, grammar);
    }

    public ChatRequest withOptions(RenderOptions o) {
        return new ChatRequest(messages, tools, builtinTools, toolChoice, o, sampling, maxTokens, stop, n, topLogprobs,
                adapter, grammar);
    }

    public ChatRequest withSampling(SamplingParams s) {
        return new ChatRequest(messages, tools, builtinTools, toolChoice, options, s, maxTokens, stop, n, topLogprobs,
                adapter, grammar);
    }

    public ChatRequest withMaxTokens(int max) {
        return new ChatRequest(messages, tools, builtinTools, toolChoice, options, sampling, max, stop, n, topLogprobs,
                adapter, grammar);
    }

    public ChatRequest withStop(List<String> s) {
        return new ChatRequest(messages, tools, builtinTools, toolChoice, options, sampling, maxTokens, s, n,
                topLogprobs, adapter, grammar);
    }

    public ChatRequest withN(int choices) {
        return new ChatRequest(messages, tools, builtinTools, toolChoice, options, sampling, maxTokens, stop, choices,
                topLogprobs, adapter, grammar);
    }

    public ChatRequest withTopLogprobs(int k) {
        return new ChatRequest(messages, tools, builtinTools, toolChoice, options, sampling, maxTokens, stop, n, k,
                adapter, grammar);
    }

    public ChatRequest withAdapter(String a) {
        return new ChatRequest(messages, tools, builtinTools, toolChoice, options, sampling, maxTokens, stop, n,
                topLogprobs, a, grammar);
    }

    /** The answer must follow {@code g} (null: free text). */
    public ChatRequest withGrammar(Grammar g) {
        return new ChatRequest(messages, tools, builtinTools, toolChoice, options, sampling, maxTokens, stop, n,
                topLogprobs, adapter, g);
    }
}
