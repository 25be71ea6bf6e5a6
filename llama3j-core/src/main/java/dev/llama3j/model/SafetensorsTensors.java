package dev.llama3j.model;

import dev.llama3j.error.ModelFormatException;
import dev.llama3j.safetensors.SafetensorsCheckpoint;
import dev.llama3j.safetensors.SafetensorsTensor;
import dev.llama3j.tensor.WeightMatrix;
import java.nio.file.Path;
import java.util.Arrays;

/** Tensors of a Hugging Face safetensors checkpoint; names are already Hugging Face names. */
public final class SafetensorsTensors implements TensorSource {
    private final Path dir;
    private final SafetensorsCheckpoint checkpoint;

    public SafetensorsTensors(Path dir, SafetensorsCheckpoint checkpoint) {
        this.dir = dir;
        this.checkpoint = checkpoint;
    }

    /** The tensor called {@code name}; the error names the folder and the tensor when it is missing. */
    private SafetensorsTensor get(String name) {
        SafetensorsTensor t = checkpoint.tensors().get(name);
        if (t == null) {
            String module = name.endsWith(".weight") ? name.substring(0, name.length() - ".weight".length()) : null;
            for (String packed : new String[] {".qweight", ".weight_packed"}) {
                if (module != null && checkpoint.tensors().containsKey(module + packed)) {
                    throw new ModelFormatException(dir + ": tensor '" + name + "' is missing but '" + module + packed
                            + "' is there: the layer is quantized, yet config.json has no quantization_config");
                }
            }
            throw new ModelFormatException(dir + ": tensor '" + name + "' is missing from the checkpoint");
        }
        return t;
    }

    /** The mapped files. */
    public SafetensorsCheckpoint checkpoint() {
        return checkpoint;
    }

    private String fileOf(SafetensorsTensor t) {
        for (var f : checkpoint.files()) {
            if (f.tensors().get(t.name()) == t) {
                return f.path().getFileName().toString();
            }
        }
        return dir.toString();
    }

    @Override
    public WeightMatrix matrix(String name, int rows, int cols) {
        SafetensorsTensor t = get(name);
        long[] shape = t.shape();
        if (shape.length != 2 || shape[0] != rows || shape[1] != cols) {
            throw new ModelFormatException(fileOf(t) + ": tensor '" + name + "' has shape " + Arrays.toString(shape)
                    + " but config.json implies [" + rows + ", " + cols + "]");
        }
        if (t.type() == null) {
            throw new ModelFormatException(fileOf(t) + ": tensor '" + name + "' has dtype " + t.dtype()
                    + ", yet config.json has no quantization_config that says how to read it");
        }
        return WeightMatrix.of(name, t.type(), rows, cols, t.data());
    }

    @Override
    public float[] vector(String name, int length) {
        SafetensorsTensor t = get(name);
        long[] shape = t.shape();
        if (shape.length != 1 || shape[0] != length) {
            throw new ModelFormatException(fileOf(t) + ": tensor '" + name + "' has shape " + Arrays.toString(shape)
                    + " but config.json implies [" + length + "]");
        }
        float[] out = new float[length];
        WeightMatrix.of(name, t.type(), 1, length, t.data()).dequantizeRow(0, out, 0);
        return out;
    }

    @Override
    public boolean has(String name) {
        return checkpoint.tensors().containsKey(name);
    }

    @Override
    public RopeLayout ropeLayout() {
        return RopeLayout.HALF;
    }
}
