package dev.llama3j.lora;

import dev.llama3j.error.ModelFormatException;
import dev.llama3j.error.UnsupportedModelException;
import dev.llama3j.json.Json;
import dev.llama3j.json.JsonException;
import dev.llama3j.model.Projection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * What a PEFT {@code adapter_config.json} says about a LoRA adapter: rank, alpha, rsLoRA, and which
 * projections it adapts. Every option that would change the computation beyond {@code W + scale·B·A}
 * (DoRA, biases, per-module ranks, extra trained modules…) is refused by name, because ignoring it
 * would give wrong output without a word.
 *
 * @param rank {@code r}
 * @param alpha {@code lora_alpha}
 * @param rsLora {@code use_rslora}: scale {@code alpha/sqrt(r)} instead of {@code alpha/r}
 * @param targetLists the {@code target_modules} list mapped to projections, or null when
 *     {@code target_modules} is a regular expression
 * @param targetPattern the regular expression (Python {@code re.fullmatch} on module names such as
 *     {@code model.layers.3.self_attn.q_proj}), or null
 */
public record LoraConfig(int rank, double alpha, boolean rsLora, Set<Projection> targetLists, Pattern targetPattern) {
    public static final String FILE = "adapter_config.json";

    /**
     * Options that only matter for training, initialisation or bookkeeping. (Initialisations that
     * change the base weights are checked separately: {@code init_lora_weights}.)
     */
    private static final Set<String> IGNORED = Set.of("base_model_name_or_path", "revision", "task_type",
            "inference_mode", "lora_dropout", "peft_version", "auto_mapping", "megatron_config", "megatron_core",
            "layers_pattern", "exclude_modules", "ensure_weight_tying", "qalora_group_size", "loftq_config",
            "eva_config", "corda_config", "lora_ga_config", "runtime_config");

    /** Initialisations that leave the base weights as they are; others (PiSSA, OLoRA, LoftQ…) rewrite them. */
    private static final Set<Object> PLAIN_INIT = Set.of(Boolean.TRUE, Boolean.FALSE, "gaussian", "eva", "orthogonal");

    /** {@code alpha/r}, or {@code alpha/sqrt(r)} with rsLoRA: the factor of {@code B·A}. */
    public double scale() {
        return rsLora ? alpha / Math.sqrt(rank) : alpha / rank;
    }

    /** Whether the adapter targets {@code projection} in {@code layer} (module name {@code model.layers.N.…}). */
    public boolean targets(int layer, Projection projection) {
        if (targetLists != null) {
            return targetLists.contains(projection);
        }
        return targetPattern.matcher("model.layers." + layer + "." + projection.path()).matches();
    }

