package dev.llama3j.server;

import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.Llama;
import java.util.List;

/**
 * The model behind the server and the names clients may ask for: the served name, {@code base} and
 * the LoRA adapters it was loaded with ({@link Llama#adapters()}). A request without {@code model}
 * gets the served model.
 */
final class ServedModel {
    final Llama llama;
    final String name;
    final long created;
    final List<String> adapters;

    ServedModel(Llama llama, String name) {
        this.llama = llama;
        this.name = name;
        this.created = System.currentTimeMillis() / 1000;
        this.adapters = llama.adapters();
        for (String a : adapters) {
            if (a.equals(name) || a.equals("base")) {
                throw new InvalidRequestException("the LoRA adapter '" + a + "' would be unreachable: '" + a
                        + "' names the base model here; name the adapter otherwise (NAME=DIR)", "lora");
            }
        }
    }

    /** The ids {@code /v1/models} lists. */
    List<String> ids() {
        return java.util.stream.Stream.concat(java.util.stream.Stream.of(name), adapters.stream()).toList();
    }

    /**
     * The adapter a request's {@code model} field routes to: null for the base model.
     *
     * @throws OpenAiError 404 for a name not served here
     */
    String adapterFor(String model) {
        if (model == null || model.equals(name) || model.equals("base")) {
            return null;
        }
        if (adapters.contains(model)) {
            return model;
        }
        throw OpenAiError.modelNotFound(model);
    }

    int contextSize() {
        return llama.engine().options().contextSize();
    }
}
