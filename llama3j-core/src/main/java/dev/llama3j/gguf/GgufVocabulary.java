package dev.llama3j.gguf;

import dev.llama3j.error.ModelFormatException;
import dev.llama3j.error.UnsupportedModelException;
import dev.llama3j.tokenizer.Tokenizer;
import dev.llama3j.tokenizer.TokenizerVocabulary;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The tokenizer in a GGUF file's {@code tokenizer.*} metadata, read and written the way llama.cpp
 * does for Llama 3: model {@code gpt2} (byte-level BPE), pre-tokenizer {@code llama-bpe}, the token
 * texts, types and merges, the BOS/EOS/EOT/EOM ids and the chat template.
 */
public final class GgufVocabulary {
    private GgufVocabulary() {}

    /**
     * The {@code tokenizer.ggml.pre} names for which llama.cpp uses Llama 3's pre-tokenizer regex (and
     * {@code ignore_merges}); other models share that regex under other names, but are not Llama.
     */
    private static final Set<String> LLAMA3_PRE = Set.of(GgufKeys.TOKENIZER_PRE_LLAMA_BPE, "llama3", "llama-v3");

    /** Token texts that llama.cpp treats as end of generation whatever the keys say. */
    private static final List<String> END_TEXTS = List.of("<|end_of_text|>", "<|eot_id|>", "<|eom_id|>");

    /** Reads the vocabulary; refuses a tokenizer other than Llama 3's byte-level BPE, naming the file and key. */
    public static TokenizerVocabulary read(GgufFile f) {
        String src = f.source();
        String model = f.getString(GgufKeys.TOKENIZER_MODEL);
        if (!GgufKeys.TOKENIZER_MODEL_GPT2.equals(model)) {
            String hint = model.equals("llama") ? " (a SentencePiece tokenizer, as in Llama 1 and 2)" : "";
            throw new UnsupportedModelException(src + ": " + GgufKeys.TOKENIZER_MODEL + " is '" + model + "'" + hint
                    + "; llama3j supports 'gpt2' (Llama 3's byte-level BPE)");
        }
        if (!f.has(GgufKeys.TOKENIZER_PRE)) {
            throw new UnsupportedModelException(src + ": " + GgufKeys.TOKENIZER_PRE + " is missing; llama3j supports"
                    + " the pre-tokenizer 'llama-bpe' (convert the model again with llama3j or a current llama.cpp)");
        }
        String pre = f.getString(GgufKeys.TOKENIZER_PRE);
        if (!LLAMA3_PRE.contains(pre)) {
            throw new UnsupportedModelException(src + ": " + GgufKeys.TOKENIZER_PRE + " is '" + pre
                    + "'; llama3j supports Llama 3's pre-tokenizer 'llama-bpe'");
        }
        String[] tokens = f.getStringArray(GgufKeys.TOKENIZER_TOKENS);
        int[] types = f.has(GgufKeys.TOKENIZER_TOKEN_TYPE) ? f.getIntArray(GgufKeys.TOKENIZER_TOKEN_TYPE) : null;
        if (types != null && types.length != tokens.length) {
            throw new ModelFormatException(src + ": " + GgufKeys.TOKENIZER_TOKEN_TYPE + " has " + types.length
                    + " entries but " + GgufKeys.TOKENIZER_TOKENS + " has " + tokens.length);
        }
        String[] merges = f.getStringArray(GgufKeys.TOKENIZER_MERGES);
        return new TokenizerVocabulary(List.of(tokens), types, List.of(merges), tokenId(f, GgufKeys.TOKENIZER_BOS_ID,
                tokens.length), tokenId(f, GgufKeys.TOKENIZER_EOS_ID, tokens.length));
    }

    /** The tokenizer of the file; errors name the file. */
    public static Tokenizer tokenizer(GgufFile f) {
        TokenizerVocabulary v = read(f);
        try {
            return Tokenizer.fromVocabulary(v);
        } catch (ModelFormatException e) {
            throw new ModelFormatException(f.source() + ": " + e.getMessage(), e);
        }
    }

