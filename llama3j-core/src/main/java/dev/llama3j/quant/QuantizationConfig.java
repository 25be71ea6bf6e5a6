package dev.llama3j.quant;

import dev.llama3j.error.ModelFormatException;
import dev.llama3j.error.UnsupportedModelException;
import dev.llama3j.json.Json;
import dev.llama3j.json.JsonException;
import dev.llama3j.tensor.Fp8Activations;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * How a quantized Hugging Face checkpoint stores its linear layers, as its config says: the
 * {@code quantization_config} of {@code config.json} (transformers' spelling for every method), the
 * older {@code compression_config} key of compressed-tensors, or AutoAWQ's legacy
 * {@code quant_config.json}. Only what llama3j can read is accepted; the rest is refused by name.
 *
 * @param origin where the settings were read, for errors ({@code ".../config.json: quantization_config"})
 * @param method the storage layout of the quantized layers
 * @param groupSize input columns per scale (and zero); 0 means one group per row (a whole input row)
 * @param zerosMinusOne GPTQ before {@code gptq_v2}: each stored zero is the true zero minus one
 * @param activations what FP8 layers do with their inputs (null for the INT4 methods); for static
 *     activations a placeholder scale of 1, which each layer's stored {@code input_scale} replaces
 * @param excluded module names (or substrings, or {@code re:} patterns) the method leaves unquantized
 * @param substringExclusion whether {@code excluded} entries match as substrings (transformers' rule for
 *     {@code modules_to_not_convert}) rather than whole names
 */
public record QuantizationConfig(String origin, Method method, int groupSize, boolean zerosMinusOne,
        Fp8Activations activations, List<String> excluded, boolean substringExclusion) {

    /** The layouts llama3j reads. */
    public enum Method {
        /** AutoAWQ GEMM: {@code qweight [in, out/8]} in nibble order 0 2 4 6 1 3 5 7, {@code qzeros}, {@code scales}. */
        AWQ("awq"),
        /** AutoGPTQ: {@code qweight [in/8, out]}, {@code qzeros [groups, out/8]}, {@code scales}, {@code g_idx}. */
        GPTQ("gptq"),
        /** compressed-tensors pack-quantized INT4: {@code weight_packed [out, in/8]} holding q + 8, {@code weight_scale}. */
        COMPRESSED_INT4("compressed-tensors pack-quantized"),
        /** compressed-tensors float-quantized: F8_E4M3 {@code weight}, {@code weight_scale}, maybe {@code input_scale}. */
        COMPRESSED_FP8("compressed-tensors float-quantized"),
        /** transformers fbgemm_fp8 (Meta's FP8 405B): F8_E4M3 {@code weight}, {@code weight_scale [out, 1]}. */
        FBGEMM_FP8("fbgemm_fp8");

        public final String label;

        Method(String label) {
            this.label = label;
        }

        public boolean isFp8() {
            return this == COMPRESSED_FP8 || this == FBGEMM_FP8;
        }
    }

    private static final String CONFIG_FILE = "config.json";

    /** AutoAWQ's file beside config.json in checkpoints it wrote before transformers knew AWQ. */
    public static final String LEGACY_AWQ_FILE = "quant_config.json";

    /** Whether {@code dir} is a folder whose config names a quantization method (supported or not). */
    public static boolean declared(Path dir) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        if (Files.isRegularFile(dir.resolve(LEGACY_AWQ_FILE))) {
            return true;
        }
        Path config = dir.resolve(CONFIG_FILE);
        if (!Files.isRegularFile(config)) {
            return false;
        }
        try {
            Map<String, Object> c = Json.asObject(Json.parseFile(config), config.toString());
            return c.get("quantization_config") != null || c.get("compression_config") != null;
        } catch (JsonException e) {
            return false; // the plain folder format reports the broken config.json
        }
    }

    /** Reads the quantization settings of the folder {@code dir}; errors name the file and the field. */
    public static QuantizationConfig read(Path dir) {
        Path config = dir.resolve(CONFIG_FILE);
        try {
            Map<String, Object> c = Files.isRegularFile(config)
                    ? Json.asObject(Json.parseFile(config), config.toString()) : Map.of();
            if (c.get("quantization_config") != null) {
                String where = config + ": quantization_config";
                return fromSection(where, Json.asObject(c.get("quantization_config"), where));
            }
            if (c.get("compression_config") != null) {
                String where = config + ": compression_config";
                Map<String, Object> q = Json.asObject(c.get("compression_config"), where);
                return compressedTensors(where, q);
            }
            Path legacy = dir.resolve(LEGACY_AWQ_FILE);
            if (Files.isRegularFile(legacy)) {
                return legacyAwq(legacy.toString(), Json.asObject(Json.parseFile(legacy), legacy.toString()));
            }
        } catch (JsonException e) {
            throw new ModelFormatException(e.getMessage());
        }
        throw new ModelFormatException(dir + ": config.json has no quantization_config");
    }

    private static QuantizationConfig fromSection(String where, Map<String, Object> q) {
        String method = Json.asString(required(q, where, "quant_method"), where + ".quant_method");
        return switch (method) {
            case "awq" -> awq(where, q);
            case "gptq" -> gptq(where, q);
            case "compressed-tensors" -> compressedTensors(where, q);
            case "fbgemm_fp8" -> new QuantizationConfig(where, Method.FBGEMM_FP8, 0, false,
                    Fp8Activations.fbgemm((float) (q.get("activation_scale_ub") == null ? 1200.0
                            : Json.asDouble(q.get("activation_scale_ub"), where + ".activation_scale_ub"))),
                    strings(q.get("modules_to_not_convert"), where + ".modules_to_not_convert"), true);
            default -> throw new UnsupportedModelException(where + ".quant_method is '" + method
                    + "'; llama3j reads awq, gptq, compressed-tensors and fbgemm_fp8");
        };
    }

    private static QuantizationConfig awq(String where, Map<String, Object> q) {
        String version = q.get("version") == null ? "gemm" : Json.asString(q.get("version"), where + ".version");
        return awqOf(where, version, q.get("bits"), ".bits", q.get("group_size"), ".group_size", q.get("zero_point"),
                strings(q.get("modules_to_not_convert"), where + ".modules_to_not_convert"));
    }

    private static QuantizationConfig legacyAwq(String where, Map<String, Object> q) {
        String version = q.get("version") == null ? "GEMM" : Json.asString(q.get("version"), where + ": version");
        return awqOf(where + ":", version, q.get("w_bit"), " w_bit", q.get("q_group_size"), " q_group_size",
                q.get("zero_point"), List.of());
    }

    private static QuantizationConfig awqOf(String where, String version, Object bits, String bitsKey, Object group,
            String groupKey, Object zeroPoint, List<String> excluded) {
        if (!version.equalsIgnoreCase("gemm")) {
            throw new UnsupportedModelException(where + (where.endsWith(":") ? " " : ".") + "version is '" + version
                    + "'; llama3j reads AWQ's GEMM layout only (GEMV, Marlin and ExLlama packings differ)");
        }
        requireBits(where + bitsKey, bits == null ? 4 : Json.asInt(bits, where + bitsKey));
        if (zeroPoint != null && !Json.asBoolean(zeroPoint, where + " zero_point")) {
            throw new UnsupportedModelException(where + " zero_point is false; AWQ GEMM checkpoints have zero points");
        }
        return new QuantizationConfig(where, Method.AWQ, groupSize(where + groupKey, group), false, null, excluded,
                true);
    }

    private static QuantizationConfig gptq(String where, Map<String, Object> q) {
        requireBits(where + ".bits", Json.asInt(required(q, where, "bits"), where + ".bits"));
        String format = q.get("checkpoint_format") == null ? "gptq"
                : Json.asString(q.get("checkpoint_format"), where + ".checkpoint_format");
        boolean minusOne = switch (format) {
            case "gptq" -> true;
            case "gptq_v2" -> false;
            default -> throw new UnsupportedModelException(where + ".checkpoint_format is '" + format
                    + "'; llama3j reads gptq and gptq_v2 (marlin, bitblas and ipex repack the words differently)");
        };
        // sym only decides how the zeros were chosen; they are stored either way, so both read alike.
        return new QuantizationConfig(where, Method.GPTQ, groupSize(where + ".group_size", q.get("group_size")),
                minusOne, null, List.of(), false);
    }

    private static QuantizationConfig compressedTensors(String where, Map<String, Object> q) {
        String format = Json.asString(required(q, where, "format"), where + ".format");
        Map<String, Object> groups = Json.asObject(required(q, where, "config_groups"), where + ".config_groups");
        if (groups.size() != 1) {
            throw new UnsupportedModelException(where + ".config_groups has " + groups.size()
                    + " groups; llama3j reads checkpoints with one scheme for all quantized layers");
        }
        String groupName = groups.keySet().iterator().next();
        String g = where + ".config_groups." + groupName;
        Map<String, Object> group = Json.asObject(groups.get(groupName), g);
        List<String> targets = strings(group.get("targets"), g + ".targets");
        if (!targets.equals(List.of("Linear"))) {
            throw new UnsupportedModelException(g + ".targets is " + targets + "; llama3j reads [\"Linear\"]");
        }
        Map<String, Object> w = Json.asObject(required(group, g, "weights"), g + ".weights");
        String type = Json.asString(required(w, g + ".weights", "type"), g + ".weights.type");
        int bits = Json.asInt(required(w, g + ".weights", "num_bits"), g + ".weights.num_bits");
        String strategy = Json.asString(required(w, g + ".weights", "strategy"), g + ".weights.strategy");
        List<String> ignore = strings(q.get("ignore"), where + ".ignore");
        Object acts = group.get("input_activations");
        if (type.equals("int")) {
            if (!format.equals("pack-quantized")) {
                throw new UnsupportedModelException(where + ".format is '" + format
                        + "' for int weights; llama3j reads pack-quantized INT4");
            }
            requireBits(g + ".weights.num_bits", bits);
            if (acts != null) {
                throw new UnsupportedModelException(g + ".input_activations is set; llama3j reads weight-only INT4");
            }
            if (w.get("actorder") != null && !(w.get("actorder") instanceof Boolean b && !b)) {
                throw new UnsupportedModelException(g + ".weights.actorder is " + Json.describe(w.get("actorder"))
                        + "; llama3j reads pack-quantized checkpoints without weight_g_idx");
            }
            int groupSize = switch (strategy) {
                case "group" -> groupSize(g + ".weights.group_size", w.get("group_size"));
                case "channel" -> 0;
                default -> throw new UnsupportedModelException(g + ".weights.strategy is '" + strategy
                        + "'; llama3j reads group and channel INT4");
            };
            return new QuantizationConfig(where, Method.COMPRESSED_INT4, groupSize, false, null, ignore, false);
        }
        if (!type.equals("float")) {
            throw new UnsupportedModelException(g + ".weights.type is '" + type + "'; llama3j reads int and float");
        }
        if (!format.equals("float-quantized") && !format.equals("naive-quantized")) {
            throw new UnsupportedModelException(where + ".format is '" + format
                    + "' for float weights; llama3j reads float-quantized FP8");
        }
        if (bits != 8) {
            throw new UnsupportedModelException(g + ".weights.num_bits is " + bits + "; float weights must be FP8 (8)");
        }
        if (!strategy.equals("tensor") && !strategy.equals("channel")) {
            throw new UnsupportedModelException(g + ".weights.strategy is '" + strategy
                    + "'; llama3j reads FP8 scales per tensor or per channel");
        }
        Fp8Activations activations;
        if (acts == null) {
            activations = Fp8Activations.none();
        } else {
            Map<String, Object> a = Json.asObject(acts, g + ".input_activations");
            boolean dynamic = a.get("dynamic") != null && Json.asBoolean(a.get("dynamic"),
                    g + ".input_activations.dynamic");
            String aType = a.get("type") == null ? "float" : Json.asString(a.get("type"), g + ".input_activations.type");
            if (!aType.equals("float")) {
                throw new UnsupportedModelException(g + ".input_activations.type is '" + aType
                        + "'; llama3j quantizes FP8 layers' inputs to FP8 (float) only");
            }
            activations = dynamic ? Fp8Activations.compressedTensorsDynamic()
                    : Fp8Activations.staticScale(1f);
        }
        return new QuantizationConfig(where, Method.COMPRESSED_FP8, 0, false, activations, ignore, false);
    }

    /** Whether the linear layer {@code module} (e.g. {@code model.layers.0.mlp.up_proj}) is quantized. */
    public boolean quantizes(String module) {
        boolean linear = module.startsWith("model.layers.") || module.equals("lm_head");
        if (!linear || ((method == Method.AWQ || method == Method.GPTQ) && module.equals("lm_head"))) {
            return false; // AutoAWQ and AutoGPTQ quantize the decoder layers only
        }
        for (String e : excluded) {
            boolean hit;
            if (e.startsWith("re:")) {
                hit = Pattern.compile(e.substring(3)).matcher(module).matches();
            } else {
                hit = substringExclusion ? module.contains(e) : module.equals(e) || module.endsWith("." + e);
            }
            if (hit) {
                return false;
            }
        }
        return true;
    }

    /** The group size for a layer with {@code cols} inputs, checked to divide it; errors name the tensor. */
    int groupFor(String file, String tensor, int cols) {
        int g = groupSize == 0 ? cols : groupSize;
        if (cols % g != 0) {
            throw new UnsupportedModelException(file + ": tensor '" + tensor + "' has " + cols
                    + " input columns, which the group size " + g + " (" + origin + ") does not divide");
        }
        return g;
    }

    private static Object required(Map<String, Object> m, String where, String key) {
        Object v = m.get(key);
        if (v == null) {
            throw new ModelFormatException(where + "." + key + " is missing");
        }
        return v;
    }

    private static void requireBits(String field, int bits) {
        if (bits != 4) {
            throw new UnsupportedModelException(field + " is " + bits + "; llama3j reads 4-bit checkpoints of this"
                    + " method only");
        }
    }

    /** A group size from the config: a positive number, or -1 (GPTQ: one group per row), stored as 0. */
    private static int groupSize(String field, Object value) {
        int g = value == null ? 128 : Json.asInt(value, field);
        if (g == -1) {
            return 0;
        }
        if (g <= 0) {
            throw new ModelFormatException(field + " is " + g + "; expected a positive group size or -1");
        }
        return g;
    }

    private static List<String> strings(Object value, String what) {
        if (value == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (Object o : Json.asArray(value, what)) {
            out.add(Json.asString(o, what));
        }
        return List.copyOf(out);
    }
}
