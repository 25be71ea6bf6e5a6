package dev.llama3j.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llama3j.engine.GenerationRequest;
import dev.llama3j.engine.GenerationResult;
import dev.llama3j.engine.TokenEvent;
import dev.llama3j.error.InvalidRequestException;
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
        for (String unsupported : List.of("suffix", "response_format")) {
            if (p.has(unsupported)) {
                throw OpenAiError.invalid("'" + unsupported + "' is not supported on text completions"
                        + (unsupported.equals("response_format") ? "; use 'json_schema' or 'grammar'" : ""), unsupported);
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
        for (int i = 0; i < prompts.size(); i++) {
            int[] prompt = prompts.get(i);
            if (prompt.length >= ctxSize) {
                throw InvalidRequestException.contextLengthExceeded(prompt.length, ctxSize, "prompt");
            }
            for (int j = 0; j < g.n; j++) {
                requests.add(g.request(prompt, j, DEFAULT_MAX_TOKENS, adapter));
            }
        }
        new Response(ctx, g, adapter != null ? adapter : ctx.model.name, prompts).serve(requests, res);
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

    /** One completions response: each choice's text as generated. */
    private static final class Response extends CompletionResponse {
        /** Streaming: each choice's text so far, in characters (the log-probabilities' text_offset). */
        private final int[] offsets;

        Response(ServerContext ctx, GenerationOptions g, String model, List<int[]> prompts) {
            super(ctx, g, "cmpl-" + Ids.random(), model, "text_completion", "text_completion", prompts,
                    ctx.llama().eosIds());
            offsets = new int[prompts.size() * g.n];
        }

        @Override
        protected boolean promptIdsPerChoice() {
            return true;
        }

        @Override
        protected void wholeChoice(ObjectNode c, int index, GenerationResult r) {
            c.put("text", r.text());
            if (g.topLogprobs >= 0) {
                c.set("logprobs", logprobs.completion(r.events(), 0));
            } else {
                c.putNull("logprobs");
            }
            c.put("finish_reason", r.finishReason().wireName());
        }

        @Override
        protected void streamToken(int index, TokenEvent ev, SseWriter sse) {
            boolean lp = g.topLogprobs >= 0 && logprobs.reportable(ev);
            if (!ev.text().isEmpty() || lp) {
                ObjectNode chunk = chunk(index, ev.text(), null);
                if (lp) {
                    choiceOf(chunk).set("logprobs", logprobs.completion(List.of(ev), offsets[index]));
                }
                offsets[index] += ev.text().length();
                sse.data(chunk);
            }
        }

        @Override
        protected void streamFinish(int index, GenerationResult r, SseWriter sse) {
            sse.data(chunk(index, "", r.finishReason().wireName()));
        }

        private ObjectNode chunk(int index, String text, String finish) {
            ObjectNode root = chunk(index);
            ObjectNode c = choiceOf(root);
            c.put("text", text);
            c.putNull("logprobs");
            c.put("finish_reason", finish);
            return root;
        }
    }
}
