package dev.llama3j.lora;

import dev.llama3j.error.ModelFormatException;
import dev.llama3j.error.UnsupportedModelException;
import dev.llama3j.model.LlamaConfig;
import dev.llama3j.model.Projection;
import dev.llama3j.safetensors.SafetensorsFile;
import dev.llama3j.safetensors.SafetensorsTensor;
import dev.llama3j.tensor.GgmlType;
import dev.llama3j.tensor.WeightMatrix;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PEFT LoRA adapter loaded for a model of a given shape: {@code adapter_config.json} checked
 * ({@link LoraConfig}) and every {@code lora_A}/{@code lora_B} pair of {@code adapter_model.safetensors}
 * read as fp32 and checked against the model. Pairs are in Hugging Face row order.
 */
public final class LoraAdapter {
    public static final String WEIGHTS_FILE = "adapter_model.safetensors";

    /** {@code base_model.model.model.layers.N.<self_attn|mlp>.<module>.lora_<A|B>.weight}. */
    private static final Pattern NAME = Pattern.compile(
            "base_model\\.model\\.model\\.layers\\.(\\d+)\\.([A-Za-z_]+)\\.([A-Za-z0-9_]+)\\.lora_([AB])\\.weight");

    private final String name;
    private final Path dir;
    private final LoraConfig config;
    private final LowRank[][] pairs; // [layer][projection ordinal], null where not adapted

    private LoraAdapter(String name, Path dir, LoraConfig config, LowRank[][] pairs) {
        this.name = name;
        this.dir = dir;
        this.config = config;
        this.pairs = pairs;
    }

    /**
     * Loads the adapter in {@code dir} for a model of shape {@code model}. Errors name the file and the
     * option or tensor: an unsupported option, a tensor that is missing, unexpected or of the wrong shape.
     */
    public static LoraAdapter load(String name, Path dir, LlamaConfig model) {
        if (!Files.isDirectory(dir)) {
            throw new ModelFormatException(dir + ": not a LoRA adapter folder (expected " + LoraConfig.FILE
                    + " and " + WEIGHTS_FILE + " in a folder)");
        }
        LoraConfig config = LoraConfig.read(dir);
        Path file = dir.resolve(WEIGHTS_FILE);
        if (!Files.isRegularFile(file)) {
            String hint = Files.exists(dir.resolve("adapter_model.bin"))
                    ? " (adapter_model.bin is a pickle, which llama3j does not read; save with safe_serialization=True)"
                    : "";
            throw new ModelFormatException(file + ": file not found" + hint);
        }
        try (Arena arena = Arena.ofConfined()) {
            SafetensorsFile st = SafetensorsFile.open(file, arena);
            return new LoraAdapter(name, dir, config, readPairs(file, st.tensors(), config, model));
        }
    }

    private static LowRank[][] readPairs(Path file, Map<String, SafetensorsTensor> tensors, LoraConfig config,
            LlamaConfig model) {
        int layers = model.numLayers();
        int nProj = Projection.values().length;
        SafetensorsTensor[][] as = new SafetensorsTensor[layers][nProj];
        SafetensorsTensor[][] bs = new SafetensorsTensor[layers][nProj];
        String where = file.toString();
        for (SafetensorsTensor t : tensors.values()) {
            String n = t.name();
            Matcher m = NAME.matcher(n);
            if (!m.matches()) {
                throw new UnsupportedModelException(where + ": tensor '" + n + "' " + whatIsIt(n));
            }
            int layer = Integer.parseInt(m.group(1));
            Projection p = Projection.ofModule(m.group(3));
            if (p == null || !p.path().equals(m.group(2) + "." + m.group(3))) {
                throw new UnsupportedModelException(where + ": tensor '" + n + "' adapts module '" + m.group(2) + "."
                        + m.group(3) + "', which is not in the model; llama3j adapts " + LoraConfig.moduleList());
            }
            if (layer >= layers) {
                throw new ModelFormatException(where + ": tensor '" + n + "' is for layer " + layer
                        + " but the model has " + layers + " layers (0.." + (layers - 1) + ")");
            }
            if (!config.targets(layer, p)) {
                throw new ModelFormatException(where + ": tensor '" + n + "' adapts " + p.module()
                        + " of layer " + layer + ", which target_modules in " + LoraConfig.FILE + " does not name");
            }
            (m.group(4).equals("A") ? as : bs)[layer][p.ordinal()] = t;
        }
        LowRank[][] pairs = new LowRank[layers][nProj];
        int count = 0;
        for (int l = 0; l < layers; l++) {
            for (Projection p : Projection.values()) {
                if (!config.targets(l, p)) {
                    continue;
                }
                SafetensorsTensor a = as[l][p.ordinal()];
                SafetensorsTensor b = bs[l][p.ordinal()];
                if (a == null || b == null) {
                    throw new ModelFormatException(where + ": tensor '" + tensorName(l, p, a == null ? "A" : "B")
                            + "' is missing (target_modules names " + p.module() + ")");
                }
                int in = p.in(model);
                int out = p.out(model);
                float[] af = read(where, a, config.rank(), in, "[r, in] with r = " + config.rank() + " (" + LoraConfig.FILE
                        + ") and the model's " + p.module() + " input size " + in);
                float[] bf = read(where, b, out, config.rank(), "[out, r] with the model's " + p.module()
                        + " output size " + out + " and r = " + config.rank());
                pairs[l][p.ordinal()] = new LowRank(af, bf, config.rank(), in, out);
                count++;
            }
        }
        if (count == 0) {
            throw new ModelFormatException(where + ": target_modules in " + LoraConfig.FILE
                    + " names none of the model's projections (" + LoraConfig.moduleList() + ")");
        }
        return pairs;
    }

