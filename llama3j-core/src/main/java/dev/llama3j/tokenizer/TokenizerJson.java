package dev.llama3j.tokenizer;

import dev.llama3j.error.ModelFormatException;
import dev.llama3j.error.UnsupportedModelException;
import dev.llama3j.json.Json;
import dev.llama3j.json.JsonException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Reads a Hugging Face {@code tokenizer.json} (and the {@code tokenizer_config.json} beside it) into a
 * {@link Tokenizer}. It accepts what Llama 3 uses and refuses, by name, what would silently tokenize
 * differently: another pre-tokenizer regex, a normalizer, byte fallback, subword prefixes.
 */
final class TokenizerJson {
    static final String FILE_NAME = "tokenizer.json";
    static final String CONFIG_NAME = "tokenizer_config.json";

    private TokenizerJson() {}

    static Tokenizer load(Path path) {
        Path file = fileOf(path);
        Parsed p = parse(file);
        return Tokenizer.build(file.toString(), p.pieces, p.kinds, p.vocab, p.lefts, p.rights, p.ignoreMerges, p.bos,
                p.eos);
    }

    /**
     * The vocabulary of a {@code tokenizer.json} as a GGUF file stores it, the way llama.cpp's
     * {@code convert_hf_to_gguf.py} writes it: BPE tokens NORMAL, added special tokens (and added tokens
     * that look like {@code <|...|>}) CONTROL, other added tokens USER_DEFINED; merges as
     * {@code "left right"}, with a space inside a part written as U+0120 as gguf-py does.
     */
    static TokenizerVocabulary readVocabulary(Path path) {
        Path file = fileOf(path);
        Parsed p = parse(file);
        // Build once so that a tokenizer llama3j would refuse is refused here too.
        Tokenizer.build(file.toString(), p.pieces, p.kinds, p.vocab, p.lefts, p.rights, p.ignoreMerges, p.bos, p.eos);
        if (!p.ignoreMerges) {
            throw new UnsupportedModelException(file + ": model.ignore_merges is false; GGUF's 'llama-bpe' pre-tokenizer"
                    + " implies Llama 3's ignore_merges = true, so this tokenizer cannot be written as one");
        }
        String[] tokens = new String[p.pieces.length];
        int[] types = new int[p.pieces.length];
        for (int id = 0; id < tokens.length; id++) {
            String piece = p.pieces[id];
            if (piece == null) {
                tokens[id] = "[PAD" + id + "]";
                types[id] = TokenType.UNUSED;
                continue;
            }
            tokens[id] = piece;
            byte kind = p.kinds[id];
            types[id] = kind == Tokenizer.BPE ? TokenType.NORMAL
                    : kind == Tokenizer.SPECIAL || looksSpecial(piece) ? TokenType.CONTROL
                    : TokenType.USER_DEFINED;
        }
        String[] merges = new String[p.lefts.length];
        for (int i = 0; i < merges.length; i++) {
            merges[i] = spaceless(p.lefts[i]) + " " + spaceless(p.rights[i]);
        }
        return new TokenizerVocabulary(List.of(tokens), types, List.of(merges), p.bos, p.eos);
    }

    /** convert_hf_to_gguf.py's {@code does_token_look_special}, for the texts Llama 3 could have. */
    private static boolean looksSpecial(String text) {
        return text.startsWith("<|") && text.endsWith("|>");
    }

    private static String spaceless(String part) {
        return part.replace(' ', '\u0120');
    }

    private static Path fileOf(Path path) {
        Path file = Files.isDirectory(path) ? path.resolve(FILE_NAME) : path;
        if (!Files.isRegularFile(file)) {
            throw new ModelFormatException("tokenizer file not found: " + file
                    + (Files.isDirectory(path) ? " (the folder has no " + FILE_NAME + ")" : ""));
        }
        return file;
    }

    /**
     * The chat template of a Hugging Face folder as gguf-py picks it: {@code tokenizer_config.json}'s
     * {@code chat_template} (a string, or the entry named {@code default} of a list), else
     * {@code chat_template.jinja}.
     */
    static Optional<String> readChatTemplate(Path dir) {
        Path configFile = dir.resolve(CONFIG_NAME);
        if (Files.isRegularFile(configFile)) {
            Object t = readObject(configFile).get("chat_template");
            if (t instanceof String s) {
                return Optional.of(s);
            }
            if (t instanceof List<?> list) {
                for (Object o : list) {
                    if (o instanceof Map<?, ?> m && "default".equals(m.get("name")) && m.get("template") instanceof String s) {
                        return Optional.of(s);
                    }
                }
            }
        }
        Path jinja = dir.resolve("chat_template.jinja");
        if (Files.isRegularFile(jinja)) {
            try {
                return Optional.of(Files.readString(jinja));
            } catch (IOException e) {
                throw new ModelFormatException("cannot read " + jinja + ": " + e, e);
            }
        }
        return Optional.empty();
    }

    /** What {@code tokenizer.json} (and {@code tokenizer_config.json}) say, checked, before building. */
    private record Parsed(String[] pieces, byte[] kinds, Map<String, Integer> vocab, String[] lefts, String[] rights,
            boolean ignoreMerges, int bos, int eos) {}

