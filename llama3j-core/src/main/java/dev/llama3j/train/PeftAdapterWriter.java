package dev.llama3j.train;

import dev.llama3j.json.Json;
import dev.llama3j.lora.LoraAdapter;
import dev.llama3j.lora.LoraConfig;
import dev.llama3j.model.Projection;
import dev.llama3j.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Saves a trained LoRA as PEFT's {@code save_pretrained} does: {@code adapter_config.json} (every key
 * PEFT 0.21 writes, sorted, two-space indent) and {@code adapter_model.safetensors} with fp32
 * {@code base_model.model.model.layers.N.<self_attn|mlp>.<module>.lora_<A|B>.weight} tensors
 * ({@code A} is {@code [r, in]}, {@code B} is {@code [out, r]}, Hugging Face row order) and
 * {@code {"format": "pt"}} metadata. llama3j's {@link LoraAdapter} and PEFT's {@code PeftModel.from_pretrained}
 * both load it.
 */
public final class PeftAdapterWriter {
    private PeftAdapterWriter() {}

    /**
     * What the config says about the adapter.
     *
     * @param rank {@code r}
     * @param alpha {@code lora_alpha}
     * @param dropout {@code lora_dropout}
     * @param targets {@code target_modules}
     * @param baseModel {@code base_model_name_or_path}: the base model's path or name
     */
    public record Settings(int rank, double alpha, double dropout, Set<Projection> targets, String baseModel) {
        /**
         * The settings of a trained {@code spec}. Its float alpha and dropout are written as the decimals
         * they were given as (0.05, not the float's 0.05000000074505806), as PEFT's Python floats are.
         */
        public static Settings of(LoraTrainingSpec spec, String baseModel) {
            return new Settings(spec.rank(), Double.parseDouble(Float.toString(spec.alpha())),
                    Double.parseDouble(Float.toString(spec.dropout())), spec.targets(), baseModel);
        }
    }

    /** Writes both files into {@code dir} (created if needed), each moved into place when complete. */
    public static void write(Path dir, Settings s, List<SafetensorsWriter.Tensor> tensors) {
        try {
            Files.createDirectories(dir);
            Path config = dir.resolve(LoraConfig.FILE);
            Path tmp = dir.resolve(LoraConfig.FILE + ".tmp");
            Files.writeString(tmp, Json.write(config(s), 2, true), StandardCharsets.UTF_8);
            Files.move(tmp, config, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot write the adapter: " + e.getMessage(), e);
        }
        SafetensorsWriter.write(dir.resolve(LoraAdapter.WEIGHTS_FILE), tensors, Map.of("format", "pt"));
    }

    /** The config as PEFT 0.21 writes a plain LoRA's: options llama3j does not use at their defaults. */
    static Map<String, Object> config(Settings s) {
        Map<String, Object> c = new TreeMap<>();
        for (String key : List.of("alora_invocation_tokens", "arrow_config", "auto_mapping", "corda_config",
                "eva_config", "exclude_modules", "kasa_config", "layer_replication", "layers_pattern",
                "layers_to_transform", "megatron_config", "modules_to_save", "monteclora_config", "revision",
                "target_parameters", "trainable_token_indices", "use_bdlora", "velora_config", "lora_ga_config")) {
            c.put(key, null);
        }
        c.put("alpha_pattern", new LinkedHashMap<>());
        c.put("rank_pattern", new LinkedHashMap<>());
        c.put("loftq_config", new LinkedHashMap<>());
        c.put("base_model_name_or_path", s.baseModel());
        c.put("bias", "none");
        c.put("ensure_weight_tying", false);
        c.put("fan_in_fan_out", false);
        c.put("inference_mode", true);
        c.put("init_lora_weights", true);
        c.put("lora_alpha", s.alpha() == Math.rint(s.alpha()) ? (Object) (long) s.alpha() : (Object) s.alpha());
        c.put("lora_bias", false);
        c.put("lora_dropout", s.dropout());
        c.put("megatron_core", "megatron.core");
        c.put("peft_type", "LORA");
        c.put("peft_version", "0.21.0");
        c.put("qalora_group_size", 16);
        c.put("r", s.rank());
        List<Object> targets = new ArrayList<>();
        for (Projection p : Projection.values()) {
            if (s.targets().contains(p)) {
                targets.add(p.module());
            }
        }
        c.put("target_modules", targets);
        c.put("task_type", "CAUSAL_LM");
        c.put("use_dora", false);
        c.put("use_qalora", false);
        c.put("use_rslora", false);
        return c;
    }

    /** PEFT's name of the A or B weight of {@code p} in {@code layer}. */
    public static String tensorName(int layer, Projection p, boolean a) {
        return "base_model.model.model.layers." + layer + "." + p.path() + ".lora_" + (a ? "A" : "B") + ".weight";
    }
}
