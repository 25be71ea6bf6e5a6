package dev.llama3j.deberta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.error.Llama3jException;
import dev.llama3j.error.ModelFormatException;
import dev.llama3j.error.UnsupportedModelException;
import dev.llama3j.json.Json;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** config.json read like DebertaV2Config; every option outside Prompt Guard's shape refused by its key. */
class DebertaConfigTest {

    private static Map<String, Object> promptGuardLike() {
        return new LinkedHashMap<>(Json.asObject(Json.parseFile(TinyPromptGuard.dir().resolve("config.json")), "config"));
    }

    private static DebertaConfig read(Map<String, Object> c) {
        return DebertaConfig.of(c, "config.json");
    }

    @Test
    void readsTheFixtureWithHuggingFaceDefaults() {
        DebertaConfig c = read(promptGuardLike());
        assertEquals(32, c.hiddenSize());
        assertEquals(8, c.headSize());
        assertEquals(512, c.maxRelativePositions(), "max_relative_positions -1 means max_position_embeddings");
        assertEquals(256, c.attentionSpan());
        assertTrue(c.c2p() && c.p2c() && c.normRelEmbeddings());
        assertEquals(List.of("BENIGN", "INJECTION", "JAILBREAK"), c.labels());
    }

    @Test
    void posAttTypeMayBeTheOldString() {
        Map<String, Object> m = promptGuardLike();
        m.put("pos_att_type", "c2p|p2c");
        DebertaConfig c = read(m);
        assertTrue(c.c2p() && c.p2c());
        m.put("pos_att_type", "c2p");
        assertFalse(read(m).p2c());
    }

    private static void assertRefused(Class<? extends Llama3jException> type, String key, Object value) {
        Map<String, Object> m = promptGuardLike();
        if (value == null) {
            m.remove(key);
        } else {
            m.put(key, value);
        }
        Llama3jException e = assertThrows(type, () -> read(m), key + " = " + value);
        assertTrue(e.getMessage().contains(key) && e.getMessage().contains("config.json"), e.getMessage());
    }

    @Test
    void unsupportedOptionsAreRefusedByKey() {
        assertRefused(UnsupportedModelException.class, "relative_attention", false);
        assertRefused(UnsupportedModelException.class, "relative_attention", null); // HF's default is false
        assertRefused(UnsupportedModelException.class, "position_biased_input", true);
        assertRefused(UnsupportedModelException.class, "share_att_key", false);
        assertRefused(UnsupportedModelException.class, "pos_att_type", List.of("p2c", "c2p", "p2p"));
        assertRefused(UnsupportedModelException.class, "pos_att_type", "c2p|p2p");
        assertRefused(UnsupportedModelException.class, "conv_kernel_size", 3L);
        assertRefused(UnsupportedModelException.class, "norm_rel_ebd", "batch_norm");
        assertRefused(UnsupportedModelException.class, "attention_head_size", 4L);
        assertRefused(UnsupportedModelException.class, "embedding_size", 16L);
        assertRefused(UnsupportedModelException.class, "type_vocab_size", 2L);
        assertRefused(UnsupportedModelException.class, "hidden_act", "relu");
        assertRefused(UnsupportedModelException.class, "pooler_hidden_act", "tanh");
        assertRefused(UnsupportedModelException.class, "model_type", "bert");
    }

    @Test
    void malformedValuesAreReportedByKey() {
        assertRefused(ModelFormatException.class, "vocab_size", null);
        assertRefused(ModelFormatException.class, "id2label", null);
        assertRefused(ModelFormatException.class, "id2label", Map.of("0", "BENIGN", "2", "JAILBREAK"));
        assertRefused(ModelFormatException.class, "num_attention_heads", 5L);
        assertRefused(ModelFormatException.class, "hidden_size", "32");
    }
}
