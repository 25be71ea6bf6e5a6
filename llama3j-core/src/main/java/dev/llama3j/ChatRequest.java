package dev.llama3j;

import dev.llama3j.chat.Message;
import dev.llama3j.chat.RenderOptions;
import dev.llama3j.chat.Tool;
import dev.llama3j.sampling.SamplingParams;
import java.util.List;

/**
 * One chat turn to generate: the conversation so far, the tools the model may call, how to render and
 * sample. {@code sampling == null} means the model's defaults (generation_config.json).
 *
 * <pre>{@code
 * ChatRequest r = ChatRequest.of(List.of(Message.user("What is the capital of France?")))
 *         .withSampling(SamplingParams.greedy());
 * }</pre>
 *
 * @param builtinTools Llama 3.1 built-in tools to enable ({@code brave_search}, {@code wolfram_alpha},
 *     {@code code_interpreter}); also passed to the template through {@link RenderOptions}
 * @param topLogprobs -1 for no log-probabilities, else how many alternatives per token
 * @param adapter LoRA adapter name, or null for the base model
 */
public record ChatRequest(
        List<Message> messages,
        List<Tool> tools,
        List<String> builtinTools,
        RenderOptions options,
        SamplingParams sampling,
        int maxTokens,
        List<String> stop,
        int topLogprobs,
        String adapter) {

    public ChatRequest {
        messages = List.copyOf(messages);
        tools = tools == null ? List.of() : List.copyOf(tools);
        builtinTools = builtinTools == null ? List.of() : List.copyOf(builtinTools);
        options = options == null ? RenderOptions.defaults() : options;
        stop = stop == null ? List.of() : List.copyOf(stop);
    }

    public static ChatRequest of(List<Message> messages) {
        return new ChatRequest(messages, null, null, null, null, 1024, null, -1, null);
    }

    public ChatRequest withTools(List<Tool> t) {
        return new ChatRequest(messages, t, builtinTools, options, sampling, maxTokens, stop, topLogprobs, adapter);
    }

    public ChatRequest withBuiltinTools(List<String> b) {
        return new ChatRequest(messages, tools, b, options, sampling, maxTokens, stop, topLogprobs, adapter);
    }

    public ChatRequest withOptions(RenderOptions o) {
        return new ChatRequest(messages, tools, builtinTools, o, sampling, maxTokens, stop, topLogprobs, adapter);
    }

    public ChatRequest withSampling(SamplingParams s) {
        return new ChatRequest(messages, tools, builtinTools, options, s, maxTokens, stop, topLogprobs, adapter);
    }

    public ChatRequest withMaxTokens(int n) {
        return new ChatRequest(messages, tools, builtinTools, options, sampling, n, stop, topLogprobs, adapter);
    }

    public ChatRequest withStop(List<String> s) {
        return new ChatRequest(messages, tools, builtinTools, options, sampling, maxTokens, s, topLogprobs, adapter);
    }

    public ChatRequest withTopLogprobs(int n) {
        return new ChatRequest(messages, tools, builtinTools, options, sampling, maxTokens, stop, n, adapter);
    }

    public ChatRequest withAdapter(String a) {
        return new ChatRequest(messages, tools, builtinTools, options, sampling, maxTokens, stop, topLogprobs, a);
    }
}
