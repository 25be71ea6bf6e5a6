package dev.llama3j.server;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** The {@code usage} object: token counts of one request. */
final class Usage {
    private Usage() {}

    /**
     * @param prompt prompt tokens, each prompt counted once whatever {@code n}
     * @param completion generated tokens over all choices, the stop token included
     * @param cached prompt tokens reused from the KV cache
     */
    static ObjectNode json(int prompt, int completion, int cached) {
        ObjectNode u = JsonSupport.MAPPER.createObjectNode();
        u.put("prompt_tokens", prompt);
        u.put("completion_tokens", completion);
        u.put("total_tokens", prompt + completion);
        u.putObject("prompt_tokens_details").put("cached_tokens", cached);
        return u;
    }
}