    /** Reads and checks {@code dir/adapter_config.json}; errors name the file and the option. */
    public static LoraConfig read(Path dir) {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new ModelFormatException(file + ": file not found (a PEFT adapter folder needs " + FILE
                    + " and adapter_model.safetensors)");
        }
        try {
            return parse(file, Json.asObject(Json.parseFile(file), FILE));
        } catch (JsonException e) {
            throw new ModelFormatException(file + ": " + e.getMessage());
        }
    }

    static LoraConfig parse(Path file, Map<String, Object> o) {
        Object type = o.get("peft_type");
        if (type == null) {
            throw new ModelFormatException(file + ": no peft_type (not a PEFT adapter config)");
        }
        if (!"LORA".equals(type)) {
            throw new UnsupportedModelException(file + ": peft_type " + show(type)
                    + " is not supported; llama3j applies LORA adapters");
        }
        int rank = Json.asInt(require(file, o, "r"), "r");
        if (rank < 1) {
            throw new ModelFormatException(file + ": r = " + rank + " must be at least 1");
        }
        double alpha = Json.asDouble(require(file, o, "lora_alpha"), "lora_alpha");
        boolean rsLora = o.get("use_rslora") != null && Json.asBoolean(o.get("use_rslora"), "use_rslora");
        Set<Projection> lists = null;
        Pattern pattern = null;
        Object targets = require(file, o, "target_modules");
        if (targets instanceof String s) {
            if (s.equals("all-linear")) {
                lists = EnumSet.allOf(Projection.class); // every linear layer but the output head
            } else {
                try {
                    pattern = Pattern.compile(s);
                } catch (PatternSyntaxException e) {
                    throw new UnsupportedModelException(file + ": target_modules regular expression " + show(s)
                            + " does not compile: " + e.getDescription());
                }
            }
        } else {
            lists = EnumSet.noneOf(Projection.class);
            for (Object t : Json.asArray(targets, "target_modules")) {
                String name = Json.asString(t, "target_modules entry");
                Projection p = projectionOf(name);
                if (p == null) {
                    throw new UnsupportedModelException(file + ": target module '" + name + "' is not in the model;"
                            + " llama3j adapts " + moduleList());
                }
                lists.add(p);
            }
            if (lists.isEmpty()) {
                throw new ModelFormatException(file + ": target_modules is empty");
            }
        }
        checkOptions(file, o);
        return new LoraConfig(rank, alpha, rsLora, lists, pattern);
    }

    /** {@code q_proj} or {@code self_attn.q_proj} (PEFT matches list entries as name suffixes). */
    private static Projection projectionOf(String name) {
        for (Projection p : Projection.values()) {
            if (name.equals(p.module()) || name.equals(p.path())) {
                return p;
            }
        }
        return null;
    }

    static String moduleList() {
        List<String> names = new ArrayList<>();
        for (Projection p : Projection.values()) {
            names.add(p.module());
        }
        return String.join(", ", names);
    }

    private static Object require(Path file, Map<String, Object> o, String key) {
        Object v = o.get(key);
        if (v == null) {
            throw new ModelFormatException(file + ": " + key + " is missing");
        }
        return v;
    }

    private static void checkOptions(Path file, Map<String, Object> o) {
        for (Map.Entry<String, Object> e : o.entrySet()) {
            String key = e.getKey();
            Object v = e.getValue();
            switch (key) {
                case "peft_type", "r", "lora_alpha", "use_rslora", "target_modules" -> {}
                case "use_dora" -> refuseIf(file, isSet(v), key, v, "DoRA (weight-decomposed LoRA) is not supported");
                case "modules_to_save" -> refuseIf(file, isSet(v), key, v,
                        "the adapter carries fully trained copies of other modules, which llama3j does not load");
                case "fan_in_fan_out" -> refuseIf(file, isSet(v), key, v,
                        "transposed (Conv1D-style) weights are not Llama's layout");
                case "bias" -> refuseIf(file, v != null && !"none".equals(v), key, v,
                        "the adapter trains biases, which llama3j does not load (only bias \"none\" is supported)");
                case "lora_bias" -> refuseIf(file, isSet(v), key, v, "LoRA biases are not supported");
                case "rank_pattern", "alpha_pattern" -> refuseIf(file, isSet(v), key, v,
                        "per-module ranks and alphas are not supported");
                case "layers_to_transform" -> refuseIf(file, isSet(v), key, v,
                        "adapting only some layers is not supported");
                case "init_lora_weights" -> refuseIf(file, v != null && !PLAIN_INIT.contains(v), key, v,
                        "this initialisation rewrites the base weights, so the adapter does not apply to the"
                                + " original base; convert it to a plain LoRA with PEFT's save_pretrained("
                                + "path_initial_model_for_weight_conversion=...)");
                default -> {
                    if (!IGNORED.contains(key)) {
                        // A newer PEFT option: harmless when unset, unknown in effect when set.
                        refuseIf(file, isSet(v), key, v, "llama3j does not know this option");
                    }
                }
            }
        }
    }

    /** Whether an option is on: not null, false, empty or zero-length. */
    private static boolean isSet(Object v) {
        if (v == null || Boolean.FALSE.equals(v)) {
            return false;
        }
        if (v instanceof Map<?, ?> m) {
            return !m.isEmpty();
        }
        if (v instanceof List<?> l) {
            return !l.isEmpty();
        }
        if (v instanceof String s) {
            return !s.isEmpty();
        }
        return true;
    }

    private static void refuseIf(Path file, boolean refuse, String key, Object value, String why) {
        if (refuse) {
            throw new UnsupportedModelException(file + ": " + key + " = " + show(value) + ": " + why);
        }
    }

    /** The value as compact JSON, cut short. */
    private static String show(Object value) {
        String s = Json.write(value, -1, false);
        return s.length() > 60 ? s.substring(0, 60) + "…" : s;
    }
}