    /**
     * The ids at which generation ends, as llama.cpp collects them: the EOS, EOT and EOM keys, and the
     * tokens {@code <|end_of_text|>}, {@code <|eot_id|>} and {@code <|eom_id|>} wherever they are.
     */
    public static int[] endIds(GgufFile f) {
        Set<Integer> ids = new LinkedHashSet<>();
        String[] tokens = f.has(GgufKeys.TOKENIZER_TOKENS) ? f.getStringArray(GgufKeys.TOKENIZER_TOKENS) : new String[0];
        int n = tokens.length > 0 ? tokens.length : Integer.MAX_VALUE;
        for (String key : new String[] {GgufKeys.TOKENIZER_EOS_ID, GgufKeys.TOKENIZER_EOT_ID, GgufKeys.TOKENIZER_EOM_ID}) {
            int id = tokenId(f, key, n);
            if (id >= 0) {
                ids.add(id);
            }
        }
        for (int id = tokens.length - 1; id >= 0; id--) {
            if (END_TEXTS.contains(tokens[id])) {
                ids.add(id);
            }
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    /** {@code tokenizer.chat_template}, if the file has one. */
    public static Optional<String> chatTemplate(GgufFile f) {
        return Optional.ofNullable(f.getString(GgufKeys.TOKENIZER_CHAT_TEMPLATE, null));
    }

    private static int tokenId(GgufFile f, String key, int vocabSize) {
        if (!f.has(key)) {
            return -1;
        }
        long id = f.getLong(key);
        if (id < 0 || id >= vocabSize) {
            throw new ModelFormatException(f.source() + ": " + key + " is " + id + ", outside the vocabulary of "
                    + vocabSize + " tokens");
        }
        return (int) id;
    }

    /**
     * Writes the tokenizer keys as {@code convert_hf_to_gguf.py} does for Llama 3 (model, pre-tokenizer,
     * tokens, token types, merges, BOS, EOS, {@code add_bos_token}, chat template), plus the EOT and EOM
     * ids of {@code <|eot_id|>} and {@code <|eom_id|>} when the vocabulary has them.
     *
     * @param chatTemplate the Jinja template, or null for none
     */
    public static void write(GgufWriter w, TokenizerVocabulary v, String chatTemplate) {
        w.putString(GgufKeys.TOKENIZER_MODEL, GgufKeys.TOKENIZER_MODEL_GPT2);
        w.putString(GgufKeys.TOKENIZER_PRE, GgufKeys.TOKENIZER_PRE_LLAMA_BPE);
        w.put(GgufKeys.TOKENIZER_TOKENS, GgufValue.stringArray(v.tokens()));
        w.put(GgufKeys.TOKENIZER_TOKEN_TYPE, GgufValue.int32Array(Arrays.copyOf(v.tokenTypes(), v.size())));
        w.put(GgufKeys.TOKENIZER_MERGES, GgufValue.stringArray(v.merges()));
        if (v.bosId() >= 0) {
            w.putUint32(GgufKeys.TOKENIZER_BOS_ID, v.bosId());
        }
        if (v.eosId() >= 0) {
            w.putUint32(GgufKeys.TOKENIZER_EOS_ID, v.eosId());
        }
        int eot = v.idOf("<|eot_id|>");
        if (eot >= 0) {
            w.putUint32(GgufKeys.TOKENIZER_EOT_ID, eot);
        }
        int eom = v.idOf("<|eom_id|>");
        if (eom >= 0) {
            w.putUint32(GgufKeys.TOKENIZER_EOM_ID, eom);
        }
        // Llama 3's tokenizer.json post-processor puts BOS in front; llama.cpp reads this flag for it.
        w.putBool(GgufKeys.TOKENIZER_ADD_BOS, v.bosId() >= 0);
        if (chatTemplate != null) {
            w.putString(GgufKeys.TOKENIZER_CHAT_TEMPLATE, chatTemplate);
        }
    }
}
