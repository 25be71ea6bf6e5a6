package dev.llama3j.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llama3j.ChatOutput;
import dev.llama3j.ChatRequest;
import dev.llama3j.ChatResponse;
import dev.llama3j.PreparedChat;
import dev.llama3j.chat.FinishReason;
import dev.llama3j.chat.Message;
import dev.llama3j.chat.ToolCall;
import dev.llama3j.engine.GenerationResult;
import dev.llama3j.engine.TokenEvent;
import dev.llama3j.guard.GuardCategory;
import dev.llama3j.guard.GuardVerdict;
import io.helidon.webserver.http.ServerResponse;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code POST /v1/chat/completions}: the body read into the core's {@link ChatRequest}, prepared
 * and read back by the core ({@link PreparedChat}, one {@link ChatOutput} per choice), answered as
 * content or tool calls, whole or as server-sent events.
 */
final class ChatCompletionsHandler {
    private final ServerContext ctx;

    ChatCompletionsHandler(ServerContext ctx) {
        this.ctx = ctx;
    }

    void handle(ObjectNode body, ServerResponse res) {
        Params p = new Params(body);
        String adapter = ctx.model.adapterFor(p.string("model"));
        GenerationOptions g = GenerationOptions.parse(p, ctx.llama().generationConfig().sampling(), true,
                ctx.options.maxChoices());
        ChatRequest request = ChatRequestReader.read(p, g, adapter);
        if (ctx.promptScreen != null) {
            ctx.promptScreen.check(request.messages()).ifPresent(f -> {
                throw contentFilter("Prompt Guard flagged " + f.describe(), "messages[" + f.index() + "]");
            });
        }
        if (ctx.moderator != null) {
            ctx.moderator.checkPrompt(request.messages()).filter(v -> !v.safe()).ifPresent(v -> {
                throw contentFilter("The prompt was flagged by the guard model", v, "messages");
            });
        }
        PreparedChat chat = ctx.llama().prepareChat(request);
        new Response(ctx, chat, g, adapter != null ? adapter : ctx.model.name, request.messages())
                .serve(chat.generations(), res);
    }

    /** HTTP 400 with code {@code content_filter}, naming the categories the guard found. */
    static OpenAiError contentFilter(String what, GuardVerdict v, String param) {
        StringBuilder sb = new StringBuilder(what);
        if (v.kind() == GuardVerdict.Kind.UNSAFE) {
            sb.append(" as unsafe:");
            for (GuardCategory c : v.categories()) {
                sb.append(' ').append(c.code()).append(" (").append(c.name()).append(')');
            }
        } else {
            sb.append(" (its answer was not a clear verdict)");
        }
        return contentFilter(sb.toString(), param);
    }

    /** HTTP 400 with code {@code content_filter}: the refusal of a request a safety check flagged. */
    static OpenAiError contentFilter(String message, String param) {
        return new OpenAiError(400, "invalid_request_error", message, param, "content_filter");
    }

    /** One chat response: each choice's message through its own {@link ChatOutput}. */
    private static final class Response extends CompletionResponse {
        private final ChatOutput[] outputs;
        /** Streaming: each choice's log-probabilities not yet sent (they go with the next content). */
        private final List<List<TokenEvent>> pending = new ArrayList<>();
        /** The conversation, for the answer check. */
        private final List<Message> messages;
        /** Answers checked by the guard: streamed content is held back here until the check at the end. */
        private final StringBuilder[] held;

        Response(ServerContext ctx, PreparedChat chat, GenerationOptions g, String model, List<Message> messages) {
            super(ctx, g, "chatcmpl-" + Ids.random(), model, "chat.completion", "chat.completion.chunk",
                    List.of(chat.prompt().ids()), chat.endTokens());
            outputs = new ChatOutput[chat.choices()];
            this.messages = messages;
            held = checksAnswers() ? new StringBuilder[chat.choices()] : null;
            for (int i = 0; i < outputs.length; i++) {
                outputs[i] = chat.newOutput();
                pending.add(new ArrayList<>());
                if (held != null) {
                    held[i] = new StringBuilder();
                }
            }
        }

        private boolean checksAnswers() {
            return ctx.moderator != null && ctx.moderator.mode().checksOutput();
        }

        /** True when the guard flags this answer (never when answers are not checked). */
        private boolean flagged(String content) {
            return checksAnswers() && ctx.moderator.checkAnswer(messages, content).map(v -> !v.safe()).orElse(false);
        }

