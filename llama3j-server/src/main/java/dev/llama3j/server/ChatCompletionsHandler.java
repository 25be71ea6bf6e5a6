package dev.llama3j.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llama3j.chat.ToolCall;
import dev.llama3j.engine.FinishReason;
import dev.llama3j.engine.GenerationRequest;
import dev.llama3j.engine.GenerationResult;
import dev.llama3j.engine.TokenEvent;
import io.helidon.webserver.http.ServerResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * {@code POST /v1/chat/completions}: messages rendered with the model's chat format, generated
 * with the engine, answered as content or tool calls, whole or as server-sent events.
 */
final class ChatCompletionsHandler {
    private final ServerContext ctx;
    private final ChatFormat format;
    private final int[] stopTokens;

    ChatCompletionsHandler(ServerContext ctx) {
        this(ctx, ChatFormat.of(ctx.llama()));
    }

    ChatCompletionsHandler(ServerContext ctx, ChatFormat format) {
        this.ctx = ctx;
        this.format = format;
        // End of turn and end of a tool-call message, whatever the generation config lists.
        var tok = ctx.llama().tokenizer();
        this.stopTokens = IntStream.concat(Arrays.stream(ctx.llama().eosIds()),
                        IntStream.of(tok.specialId("<|eot_id|>").orElse(-1), tok.specialId("<|eom_id|>").orElse(-1)))
                .filter(i -> i >= 0).distinct().toArray();
    }

    void handle(ObjectNode body, ServerResponse res) {
        Params p = new Params(body);
        String adapter = ctx.model.adapterFor(p.string("model"));
        ChatRequest chat = ChatRequest.parse(p);
        GenerationOptions g = GenerationOptions.parse(p, ctx.llama().generationConfig().sampling(), true,
                ctx.options.maxChoices());
        ChatFormat.Rendered prompt = format.render(chat);
        int ctxSize = ctx.model.contextSize();
        CompletionsHandler.checkContext(prompt.ids().length, ctxSize, "messages");
        List<GenerationRequest> requests = new ArrayList<>();
        for (int j = 0; j < g.n; j++) {
            requests.add(g.request(prompt.ids(), j, ctxSize - prompt.ids().length, stopTokens, adapter));
        }
        Response r = new Response(chat, prompt, g, adapter != null ? adapter : ctx.model.name);
        GenerationStream stream = ctx.submit(requests);
        try {
            if (g.stream) {
                r.stream(stream, new SseWriter(res));
            } else {
                OpenAiServer.sendJson(res, 200, r.collect(stream));
            }
        } finally {
            stream.cancel();
            ctx.finished(stream);
        }
    }

    /** One chat response, streamed or whole. */
    private final class Response {
        private final ChatRequest chat;
        private final ChatFormat.Rendered prompt;
        private final GenerationOptions g;
        private final String id = "chatcmpl-" + Ids.random();
        /** The model the request named: the served model or one of its adapters. */
        private final String model;
        private final long created = System.currentTimeMillis() / 1000;
        private final Logprobs logprobs;

        Response(ChatRequest chat, ChatFormat.Rendered prompt, GenerationOptions g, String model) {
            this.model = model;
            this.chat = chat;
            this.prompt = prompt;
            this.g = g;
            this.logprobs = new Logprobs(ctx.llama().tokenizer(), stopTokens);
        }

        ObjectNode collect(GenerationStream stream) {
            GenerationResult[] results = new GenerationResult[g.n];
            EventPump.run(stream, g.n, ctx.options.keepAlive(), e -> {
                if (e instanceof GenerationStream.Finished f) {
                    results[f.choice()] = f.result();
                } else if (e instanceof GenerationStream.Failed f) {
                    throw Errors.toOpenAi(f.error());
                }
            }, null);
            ObjectNode root = envelope("chat.completion");
            ArrayNode choices = root.putArray("choices");
            for (int i = 0; i < g.n; i++) {
                GenerationResult r = results[i];
                if (r.finishReason() == FinishReason.CANCELLED) {
                    throw OpenAiError.unavailable("The server is shutting down; the request was cancelled");
                }
                AssistantOutput out = output();
                out.feed(r.text());
                AssistantOutput.End end = out.finish(r);
                ObjectNode c = choices.addObject();
                c.put("index", i);
                ObjectNode msg = c.putObject("message");
                msg.put("role", "assistant");
                msg.put("content", out.content(end));
                if (!end.toolCalls().isEmpty()) {
                    msg.set("tool_calls", toolCalls(end.toolCalls(), false));
                }
                msg.putNull("refusal");
                if (g.topLogprobs >= 0) {
                    c.set("logprobs", logprobs.chat(r.events()));
                } else {
                    c.putNull("logprobs");
                }
                c.put("finish_reason", end.finishReason());
            }
            root.set("usage", usage(results));
            return root;
        }

