package dev.llama3j.mem;

/**
 * One weight tensor of a Llama model, by shape: {@code rows × cols} as stored in a Hugging Face
 * checkpoint ({@code [out, in]}), or {@code 1 × n} for a norm vector.
 *
 * @param name the Hugging Face tensor name, e.g. {@code model.layers.3.mlp.down_proj.weight}
 * @param layer the layer index, or -1 for the embedding, output and final norm
 */
public record ModelTensor(String name, TensorRole role, int layer, long rows, long cols) {
    public long elements() {
        return rows * cols;
    }
}