        @Override
        protected void wholeChoice(ObjectNode c, int index, GenerationResult r) {
            outputs[index].feed(r.text());
            ChatResponse answer = outputs[index].finish(r);
            boolean filtered = flagged(answer.message().content());
            ObjectNode msg = c.putObject("message");
            msg.put("role", "assistant");
            msg.put("content", filtered ? "" : answer.message().content());
            if (answer.message().hasToolCalls()) {
                msg.set("tool_calls", toolCalls(answer.message().toolCalls(), false));
            }
            msg.putNull("refusal");
            if (g.topLogprobs >= 0 && !filtered) {
                c.set("logprobs", logprobs.chat(r.events()));
            } else {
                c.putNull("logprobs");
            }
            c.put("finish_reason", filtered ? FinishReason.CONTENT_FILTER.wireName() : answer.finishReason().wireName());
        }

        @Override
        protected void streamStart(SseWriter sse) {
            for (int i = 0; i < outputs.length; i++) {
                ObjectNode delta = JsonSupport.MAPPER.createObjectNode();
                delta.put("role", "assistant");
                delta.put("content", "");
                sse.data(chunk(i, delta, null));
            }
        }

        @Override
        protected void streamToken(int index, TokenEvent event, SseWriter sse) {
            if (g.topLogprobs >= 0 && logprobs.reportable(event)) {
                pending.get(index).add(event);
            }
            String content = outputs[index].feed(event.text());
            if (held != null) {
                held[index].append(content);
            } else if (!content.isEmpty()) {
                sse.data(chunk(index, JsonSupport.MAPPER.createObjectNode().put("content", content), null));
            }
        }

        @Override
        protected void streamFinish(int index, GenerationResult r, SseWriter sse) {
            ChatResponse answer = outputs[index].finish(r);
            if (held != null) {
                // The whole answer is checked before any of it is sent.
                String content = held[index].append(outputs[index].tail()).toString();
                if (flagged(content)) {
                    pending.get(index).clear();
                    sse.data(chunk(index, JsonSupport.MAPPER.createObjectNode(), FinishReason.CONTENT_FILTER.wireName()));
                    return;
                }
                if (!content.isEmpty()) {
                    sse.data(chunk(index, JsonSupport.MAPPER.createObjectNode().put("content", content), null));
                }
            }
            if (answer.message().hasToolCalls()) {
                ObjectNode delta = JsonSupport.MAPPER.createObjectNode();
                delta.set("tool_calls", toolCalls(answer.message().toolCalls(), true));
                sse.data(chunk(index, delta, null));
            } else if (held == null && !outputs[index].tail().isEmpty()) {
                sse.data(chunk(index, JsonSupport.MAPPER.createObjectNode().put("content", outputs[index].tail()),
                        null));
            }
            sse.data(chunk(index, JsonSupport.MAPPER.createObjectNode(), answer.finishReason().wireName()));
        }

        /** A chunk of choice {@code index}, with the log-probabilities pending for it. */
        private ObjectNode chunk(int index, ObjectNode delta, String finish) {
            ObjectNode root = chunk(index);
            ObjectNode c = choiceOf(root);
            c.set("delta", delta);
            ObjectNode lp = takeLogprobs(pending.get(index));
            if (lp != null) {
                c.set("logprobs", lp);
            } else {
                c.putNull("logprobs");
            }
            c.put("finish_reason", finish);
            if (g.includeUsage) {
                root.putNull("usage");
            }
            return root;
        }

        private ObjectNode takeLogprobs(List<TokenEvent> events) {
            if (g.topLogprobs < 0 || events.isEmpty()) {
                return null;
            }
            ObjectNode o = logprobs.chat(events);
            events.clear();
            return o;
        }

        private ArrayNode toolCalls(List<ToolCall> calls, boolean streaming) {
            ArrayNode arr = JsonSupport.MAPPER.createArrayNode();
            for (int k = 0; k < calls.size(); k++) {
                ObjectNode c = arr.addObject();
                if (streaming) {
                    c.put("index", k);
                }
                ToolCall call = calls.get(k);
                c.put("id", call.id() != null ? call.id() : "call_" + Ids.random());
                c.put("type", "function");
                ObjectNode f = c.putObject("function");
                f.put("name", call.name());
                f.put("arguments", call.argumentsJson());
            }
            return arr;
        }
    }
}
