package dev.llama3j.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llama3j.engine.FinishReason;
import dev.llama3j.engine.GenerationRequest;
import dev.llama3j.engine.GenerationResult;
import dev.llama3j.engine.TokenEvent;
import dev.llama3j.tokenizer.Tokenizer;
import io.helidon.webserver.http.ServerResponse;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code POST /v1/completions}: raw text (or token ids) in, a continuation out. The text is
 * tokenized like {@code llama3j generate -p}: special-token text is parsed and one BOS is put in
 * front, so the same prompt gives the same ids and, greedily, the same output.
 */
final class CompletionsHandler {
    /** OpenAI's default for this endpoint. */
    static final int DEFAULT_MAX_TOKENS = 16;

    private final ServerContext ctx;

    CompletionsHandler(ServerContext ctx) {
        this.ctx = ctx;
    }

    void handle(ObjectNode body, ServerResponse res) {
        Params p = new Params(body);
        String adapter = ctx.model.adapterFor(p.string("model"));
        List<int[]> prompts = prompts(p);
        for (String unsupported : List.of("suffix")) {
            if (p.has(unsupported)) {
                throw OpenAiError.invalid("'" + unsupported + "' is not supported by this server", unsupported);
            }
        }
        if (p.bool("echo", false)) {
            throw OpenAiError.invalid("'echo' is not supported by this server", "echo");
        }
        Integer bestOf = p.integer("best_of", 1, ctx.options.maxChoices());
        GenerationOptions g = GenerationOptions.parse(p, ctx.llama().generationConfig().sampling(), false,
                ctx.options.maxChoices());
        if (bestOf != null && bestOf != g.n) {
            throw OpenAiError.invalid("'best_of' other than 'n' is not supported", "best_of");
        }
        int total = prompts.size() * g.n;
        if (total > ctx.options.maxChoices()) {
            throw OpenAiError.invalid("This request asks for " + total + " completions (prompts times n); the limit is "
                    + ctx.options.maxChoices(), "n");
        }
        int ctxSize = ctx.model.contextSize();
        List<GenerationRequest> requests = new ArrayList<>();
        for (int[] prompt : prompts) {
            checkContext(prompt.length, ctxSize, "prompt");
            for (int j = 0; j < g.n; j++) {
                requests.add(g.request(prompt, j, DEFAULT_MAX_TOKENS, null, adapter));
            }
        }
        Response r = new Response(ctx, prompts, g, "cmpl-" + Ids.random(), adapter != null ? adapter : ctx.model.name);
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

    static void checkContext(int promptTokens, int ctxSize, String param) {
        if (promptTokens >= ctxSize) {
            throw new OpenAiError(400, "invalid_request_error", "This model's context holds " + ctxSize
                    + " tokens, but the prompt has " + promptTokens + " (and at least one token must be generated);"
                    + " shorten the prompt", param, "context_length_exceeded");
        }
    }

    private List<int[]> prompts(Params p) {
        JsonNode v = p.raw("prompt");
        if (v == null) {
            throw OpenAiError.missing("prompt");
        }
        List<int[]> out = new ArrayList<>();
        if (v.isTextual()) {
            out.add(encode(v.textValue()));
        } else if (v.isArray() && !v.isEmpty()) {
            if (v.get(0).isTextual()) {
                for (JsonNode e : v) {
                    if (!e.isTextual()) {
                        throw badPrompt();
                    }
                    out.add(encode(e.textValue()));
                }
            } else if (v.get(0).isNumber()) {
                out.add(ids((ArrayNode) v));
            } else if (v.get(0).isArray()) {
                for (JsonNode e : v) {
                    if (!e.isArray() || e.isEmpty()) {
                        throw badPrompt();
                    }
                    out.add(ids((ArrayNode) e));
                }
            } else {
                throw badPrompt();
            }
        } else {
            throw badPrompt();
        }
        if (out.size() > ctx.options.maxChoices()) {
            throw OpenAiError.invalid("At most " + ctx.options.maxChoices() + " prompts per request", "prompt");
        }
        return out;
    }

    private static OpenAiError badPrompt() {
        return OpenAiError.invalidType("prompt",
                "a string, an array of strings, an array of token ids or an array of token-id arrays");
    }

    private static int[] ids(ArrayNode a) {
        int[] ids = new int[a.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode e = a.get(i);
            if (!e.isIntegralNumber() || !e.canConvertToInt()) {
                throw badPrompt();
            }
            ids[i] = e.intValue();
        }
        return ids;
    }

    private int[] encode(String text) {
        Tokenizer tok = ctx.llama().tokenizer();
        int[] ids = tok.encode(text, true);
        var bos = tok.bosId();
        if (bos.isPresent() && (ids.length == 0 || ids[0] != bos.getAsInt())) {
            ids = tok.prependBos(ids);
        }
        return ids;
    }

    /** One completions response, streamed or whole. */
    private static final class Response {
        private final ServerContext ctx;
        private final List<int[]> prompts;
        private final GenerationOptions g;
        private final String id;
        /** The model the request named: the served model or one of its adapters. */
        private final String model;
        private final long created = System.currentTimeMillis() / 1000;
        private final Logprobs logprobs;

        Response(ServerContext ctx, List<int[]> prompts, GenerationOptions g, String id, String model) {
            this.ctx = ctx;
            this.model = model;
            this.prompts = prompts;
            this.g = g;
            this.id = id;
            this.logprobs = new Logprobs(ctx.llama().tokenizer(), ctx.llama().eosIds());
        }

        ObjectNode collect(GenerationStream stream) {
            int choices = prompts.size() * g.n;
            GenerationResult[] results = new GenerationResult[choices];
            EventPump.run(stream, choices, ctx.options.keepAlive(), e -> {
                if (e instanceof GenerationStream.Finished f) {
                    results[f.choice()] = f.result();
                } else if (e instanceof GenerationStream.Failed f) {
                    throw Errors.toOpenAi(f.error());
                }
            }, null);
            ObjectNode root = envelope("text_completion");
            ArrayNode arr = root.putArray("choices");
            int completion = 0;
            for (int i = 0; i < choices; i++) {
                GenerationResult r = results[i];
                if (r.finishReason() == FinishReason.CANCELLED) {
                    throw OpenAiError.unavailable("The server is shutting down; the request was cancelled");
                }
                ObjectNode c = arr.addObject();
                c.put("index", i);
                c.put("text", r.text());
                if (g.topLogprobs >= 0) {
                    c.set("logprobs", logprobs.completion(r.events(), 0));
                } else {
                    c.putNull("logprobs");
                }
                c.put("finish_reason", r.finishReason().openAiName());
                completion += r.tokens().length;
            }
            root.set("usage", usage(results, completion));
            return root;
        }

        void stream(GenerationStream stream, SseWriter sse) {
            int choices = prompts.size() * g.n;
            GenerationResult[] results = new GenerationResult[choices];
            int[] offsets = new int[choices];
            sse.open();
            try {
                EventPump.run(stream, choices, ctx.options.keepAlive(), e -> {
                    switch (e) {
                        case GenerationStream.Token t -> {
                            TokenEvent ev = t.event();
                            boolean lp = g.topLogprobs >= 0 && logprobs.reportable(ev);
                            if (!ev.text().isEmpty() || lp) {
                                ObjectNode chunk = chunk(t.choice(), ev.text(), null);
                                if (lp) {
                                    ((ObjectNode) chunk.get("choices").get(0)).set("logprobs",
                                            logprobs.completion(List.of(ev), offsets[t.choice()]));
                                }
                                offsets[t.choice()] += ev.text().length();
                                sse.data(chunk);
                            }
                        }
                        case GenerationStream.Finished f -> {
                            results[f.choice()] = f.result();
                            if (f.result().finishReason() == FinishReason.CANCELLED) {
                                sse.data(OpenAiError.unavailable("The server is shutting down; the request was"
                                        + " cancelled").body());
                            } else {
                                sse.data(chunk(f.choice(), "", f.result().finishReason().openAiName()));
                            }
                        }
                        case GenerationStream.Failed f -> sse.data(Errors.toOpenAi(f.error()).body());
                    }
                }, sse::keepAlive);
                if (g.includeUsage) {
                    ObjectNode last = envelope("text_completion");
                    last.putArray("choices");
                    int completion = 0;
                    for (GenerationResult r : results) {
                        completion += r == null ? 0 : r.tokens().length;
                    }
                    last.set("usage", usage(results, completion));
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

        private ObjectNode chunk(int index, String text, String finish) {
            ObjectNode root = envelope("text_completion");
            ObjectNode c = root.putArray("choices").addObject();
            c.put("index", index);
            c.put("text", text);
            c.putNull("logprobs");
            c.put("finish_reason", finish);
            return root;
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

        private ObjectNode usage(GenerationResult[] results, int completion) {
            int prompt = 0;
            for (int[] p : prompts) {
                prompt += p.length;
            }
            int cached = 0;
            for (int i = 0; i < results.length; i += g.n) {
                cached += results[i] == null ? 0 : results[i].cachedPromptTokens();
            }
            return Usage.json(prompt, completion, cached);
        }
    }
}
