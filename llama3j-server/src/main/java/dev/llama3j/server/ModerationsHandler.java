package dev.llama3j.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llama3j.chat.Message;
import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.guard.GuardCategory;
import dev.llama3j.guard.GuardPolicy;
import dev.llama3j.guard.GuardVerdict;
import dev.llama3j.guard.LlamaGuard;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code POST /v1/moderations} in OpenAI's shape, answered by the server's Llama Guard model.
 *
 * <p>{@code input} is a string (judged as one user message), an array of strings (one result each),
 * or a conversation: an array of {@code {role, content}} messages alternating user and assistant,
 * whose last message is judged (one result). Each result has {@code flagged} (anything but an explicit
 * {@code safe}, so an unreadable answer is flagged), {@code categories} (each category code of the
 * guard policy: true when the model named it), {@code category_scores} (P(unsafe) for the named
 * categories, 0 for the others: Llama Guard gives one probability, not one per category), and, beyond
 * OpenAI's fields, {@code unsafe_probability} and {@code category_names}.
 */
final class ModerationsHandler {
    private final ServerContext ctx;

    ModerationsHandler(ServerContext ctx) {
        this.ctx = ctx;
    }

    ObjectNode handle(ObjectNode body) {
        LlamaGuard guard = ctx.guard;
        if (guard == null) {
            throw new OpenAiError(404, "invalid_request_error",
                    "This server has no guard model: start it with --guard GUARD to serve /v1/moderations", null,
                    "model_not_found");
        }
        Params p = new Params(body);
        JsonNode input = body.get("input");
        if (input == null || input.isNull()) {
            throw OpenAiError.missing("input");
        }
        List<List<Message>> conversations = new ArrayList<>();
        if (input.isTextual()) {
            conversations.add(List.of(Message.user(input.asText())));
        } else if (input.isArray() && !input.isEmpty() && allText(input)) {
            for (JsonNode s : input) {
                conversations.add(List.of(Message.user(s.asText())));
            }
        } else if (input.isArray() && !input.isEmpty() && allObjects(input)) {
            ArrayNode arr = (ArrayNode) input;
            List<Message> conversation = new ArrayList<>();
            for (int i = 0; i < arr.size(); i++) {
                try {
                    conversation.add(ChatRequestReader.message(p.element(arr, "input", i)));
                } catch (InvalidRequestException e) {
                    throw OpenAiError.invalid(e.getMessage(), "input[" + i + "]");
                }
            }
            conversations.add(conversation);
        } else {
            throw OpenAiError.invalid("'input' must be a string, a non-empty array of strings, or a conversation "
                    + "(a non-empty array of {role, content} messages)", "input");
        }
        GuardPolicy names = GuardPolicy.llamaGuard3();
        ObjectNode root = JsonSupport.MAPPER.createObjectNode();
        root.put("id", "modr-" + Ids.random());
        root.put("model", ctx.guardName);
        ArrayNode results = root.putArray("results");
        for (List<Message> conversation : conversations) {
            GuardVerdict v;
            try {
                v = guard.classify(conversation);
            } catch (InvalidRequestException e) {
                throw OpenAiError.invalid(e.getMessage(), "input");
            }
            results.add(result(v, names));
        }
        return root;
    }

    private static ObjectNode result(GuardVerdict v, GuardPolicy policy) {
        ObjectNode r = JsonSupport.MAPPER.createObjectNode();
        r.put("flagged", !v.safe());
        ObjectNode cats = r.putObject("categories");
        ObjectNode scores = r.putObject("category_scores");
        ObjectNode names = JsonSupport.MAPPER.createObjectNode();
        double p = Double.isNaN(v.unsafeProbability()) ? (v.safe() ? 0 : 1) : v.unsafeProbability();
        for (GuardCategory c : policy.categories()) {
            boolean named = v.categories().contains(c);
            cats.put(c.code(), named);
            scores.put(c.code(), named ? p : 0.0);
            names.put(c.code(), c.name());
        }
        if (Double.isNaN(v.unsafeProbability())) {
            r.putNull("unsafe_probability");
        } else {
            r.put("unsafe_probability", v.unsafeProbability());
        }
        r.set("category_names", names);
        if (v.kind() == GuardVerdict.Kind.UNPARSEABLE) {
            r.put("unparseable_output", v.rawOutput());
        }
        return r;
    }

    private static boolean allText(JsonNode arr) {
        for (JsonNode n : arr) {
            if (!n.isTextual()) {
                return false;
            }
        }
        return true;
    }

    private static boolean allObjects(JsonNode arr) {
        for (JsonNode n : arr) {
            if (!n.isObject()) {
                return false;
            }
        }
        return true;
    }
}