        void stream(GenerationStream stream, SseWriter sse) {
            GenerationResult[] results = new GenerationResult[g.n];
            AssistantOutput[] outputs = new AssistantOutput[g.n];
            List<List<TokenEvent>> pending = new ArrayList<>();
            for (int i = 0; i < g.n; i++) {
                outputs[i] = output();
                pending.add(new ArrayList<>());
            }
            sse.open();
            try {
                for (int i = 0; i < g.n; i++) {
                    ObjectNode delta = JsonSupport.MAPPER.createObjectNode();
                    delta.put("role", "assistant");
                    delta.put("content", "");
                    sse.data(chunk(i, delta, null, null));
                }
                EventPump.run(stream, g.n, ctx.options.keepAlive(), e -> {
                    switch (e) {
                        case GenerationStream.Token t -> {
                            int i = t.choice();
                            if (g.topLogprobs >= 0 && logprobs.reportable(t.event())) {
                                pending.get(i).add(t.event());
                            }
                            String content = outputs[i].feed(t.event().text());
                            if (!content.isEmpty()) {
                                ObjectNode delta = JsonSupport.MAPPER.createObjectNode();
                                delta.put("content", content);
                                sse.data(chunk(i, delta, takeLogprobs(pending.get(i)), null));
                            }
                        }
                        case GenerationStream.Finished f -> {
                            int i = f.choice();
                            results[i] = f.result();
                            if (f.result().finishReason() == FinishReason.CANCELLED) {
                                sse.data(OpenAiError.unavailable("The server is shutting down; the request was"
                                        + " cancelled").body());
                                return;
                            }
                            AssistantOutput.End end = outputs[i].finish(f.result());
                            if (!end.toolCalls().isEmpty()) {
                                ObjectNode delta = JsonSupport.MAPPER.createObjectNode();
                                delta.set("tool_calls", toolCalls(end.toolCalls(), true));
                                sse.data(chunk(i, delta, takeLogprobs(pending.get(i)), null));
                            } else if (!end.content().isEmpty()) {
                                ObjectNode delta = JsonSupport.MAPPER.createObjectNode();
                                delta.put("content", end.content());
                                sse.data(chunk(i, delta, takeLogprobs(pending.get(i)), null));
                            }
                            sse.data(chunk(i, JsonSupport.MAPPER.createObjectNode(), takeLogprobs(pending.get(i)),
                                    end.finishReason()));
                        }
                        case GenerationStream.Failed f -> sse.data(Errors.toOpenAi(f.error()).body());
                    }
                }, sse::keepAlive);
                if (g.includeUsage) {
                    ObjectNode last = envelope("chat.completion.chunk");
                    last.putArray("choices");
                    last.set("usage", usage(results));
                    sse.data(last);
                }
                sse.done();
            } catch (SseWriter.ClientGoneException gone) {
                stream.cancel();
                ctx.metrics.clientDisconnected();
            } finally {
                sse.close();
            }
        }

        private ObjectNode takeLogprobs(List<TokenEvent> events) {
            if (g.topLogprobs < 0 || events.isEmpty()) {
                return null;
            }
            ObjectNode o = logprobs.chat(events);
            events.clear();
            return o;
        }

        private ObjectNode chunk(int index, ObjectNode delta, ObjectNode lp, String finish) {
            ObjectNode root = envelope("chat.completion.chunk");
            ObjectNode c = root.putArray("choices").addObject();
            c.put("index", index);
            c.set("delta", delta);
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

        private AssistantOutput output() {
            return new AssistantOutput(format.parser(chat), prompt.outputPrefix(), stopTokens);
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

        private ObjectNode envelope(String object) {
            ObjectNode root = JsonSupport.MAPPER.createObjectNode();
            root.put("id", id);
            root.put("object", object);
            root.put("created", created);
            root.put("model", model);
            root.put("system_fingerprint", OpenAiServer.FINGERPRINT);
            return root;
        }

        private ObjectNode usage(GenerationResult[] results) {
            int completion = 0;
            for (GenerationResult r : results) {
                completion += r == null ? 0 : r.tokens().length;
            }
            int cached = results[0] == null ? 0 : results[0].cachedPromptTokens();
            return Usage.json(prompt.ids().length, completion, cached);
        }
    }
}
