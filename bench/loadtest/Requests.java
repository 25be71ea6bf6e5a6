import dev.llama3j.json.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Request bodies (random prompts that share no prefix) and reading the JSON that comes back. */
final class Requests {
    static final int BOS = 128000;

    /** The id /v1/models reports, sent as every request's model. */
    static String modelId = "";

    private static final Random RNG = new Random(42);

    private Requests() {}

    /** A prompt of token ids: BOS, then random ordinary tokens, so no two prompts share a prefix. */
    static synchronized List<Integer> randomPrompt(int length) {
        return randomPrompt(RNG, length);
    }

    static List<Integer> randomPrompt(Random r, int length) {
        List<Integer> p = new ArrayList<>(length);
        p.add(BOS);
        for (int i = 1; i < length; i++) {
            p.add(1000 + r.nextInt(120_000));
        }
        return p;
    }

    /** A greedy /v1/completions body; streamed ones ask for the usage chunk. */
    static String completionBody(List<Integer> prompt, int maxTokens, boolean stream) {
        StringBuilder sb = new StringBuilder(prompt.size() * 7 + 200);
        sb.append("{\"model\":").append(quote(modelId)).append(",\"prompt\":[");
        for (int i = 0; i < prompt.size(); i++) {
            sb.append(i > 0 ? "," : "").append(prompt.get(i));
        }
        sb.append("],\"max_tokens\":").append(maxTokens).append(",\"temperature\":0");
        if (stream) {
            sb.append(STREAM_OPTIONS);
        }
        return sb.append('}').toString();
    }

    /** A streamed greedy completion of a new random prompt. */
    static String streamed(int promptLength, int maxTokens) {
        return completionBody(randomPrompt(promptLength), maxTokens, true);
    }

    static final String STREAM_OPTIONS = ",\"stream\":true,\"stream_options\":{\"include_usage\":true}";

    static String quote(String s) {
        StringBuilder sb = new StringBuilder();
        Json.quote(sb, s);
        return sb.toString();
    }

    static Object parse(String json) {
        return Json.parse(json);
    }

    /** The value at {@code keys} (object keys and array indexes) in parsed JSON, or null. */
    static Object path(Object j, Object... keys) {
        for (Object k : keys) {
            if (k instanceof String s && j instanceof Map<?, ?> m) {
                j = m.get(s);
            } else if (k instanceof Integer i && j instanceof List<?> l) {
                j = i < l.size() ? l.get(i) : null;
            } else {
                return null;
            }
        }
        return j;
    }
}
