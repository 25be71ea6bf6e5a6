package dev.llama3j.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llama3j.ChatOutput;
import dev.llama3j.ChatRequest;
import dev.llama3j.ChatResponse;
import dev.llama3j.PreparedChat;
import dev.llama3j.chat.ToolCall;
import dev.llama3j.engine.GenerationResult;
import dev.llama3j.engine.TokenEvent;
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
        PreparedChat chat = ctx.llama().prepareChat(ChatRequestReader.read(p, g, adapter));
        new Response(ctx, chat, g, adapter != null ? adapter : ctx.model.name).serve(chat.generations(), res);
    }

    /** One chat response: each choice's message through its own {@link ChatOutput}. */
    private static final class Response extends CompletionResponse {
        private final ChatOutput[] outputs;
        /** Streaming: each choice's log-probabilities not yet sent (they go with the next content). */
        private final List<List<TokenEvent>> pending = new ArrayList<>();

        Response(ServerContext ctx, PreparedChat chat, GenerationOptions g, String model) {
            super(ctx, g, "chatcmpl-" + Ids.random(), model, "chat.completion", "chat.completion.chunk",
                    new int[][] {chat.prompt().ids()}, chat.endTokens());
            outputs = new ChatOutput[chat.choices()];
            for (int i = 0; i < outputs.length; i++) {
                outputs[i] = chat.newOutput();
                pending.add(new ArrayList<>());
            }
        }

        @Override
        protected boolean promptIdsOnEachChoice() {
            return false;
        }

        @Override
        protected void wholeChoice(ObjectNode c, int index, GenerationResult r) {
            outputs[index].feed(r.text());
            ChatResponse answer = outputs[index].finish(r);
            ObjectNode msg = c.putObject("message");
            msg.put("role", "assistant");
            msg.put("content", answer.message().content());
            if (answer.message().hasToolCalls()) {
                msg.set("tool_calls", toolCalls(answer.message().toolCalls(), false));
            }
            msg.putNull("refusal");
            if (g.topLogprobs >= 0) {
                c.set("logprobs", logprobs.chat(r.events()));
            } else {
                c.putNull("logprobs");
            }
            c.put("finish_reason", answer.finishReason().wireName());
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
            if (!content.isEmpty()) {
                sse.data(chunk(index, JsonSupport.MAPPER.createObjectNode().put("content", content), null));
            }
        }

        @Override
        protected void streamFinish(int index, GenerationResult r, SseWriter sse) {
            ChatResponse answer = outputs[index].finish(r);
            if (answer.message().hasToolCalls()) {
                ObjectNode delta = JsonSupport.MAPPER.createObjectNode();
                delta.set("tool_calls", toolCalls(answer.message().toolCalls(), true));
                sse.data(chunk(index, delta, null));
            } else if (!outputs[index].tail().isEmpty()) {
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
