package dev.llama3j.train;

/**
 * One trainable fp32 tensor, row-major {@code rows × cols}, with its gradient buffer of the same
 * shape, under the name PEFT saves it as ({@code base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight}).
 */
public record TrainableTensor(String name, int rows, int cols, float[] values, float[] gradients) {
    public TrainableTensor {
        if (values.length != rows * cols || gradients.length != rows * cols) {
            throw new IllegalArgumentException(name + ": " + values.length + " values and " + gradients.length
                    + " gradients for " + rows + "x" + cols);
        }
    }

    public int size() {
        return values.length;
    }
}
