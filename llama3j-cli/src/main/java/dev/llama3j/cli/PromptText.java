package dev.llama3j.cli;

import dev.llama3j.Llama;

/** Raw prompt text to ids the way llama.cpp's {@code -p} does: special tokens parsed, one BOS. */
final class PromptText {
    private PromptText() {}

    static int[] encode(Llama llama, String text) {
        int[] ids = llama.tokenizer().encode(text, true);
        var bos = llama.tokenizer().bosId();
        if (bos.isPresent() && ids.length > 0 && ids[0] == bos.getAsInt()) {
            return ids;
        }
        return llama.tokenizer().prependBos(ids);
    }
}