    private static Parsed parse(Path file) {
        Map<String, Object> root = readObject(file);
        try {
            return fromJson(file, root);
        } catch (JsonException e) {
            throw new ModelFormatException(file + ": " + e.getMessage(), e);
        }
    }

    private static Map<String, Object> readObject(Path file) {
        try {
            return Json.asObject(Json.parseFile(file), "the top level");
        } catch (UncheckedIOException e) {
            throw new ModelFormatException("cannot read " + file + ": " + e.getCause(), e);
        } catch (JsonException e) {
            String msg = e.getMessage();
            throw new ModelFormatException((msg.startsWith(file.toString()) ? "" : file + ": ") + msg
                    + " (not a valid JSON file)", e);
        }
    }

    private static Parsed fromJson(Path file, Map<String, Object> root) {
        Map<String, Object> model = Json.asObject(required(file, root, "model", "model"), "model");
        Object type = model.get("type");
        if (type != null && !"BPE".equals(type)) {
            throw new UnsupportedModelException(file + ": model.type is " + Json.describe(type)
                    + "; only byte-level BPE tokenizers (Llama 3) are supported");
        }
        if (Boolean.TRUE.equals(model.get("byte_fallback"))) {
            throw new UnsupportedModelException(file + ": model.byte_fallback is true (a SentencePiece-style"
                    + " tokenizer such as Llama 2's); only Llama 3's byte-level BPE is supported");
        }
        for (String key : new String[] {"continuing_subword_prefix", "end_of_word_suffix"}) {
            Object v = model.get(key);
            if (v != null && !"".equals(v)) {
                throw new UnsupportedModelException(file + ": model." + key + " is " + Json.describe(v)
                        + "; only Llama 3's byte-level BPE (no subword prefixes or suffixes) is supported");
            }
        }
        if (root.get("normalizer") != null) {
            throw new UnsupportedModelException(file + ": the tokenizer has a normalizer, which Llama 3's does not"
                    + "; only Llama 3's byte-level BPE is supported");
        }
        checkPreTokenizer(file, root.get("pre_tokenizer"));
        Object decoder = root.get("decoder");
        if (decoder != null) {
            Object decoderType = Json.asObject(decoder, "decoder").get("type");
            if (!"ByteLevel".equals(decoderType)) {
                throw new UnsupportedModelException(file + ": decoder.type is " + Json.describe(decoderType)
                        + ", expected \"ByteLevel\"");
            }
        }

        Map<String, Object> vocabJson = Json.asObject(required(file, model, "vocab", "model.vocab"), "model.vocab");
        Map<String, Integer> vocab = new HashMap<>(vocabJson.size() * 2);
        int size = 0;
        for (Map.Entry<String, Object> e : vocabJson.entrySet()) {
            int id = Json.asInt(e.getValue(), "model.vocab[" + quote(e.getKey()) + "]");
            if (id < 0) {
                throw new ModelFormatException(file + ": model.vocab[" + quote(e.getKey()) + "] has the negative id " + id);
            }
            vocab.put(e.getKey(), id);
            size = Math.max(size, id + 1);
        }

        List<Object> addedJson = root.get("added_tokens") == null ? List.of()
                : Json.asArray(root.get("added_tokens"), "added_tokens");
        int[] addedIds = new int[addedJson.size()];
        String[] addedTexts = new String[addedJson.size()];
        boolean[] addedSpecial = new boolean[addedJson.size()];
        for (int i = 0; i < addedIds.length; i++) {
            String what = "added_tokens[" + i + "]";
            Map<String, Object> t = Json.asObject(addedJson.get(i), what);
            addedIds[i] = Json.asInt(required(file, t, "id", what + ".id"), what + ".id");
            addedTexts[i] = Json.asString(required(file, t, "content", what + ".content"), what + ".content");
            addedSpecial[i] = t.get("special") != null && Json.asBoolean(t.get("special"), what + ".special");
            if (addedIds[i] < 0) {
                throw new ModelFormatException(file + ": " + what + ".id is negative (" + addedIds[i] + ")");
            }
            size = Math.max(size, addedIds[i] + 1);
        }

        String[] pieces = new String[size];
        byte[] kinds = new byte[size];
        for (Map.Entry<String, Integer> e : vocab.entrySet()) {
            pieces[e.getValue()] = e.getKey();
        }
        for (int i = 0; i < addedIds.length; i++) {
            pieces[addedIds[i]] = addedTexts[i];
            kinds[addedIds[i]] = Tokenizer.kindOf(true, addedSpecial[i]);
        }

        List<Object> mergesJson = Json.asArray(required(file, model, "merges", "model.merges"), "model.merges");
        String[] lefts = new String[mergesJson.size()];
        String[] rights = new String[mergesJson.size()];
        for (int i = 0; i < lefts.length; i++) {
            Object m = mergesJson.get(i);
            // Older files write a merge as "left right", newer ones as ["left", "right"].
            if (m instanceof String s) {
                int space = s.indexOf(' ');
                if (space < 0 || s.indexOf(' ', space + 1) >= 0) {
                    throw new ModelFormatException(file + ": model.merges[" + i + "] is " + quote(s)
                            + ", expected two tokens separated by one space");
                }
                lefts[i] = s.substring(0, space);
                rights[i] = s.substring(space + 1);
            } else if (m instanceof List<?> pair && pair.size() == 2) {
                lefts[i] = Json.asString(pair.get(0), "model.merges[" + i + "][0]");
                rights[i] = Json.asString(pair.get(1), "model.merges[" + i + "][1]");
            } else {
                throw new ModelFormatException(file + ": model.merges[" + i + "] is " + Json.describe(m)
                        + ", expected \"left right\" or [\"left\", \"right\"]");
            }
        }
        boolean ignoreMerges = model.get("ignore_merges") != null
                && Json.asBoolean(model.get("ignore_merges"), "model.ignore_merges");

        int bos = -1;
        int eos = -1;
        Path configFile = file.resolveSibling(CONFIG_NAME);
        if (Files.isRegularFile(configFile)) {
            Map<String, Object> config = readObject(configFile);
            try {
                bos = configToken(configFile, config, "bos_token", pieces, vocab);
                eos = configToken(configFile, config, "eos_token", pieces, vocab);
            } catch (JsonException e) {
                throw new ModelFormatException(configFile + ": " + e.getMessage(), e);
            }
        } else {
            bos = indexOf(pieces, "<|begin_of_text|>");
            eos = indexOf(pieces, "<|end_of_text|>");
        }
        return new Parsed(pieces, kinds, vocab, lefts, rights, ignoreMerges, bos, eos);
    }

