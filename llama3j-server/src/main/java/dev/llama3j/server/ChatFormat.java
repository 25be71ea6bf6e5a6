package dev.llama3j.server;

import java.util.List;

/**
 * A model's chat format, as the chat endpoint needs it: conversation to prompt ids, and generated
 * text back to content or tool calls. The endpoint knows nothing of Llama's tokens or syntax.
 */
interface ChatFormat {
    /**
     * The prompt of a request.
     *
     * @param ids prompt token ids: template markup as special tokens, message text as plain text
     * @param outputPrefix text the prompt already puts at the start of the assistant's answer (to
     *     force a tool call for {@code tool_choice} required or named); the parser sees it before the
     *     generated text
     */
    record Rendered(int[] ids, String outputPrefix) {}

    /** One parsed tool call; {@code arguments} is a JSON object in text, as OpenAI sends it. */
    record ToolCall(String name, String arguments) {}

    /** What a partial output is, as far as can be told. */
    enum Kind { UNDECIDED, CONTENT, TOOL_CALL }

    /** @throws OpenAiError 400 for a conversation the template refuses */
    Rendered render(ChatRequest request);

    /** Classifies the output so far (prefix included) while streaming. */
    Kind classify(String output, ChatRequest request);

    /** The tool calls of a complete output, or an empty list when it is not a (valid) call. */
    List<ToolCall> toolCalls(String output, ChatRequest request);
}
