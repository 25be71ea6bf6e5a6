package dev.llama3j;

import dev.llama3j.chat.ChatTemplate;
import dev.llama3j.chat.Llama3Tokens;
import dev.llama3j.chat.RenderOptions;
import dev.llama3j.chat.RenderedPrompt;
import dev.llama3j.chat.StreamingToolCallParser;
import dev.llama3j.chat.ToolCallParser;
import dev.llama3j.engine.FinishReason;
import dev.llama3j.engine.Generation;
import dev.llama3j.engine.GenerationListener;
import dev.llama3j.engine.GenerationRequest;
import dev.llama3j.engine.GenerationResult;
import dev.llama3j.engine.TokenEvent;
import dev.llama3j.sampling.SamplingParams;

/**
 * One chat turn through the whole pipeline: template → tokens (only the template's markup becomes
 * control tokens) → engine → streaming tool-call parser → assistant message.
 */
final class ChatCompletion {
    private ChatCompletion() {}

    /** The prompt ids of a chat request, as the model will see them. */
    static int[] encode(Llama llama, ChatRequest request) {
        RenderOptions options = request.options();
        if (!request.builtinTools().isEmpty() && options.builtinTools() == null) {
            options = options.builtinTools(request.builtinTools());
        }
        ChatTemplate template = llama.chatTemplate();
        RenderedPrompt p = template.render(request.messages(), request.tools(), options);
        return llama.tokenizer().encode(p.text(), p.specialAllowedAt());
    }

    static Generation submit(Llama llama, ChatRequest request, ChatListener listener) {
        int[] prompt = encode(llama, request);
        SamplingParams sampling = request.sampling() != null ? request.sampling()
                : llama.generationConfig().sampling();
        GenerationRequest g = new GenerationRequest(prompt, sampling, request.maxTokens(), null, request.stop(),
                request.topLogprobs(), request.adapter());
        ToolCallParser parser = ToolCallParser.forRequest(request.tools(), request.builtinTools());
        StreamingToolCallParser stream = parser.streaming();
        return llama.engine().submit(g, new GenerationListener() {
            @Override
            public void onToken(TokenEvent event) {
                listener.onToken(event);
                String content = stream.feed(event.text());
                if (!content.isEmpty()) {
                    listener.onContent(content);
                }
            }

            @Override
            public void onFinish(GenerationResult result) {
                String rest = stream.finish(endToken(result));
                if (!rest.isEmpty()) {
                    listener.onContent(rest);
                }
                listener.onFinish(new ChatResponse(stream.result(), result));
            }

            @Override
            public void onError(Throwable error) {
                listener.onError(error);
            }
        });
    }

    /** The id that ended generation, as the parser wants it: an end token, or none for the length limit. */
    private static int endToken(GenerationResult r) {
        if (r.finishReason() == FinishReason.LENGTH || r.finishReason() == FinishReason.CANCELLED
                || r.tokens().length == 0) {
            return ToolCallParser.NO_END_TOKEN;
        }
        int last = r.tokens()[r.tokens().length - 1];
        // A stop string ended it: the turn ended normally.
        return last == Llama3Tokens.EOM || last == Llama3Tokens.EOT || last == Llama3Tokens.END_OF_TEXT
                ? last : Llama3Tokens.EOT;
    }

    static ChatResponse complete(Llama llama, ChatRequest request) {
        ChatResponse[] out = new ChatResponse[1];
        Generation g = submit(llama, request, new ChatListener() {
            @Override
            public void onFinish(ChatResponse response) {
                out[0] = response;
            }
        });
        g.await();
        return out[0];
    }
}