    /** Requires {@code Sequence[Split(Llama 3 regex, Isolated), ByteLevel(no prefix space, no regex)]}. */
    private static void checkPreTokenizer(Path file, Object preTokenizer) {
        String problem = null;
        if (preTokenizer == null) {
            problem = "is missing";
        } else {
            Map<String, Object> seq = Json.asObject(preTokenizer, "pre_tokenizer");
            List<Object> steps = "Sequence".equals(seq.get("type")) && seq.get("pretokenizers") instanceof List<?>
                    ? Json.asArray(seq.get("pretokenizers"), "pre_tokenizer.pretokenizers") : null;
            if (steps == null || steps.size() != 2 || !(steps.get(0) instanceof Map<?, ?>)
                    || !(steps.get(1) instanceof Map<?, ?>)) {
                problem = "is not a Sequence of Split and ByteLevel";
            } else {
                Map<String, Object> split = Json.asObject(steps.get(0), "pre_tokenizer.pretokenizers[0]");
                Map<String, Object> byteLevel = Json.asObject(steps.get(1), "pre_tokenizer.pretokenizers[1]");
                Object pattern = split.get("pattern") instanceof Map<?, ?> p ? p.get("Regex") : null;
                if (!"Split".equals(split.get("type")) || !"Isolated".equals(split.get("behavior"))
                        || Boolean.TRUE.equals(split.get("invert"))) {
                    problem = "does not start with an isolating Split";
                } else if (!PreTokenizer.LLAMA3_PATTERN.equals(pattern)) {
                    problem = "splits on the regex " + Json.describe(pattern) + ", not Llama 3's";
                } else if (!"ByteLevel".equals(byteLevel.get("type"))
                        || Boolean.TRUE.equals(byteLevel.get("add_prefix_space"))
                        || !Objects.equals(Boolean.FALSE, byteLevel.get("use_regex"))) {
                    problem = "has a ByteLevel step with add_prefix_space or use_regex, unlike Llama 3's";
                }
            }
        }
        if (problem != null) {
            throw new UnsupportedModelException(file + ": pre_tokenizer " + problem
                    + "; only Llama 3's pre-tokenizer is supported");
        }
    }

    /** The id of {@code bos_token}/{@code eos_token} (a string or {"content": ...}), or -1 if not set. */
    private static int configToken(Path configFile, Map<String, Object> config, String key, String[] pieces,
            Map<String, Integer> vocab) {
        Object v = config.get(key);
        if (v == null) {
            return -1;
        }
        String text = v instanceof Map<?, ?> m ? Json.asString(m.get("content"), key + ".content")
                : Json.asString(v, key);
        int id = indexOf(pieces, text);
        if (id < 0) {
            throw new ModelFormatException(configFile + ": " + key + " " + quote(text)
                    + " is not a token of the tokenizer");
        }
        return id;
    }

    private static int indexOf(String[] pieces, String text) {
        // Added tokens sit at the end, so search from there.
        for (int id = pieces.length - 1; id >= 0; id--) {
            if (text.equals(pieces[id])) {
                return id;
            }
        }
        return -1;
    }

    private static Object required(Path file, Map<String, Object> obj, String key, String path) {
        Object v = obj.get(key);
        if (v == null) {
            throw new ModelFormatException(file + ": " + path + " is missing");
        }
        return v;
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder();
        Json.quote(sb, s);
        return sb.toString();
    }
}
