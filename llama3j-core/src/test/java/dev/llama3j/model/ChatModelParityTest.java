package dev.llama3j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.llama3j.testing.Fixtures;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The demo chat model (sharded, tied embeddings, rope_parameters) against its 18 golden probes. */
class ChatModelParityTest {
    static LlamaModel model;

    @BeforeAll
    static void load() {
        model = ModelLoader.load(Fixtures.chatModel(), 2, 512);
    }

    @AfterAll
    static void close() {
        if (model != null) {
            model.close();
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void allProbesGiveGoldenGreedyTokens() {
        List<Map<String, Object>> probes =
                (List<Map<String, Object>>) ((Map<String, Object>) Fixtures.goldens().get("chat_model")).get("probes");
        int vocab = model.config().vocabSize();
        for (Map<String, Object> p : probes) {
            int[] prompt = Fixtures.ints(p.get("prompt_ids"));
            int[] golden = Fixtures.ints(p.get("greedy"));
            int[] ours = ParityUtil.greedy(model, prompt, golden.length);
            String what = String.valueOf(p.get("greedy_text"));
            assertArrayEquals(golden, ours, what);
            Map<String, Object> top = (Map<String, Object>) p.get("top10_first");
            float[][] first = ParityUtil.logitsAt(model, prompt, new int[] {prompt.length - 1});
            ParityUtil.assertTop10(what, first[0], 0, vocab, Fixtures.ints(top.get("ids")),
                    (List<Object>) top.get("values"));
        }
        // The golden continuations stop at an end-of-turn id.
        int[] eos = model.config().eosTokenIds();
        for (Map<String, Object> p : probes) {
            int[] golden = Fixtures.ints(p.get("greedy"));
            int last = golden[golden.length - 1];
            assert Arrays.stream(eos).anyMatch(e -> e == last);
        }
    }
}
