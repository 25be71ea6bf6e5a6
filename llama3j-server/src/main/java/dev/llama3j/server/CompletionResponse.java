package dev.llama3j.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llama3j.chat.FinishReason;
import dev.llama3j.engine.GenerationRequest;
import dev.llama3j.engine.GenerationResult;
import dev.llama3j.engine.TokenEvent;
import io.helidon.webserver.http.ServerResponse;
import java.util.List;

/**
 * The skeleton that chat and text completions share: submit one generation per choice, then answer
 * whole (one JSON object) or streamed (server-sent events), with the same envelope
 * ({@code id, object, created, model, system_fingerprint}), the same handling of cancelled and failed
 * choices and of clients that go away, and the same {@code usage}. An endpoint only says what one
 * choice looks like: whole, and as chunks while it is generated.
 */
abstract class CompletionResponse {
    /** OpenAI's {@code system_fingerprint}: which backend answered. */
    static final String FINGERPRINT = "llama3j";

    protected final ServerContext ctx;
    protected final GenerationOptions g;
    protected final Logprobs logprobs;
    private final String id;
    /** The model the request named: the served model or one of its adapters. */
    private final String model;
    private final String object;
    private final String chunkObject;
    private final long created = System.currentTimeMillis() / 1000;
    /** The prompts' token ids; each has {@code g.n} choices, in order. */
    private final int[][] prompts;
    private final GenerationResult[] results;

    /**
     * @param object the whole answer's {@code object} ({@code chat.completion}, {@code text_completion})
     * @param chunkObject a streamed chunk's
     * @param stopIds the end tokens, which log-probabilities leave out
     */
    CompletionResponse(ServerContext ctx, GenerationOptions g, String id, String model, String object,
            String chunkObject, int[][] prompts, int[] stopIds) {
        this.ctx = ctx;
        this.g = g;
        this.id = id;
        this.model = model;
        this.object = object;
        this.chunkObject = chunkObject;
        this.prompts = prompts;
        this.results = new GenerationResult[prompts.length * g.n];
        this.logprobs = new Logprobs(ctx.llama().tokenizer(), stopIds);
    }

    /** One choice of the whole answer: fill {@code choice} (its index is set) from its result. */
    protected abstract void wholeChoice(ObjectNode choice, int index, GenerationResult r);

    /**
     * Where {@code return_token_ids} puts the prompt's ids: on each choice, as vLLM's completions do
     * (each choice may have its own prompt), or once at the top, as vLLM's chat completions do.
     */
    protected boolean promptIdsOnEachChoice() {
        return true;
    }

    /** Streaming: what the client gets before any token (nothing by default). */
    protected void streamStart(SseWriter sse) {}

    /** Streaming: one token of choice {@code index}. */
    protected abstract void streamToken(int index, TokenEvent event, SseWriter sse);

    /** Streaming: choice {@code index} ended (not cancelled). */
    protected abstract void streamFinish(int index, GenerationResult r, SseWriter sse);

    /**
     * Submits the generations, answers, and frees them whatever happens (an error, a client gone).
     *
     * @param response where the answer goes
     */
    final void serve(List<GenerationRequest> requests, ServerResponse response) {
        GenerationStream stream = ctx.submit(requests);
        try {
            if (g.stream) {
                stream(stream, new SseWriter(response));
            } else {
                JsonSupport.send(response, 200, collect(stream));
            }
        } finally {
            stream.cancel();
            ctx.finished(stream);
        }
    }

    private ObjectNode collect(GenerationStream stream) {
        EventPump.run(stream, results.length, ctx.options.keepAlive(), e -> {
            if (e instanceof GenerationStream.Finished f) {
                results[f.choice()] = f.result();
            } else if (e instanceof GenerationStream.Failed f) {
                throw Errors.toOpenAi(f.error());
            }
        }, null);
        ObjectNode root = envelope(object);
        ArrayNode choices = root.putArray("choices");
        for (int i = 0; i < results.length; i++) {
            if (results[i].finishReason() == FinishReason.CANCELLED) {
                throw cancelled();
            }
            ObjectNode c = choices.addObject();
            c.put("index", i);
            wholeChoice(c, i, results[i]);
            if (g.returnTokenIds) {
                if (promptIdsOnEachChoice()) {
                    c.set("prompt_token_ids", ids(prompts[i / g.n]));
                }
                c.set("token_ids", ids(results[i].tokens()));
            }
        }
        if (g.returnTokenIds && !promptIdsOnEachChoice()) {
            root.set("prompt_token_ids", ids(prompts[0]));
        }
        root.set("usage", usage());
        return root;
    }

    private void stream(GenerationStream stream, SseWriter sse) {
        sse.open();
        try {
            streamStart(sse);
            EventPump.run(stream, results.length, ctx.options.keepAlive(), e -> {
                switch (e) {
                    case GenerationStream.Token t -> streamToken(t.choice(), t.event(), sse);
                    case GenerationStream.Finished f -> {
                        results[f.choice()] = f.result();
                        if (f.result().finishReason() == FinishReason.CANCELLED) {
                            sse.data(cancelled().body());
                        } else {
                            streamFinish(f.choice(), f.result(), sse);
                        }
                    }
                    case GenerationStream.Failed f -> sse.data(Errors.toOpenAi(f.error()).body());
                }
            }, sse::keepAlive);
            if (g.includeUsage) {
                ObjectNode last = envelope(chunkObject);
                last.putArray("choices");
                last.set("usage", usage());
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

    private static OpenAiError cancelled() {
        return OpenAiError.unavailable("The server is shutting down; the request was cancelled");
    }

    /** A streamed chunk for choice {@code index}: the envelope and one choice, for the caller to fill. */
    protected ObjectNode chunk(int index) {
        ObjectNode root = envelope(chunkObject);
        root.putArray("choices").addObject().put("index", index);
        return root;
    }

    /** The one choice of a {@link #chunk}. */
    protected static ObjectNode choiceOf(ObjectNode chunk) {
        return (ObjectNode) chunk.get("choices").get(0);
    }

    private ObjectNode envelope(String kind) {
        ObjectNode root = JsonSupport.MAPPER.createObjectNode();
        root.put("id", id);
        root.put("object", kind);
        root.put("created", created);
        root.put("model", model);
        root.put("system_fingerprint", FINGERPRINT);
        return root;
    }

    private static ArrayNode ids(int[] ids) {
        ArrayNode a = JsonSupport.MAPPER.createArrayNode();
        for (int id : ids) {
            a.add(id);
        }
        return a;
    }

    /** Each prompt counted once whatever {@code n}, as are its cached tokens; every choice's tokens. */
    private ObjectNode usage() {
        int prompt = 0;
        int cached = 0;
        for (int p = 0; p < prompts.length; p++) {
            prompt += prompts[p].length;
            GenerationResult first = results[p * g.n];
            cached += first == null ? 0 : first.cachedPromptTokens();
        }
        int completion = 0;
        for (GenerationResult r : results) {
            completion += r == null ? 0 : r.tokens().length;
        }
        return Usage.json(prompt, completion, cached);
    }
}
