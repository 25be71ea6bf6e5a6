package dev.llama3j.datagen;

import dev.llama3j.chat.Message;
import dev.llama3j.error.Llama3jException;
import dev.llama3j.json.Json;
import dev.llama3j.sampling.SamplingParams;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A model served elsewhere behind the OpenAI chat-completions protocol ({@code POST
 * BASE/chat/completions}): llama3j's own server, vLLM, llama.cpp's server, a hosted 405B. All of a
 * stage's requests are sent at once; the server batches them. {@code OPENAI_API_KEY}, when set, is
 * sent as a bearer token.
 */
public final class OpenAiChatBackend implements ChatBackend {
    private static final Duration TIMEOUT = Duration.ofMinutes(30);

    private final HttpClient client;
    private final URI url;
    private final String model;
    private final SamplingParams sampling;
    private final int maxTokens;
    private final String apiKey;

    /** @param base the base URL, e.g. {@code http://host:8080/v1} */
    public OpenAiChatBackend(HttpClient client, URI base, String model, SamplingParams sampling, int maxTokens,
            String apiKey) {
        this.client = client;
        String b = base.toString();
        this.url = URI.create(b.endsWith("/") ? b + "chat/completions" : b + "/chat/completions");
        this.model = model;
        this.sampling = sampling;
        this.maxTokens = maxTokens;
        this.apiKey = apiKey;
    }

    @Override
    public String modelName() {
        return model;
    }

    /** The request body: model, messages and the spec's sampling in OpenAI's field names. */
    String body(List<Message> messages) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", model);
        List<Object> list = new ArrayList<>();
        for (Message m : messages) {
            list.add(Map.of("role", m.role().name().toLowerCase(java.util.Locale.ROOT), "content", m.content()));
        }
        body.put("messages", list);
        body.put("max_tokens", maxTokens);
        body.put("temperature", decimal(sampling.temperature()));
        if (sampling.topP() < 1) {
            body.put("top_p", decimal(sampling.topP()));
        }
        if (sampling.topK() > 0) {
            body.put("top_k", sampling.topK());
        }
        if (sampling.minP() > 0) {
            body.put("min_p", decimal(sampling.minP()));
        }
        if (sampling.repetitionPenalty() != 1) {
            body.put("repetition_penalty", decimal(sampling.repetitionPenalty()));
        }
        if (sampling.frequencyPenalty() != 0) {
            body.put("frequency_penalty", decimal(sampling.frequencyPenalty()));
        }
        if (sampling.presencePenalty() != 0) {
            body.put("presence_penalty", decimal(sampling.presencePenalty()));
        }
        if (sampling.seed() != null) {
            body.put("seed", sampling.seed());
        }
        return Json.write(body);
    }

    @Override
    public CompletableFuture<ChatResult> submit(List<Message> messages) {
        HttpRequest.Builder request = HttpRequest.newBuilder(url).timeout(TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body(messages), StandardCharsets.UTF_8));
        if (apiKey != null && !apiKey.isEmpty()) {
            request.header("Authorization", "Bearer " + apiKey);
        }
        return client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
                .thenApply(this::read);
    }

    /** The answer's content and usage; a non-2xx status or a malformed body fails naming the URL. */
    ChatResult read(HttpResponse<String> response) {
        String body = response.body();
        if (response.statusCode() / 100 != 2) {
            throw new Llama3jException(url + " answered HTTP " + response.statusCode() + ": " + abbreviate(body));
        }
        try {
            Map<String, Object> json = Json.asObject(Json.parse(body), "response");
            List<Object> choices = Json.asArray(json.get("choices"), "choices");
            if (choices.isEmpty()) {
                throw new Llama3jException(url + " answered no choices: " + abbreviate(body));
            }
            Map<String, Object> message = Json.asObject(Json.asObject(choices.get(0), "choices[0]").get("message"),
                    "choices[0].message");
            Object content = message.get("content");
            String text = content == null ? "" : Json.asString(content, "choices[0].message.content");
            int prompt = 0;
            int completion = 0;
            if (json.get("usage") instanceof Map<?, ?> usage) {
                prompt = usage.get("prompt_tokens") instanceof Number n ? n.intValue() : 0;
                completion = usage.get("completion_tokens") instanceof Number n ? n.intValue() : 0;
            }
            return new ChatResult(text, prompt, completion);
        } catch (RuntimeException e) {
            if (e instanceof Llama3jException && e.getMessage().startsWith(url.toString())) {
                throw e;
            }
            throw new Llama3jException(url + " answered a body that is not a chat completion (" + e.getMessage() + "): "
                    + abbreviate(body), e);
        }
    }

    /** The float as written in the spec (0.7, not 0.699999988079071). */
    private static double decimal(float f) {
        return Double.parseDouble(Float.toString(f));
    }

    private static String abbreviate(String s) {
        return s.length() <= 300 ? s : s.substring(0, 300) + "…";
    }
}