    private static String tensorName(int layer, Projection p, String ab) {
        return "base_model.model.model.layers." + layer + "." + p.path() + ".lora_" + ab + ".weight";
    }

    /** Why a tensor that is not a LoRA pair of a projection cannot be applied. */
    private static String whatIsIt(String n) {
        if (n.contains("lora_magnitude_vector")) {
            return "is a DoRA magnitude vector; DoRA is not supported";
        }
        if (n.contains("lora_embedding_")) {
            return "adapts an embedding; llama3j applies LoRA to the attention and MLP projections only";
        }
        if (n.contains(".lora_A.") || n.contains(".lora_B.")) {
            return "is not a LoRA weight of a model layer's projection (expected base_model.model.model.layers.N."
                    + "<self_attn|mlp>.<module>.lora_<A|B>.weight)";
        }
        return "is not a LoRA A/B weight (a module saved whole, modules_to_save, or another PEFT method),"
                + " which llama3j does not apply";
    }

    private static float[] read(String where, SafetensorsTensor t, int rows, int cols, String expected) {
        long[] shape = t.shape();
        if (shape.length != 2 || shape[0] != rows || shape[1] != cols) {
            throw new ModelFormatException(where + ": tensor '" + t.name() + "' has shape " + Arrays.toString(shape)
                    + " but should be [" + rows + ", " + cols + "]: " + expected);
        }
        if (t.type() != GgmlType.F32 && t.type() != GgmlType.F16 && t.type() != GgmlType.BF16) {
            throw new ModelFormatException(where + ": tensor '" + t.name() + "' has dtype " + t.dtype()
                    + "; LoRA weights are F32, F16 or BF16");
        }
        float[] out = new float[rows * cols];
        WeightMatrix m = WeightMatrix.of(t.name(), t.type(), rows, cols, t.data());
        for (int r = 0; r < rows; r++) {
            m.dequantizeRow(r, out, r * cols);
        }
        for (float v : out) {
            if (!Float.isFinite(v)) {
                throw new ModelFormatException(where + ": tensor '" + t.name() + "' holds " + v);
            }
        }
        return out;
    }

    public String name() {
        return name;
    }

    public Path dir() {
        return dir;
    }

    public LoraConfig config() {
        return config;
    }

    /** {@code alpha/r} (or {@code alpha/sqrt(r)}). */
    public float scale() {
        return (float) config.scale();
    }

    /** The pair of {@code projection} in {@code layer}, or null where the adapter leaves it. */
    public LowRank pair(int layer, Projection projection) {
        return pairs[layer][projection.ordinal()];
    }

    /** Layers the adapter was loaded for. */
    public int layers() {
        return pairs.length;
    }

    /**
     * Adds row {@code row} (Hugging Face order) of {@code scale · B·A} to {@code out[off .. off+in)}, which
     * holds that row of the base weight; nothing when the adapter leaves the projection.
     */
    public void addToRow(int layer, Projection projection, int row, float[] out, int off) {
        LowRank p = pair(layer, projection);
        if (p != null) {
            p.addToRow(row, scale(), out, off);
        }
    }

    @Override
    public String toString() {
        return name + " (" + dir + ", r=" + config.rank() + ", scale " + config.scale() + ")";
    }
}
