package dev.llama3j.datagen;

import dev.llama3j.Llama;
import dev.llama3j.LlamaOptions;
import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.lora.LoraMode;
import dev.llama3j.lora.LoraOptions;
import dev.llama3j.lora.LoraSpec;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The models a run's specs name, each loaded once: specs on the same model file or folder share one
 * {@link Llama} and so one engine (two generators with different sampling and the judge on one model
 * batch together), with every adapter those specs name loaded unmerged and chosen per request.
 * Endpoint specs share one HTTP client.
 */
public final class ModelPool implements AutoCloseable {
    private final Map<Path, Llama> models = new LinkedHashMap<>();
    private final Map<Path, Map<Path, String>> adapterNames = new HashMap<>();
    private HttpClient http;

    private ModelPool() {}

    /**
     * Loads every local model the specs name (once per path).
     *
     * @param specs each with the flag it came from, for error messages
     * @param options threads, context, parallel sequences… for every local model
     * @throws InvalidRequestException naming the flag, spec and part when a model or adapter path is missing
     */
    public static ModelPool open(Map<ModelSpec, String> specs, LlamaOptions options) {
        Map<Path, List<Path>> adapters = new LinkedHashMap<>();
        for (Map.Entry<ModelSpec, String> e : specs.entrySet()) {
            ModelSpec spec = e.getKey();
            if (spec.isEndpoint()) {
                continue;
            }
            String where = e.getValue() + " '" + spec.text() + "': ";
            if (!Files.exists(spec.model())) {
                throw new InvalidRequestException(where + "model '" + spec.model() + "' does not exist", "model");
            }
            List<Path> list = adapters.computeIfAbsent(key(spec.model()), k -> new ArrayList<>());
            if (spec.adapter() != null) {
                if (!Files.isRegularFile(spec.adapter().resolve("adapter_config.json"))) {
                    throw new InvalidRequestException(where + "adapter '" + spec.adapter()
                            + "' is not a PEFT adapter folder (no adapter_config.json)", "adapter");
                }
                if (!list.contains(key(spec.adapter()))) {
                    list.add(key(spec.adapter()));
                }
            }
        }
        ModelPool pool = new ModelPool();
        try {
            for (Map.Entry<Path, List<Path>> e : adapters.entrySet()) {
                Map<Path, String> names = new LinkedHashMap<>();
                List<LoraSpec> loras = new ArrayList<>();
                for (Path dir : e.getValue()) {
                    String name = LoraSpec.of(dir).name();
                    while (names.containsValue(name)) {
                        name = name + "_" + names.size();
                    }
                    names.put(dir, name);
                    loras.add(new LoraSpec(name, dir));
                }
                LlamaOptions o = loras.isEmpty() ? options
                        : options.withLora(new LoraOptions(loras, LoraMode.UNMERGED));
                pool.adapterNames.put(e.getKey(), names);
                pool.models.put(e.getKey(), Llama.load(e.getKey(), o));
            }
        } catch (RuntimeException ex) {
            pool.close();
            throw ex;
        }
        return pool;
    }

    /** The backend for one spec, which must have been among those the pool was opened with. */
    public ChatBackend backend(ModelSpec spec) {
        if (spec.isEndpoint()) {
            synchronized (this) {
                if (http == null) {
                    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                }
            }
            return new OpenAiChatBackend(http, spec.endpoint(), spec.endpointModel(), spec.sampling(), spec.maxTokens(),
                    System.getenv("OPENAI_API_KEY"));
        }
        Path model = key(spec.model());
        Llama llama = models.get(model);
        if (llama == null) {
            throw new IllegalArgumentException("model " + spec.model() + " was not opened with this pool");
        }
        String adapter = spec.adapter() == null ? null : adapterNames.get(model).get(key(spec.adapter()));
        return new LocalChatBackend(llama, adapter, spec.sampling(), spec.maxTokens(), spec.modelName());
    }

    /** The loaded models, for memory or engine statistics. */
    public List<Llama> models() {
        return List.copyOf(models.values());
    }

    private static Path key(Path p) {
        return p.toAbsolutePath().normalize();
    }

    @Override
    public void close() {
        for (Llama l : models.values()) {
            l.close();
        }
        models.clear();
        if (http != null) {
            http.close();
        }
    }
}
