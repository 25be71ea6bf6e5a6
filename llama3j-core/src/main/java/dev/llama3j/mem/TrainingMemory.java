package dev.llama3j.mem;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What fine-tuning a model takes on one device (no sharding), item by item. Assumptions:
 *
 * <ul>
 *   <li><b>full</b>: mixed precision: bf16 weights and gradients, fp32 master weights and fp32 AdamW
 *       moments m and v: 2 + 2 + 4 + 8 = 16 bytes per parameter (fp32 weights with autocast and fp32
 *       gradients come to the same 16);
 *   <li><b>LoRA</b>: the base frozen in bf16 (2 bytes per parameter, no gradients, no optimizer);
 *       rank-r adapters {@code A (r × in)} and {@code B (out × r)} on q, k, v, o, gate, up and down of
 *       every layer, kept in fp32 with fp32 gradients and AdamW moments (16 bytes per adapter parameter);
 *   <li><b>QLoRA</b>: as LoRA, but the seven projections of the base are NF4 ({@link Nf4Storage}) and
 *       the embedding, output and norms stay bf16 (bitsandbytes quantizes linear layers but keeps
 *       {@code lm_head}); one projection at a time is dequantized to bf16 for its matmul;
 *   <li>activations: {@link TrainingActivations}, an estimate.
 * </ul>
 *
 * Not counted: the CUDA context and kernels' workspace, allocator fragmentation, data loading, and the
 * optimizer's temporary buffers during its step.
 */
public record TrainingMemory(ModelShape shape, TrainingSettings settings, List<Item> items) {

    /**
     * One line of the plan.
     *
     * @param count the number of values it holds, or 0 where that does not apply
     * @param each bytes per value in words, e.g. "2" or "0.5"; empty where that does not apply
     * @param estimate whether the figure is an estimate (activations) rather than exact arithmetic
     */
    public record Item(String key, String label, long count, String each, long bytes, boolean estimate) {}

    public long total() {
        return items.stream().mapToLong(Item::bytes).sum();
    }

    /** The item with this key (e.g. "activations"), or null. */
    public Item item(String key) {
        return items.stream().filter(i -> i.key().equals(key)).findFirst().orElse(null);
    }

    /** LoRA adapter parameters: r × (in + out) for each of the seven projections of every layer. */
    public static long loraParameters(ModelShape s, int rank) {
        long sum = 0;
        for (ModelTensor t : s.tensors()) {
            if (t.role().isLayerProjection()) {
                sum += (long) rank * (t.rows() + t.cols());
            }
        }
        return sum;
    }

    public static TrainingMemory of(ModelShape s, TrainingSettings t) {
        List<Item> items = new ArrayList<>();
        long p = s.parameters();
        switch (t.method()) {
            case FULL -> {
                items.add(new Item("weights", "weights (bf16)", p, "2", p * 2, false));
                items.add(new Item("gradients", "gradients (bf16)", p, "2", p * 2, false));
                items.add(new Item("master_weights", "master weights (fp32)", p, "4", p * 4, false));
                items.add(new Item("optimizer", "AdamW moments m, v (fp32)", p, "8", p * 8, false));
            }
            case LORA -> items.add(new Item("weights", "base weights, frozen (bf16)", p, "2", p * 2, false));
            case QLORA -> {
                long codes = 0;
                long scales = 0;
                long largest = 0;
                for (ModelTensor m : s.tensors()) {
                    if (m.role().isLayerProjection()) {
                        codes += Nf4Storage.codeBytes(m.elements());
                        scales += Nf4Storage.scaleBytes(m.elements(), t.doubleQuant());
                        largest = Math.max(largest, m.elements());
                    }
                }
                long proj = s.projectionParameters();
                items.add(new Item("weights", "base projections (NF4)", proj, "0.5", codes, false));
                items.add(new Item("nf4_scales", t.doubleQuant()
                        ? "NF4 scales (8-bit per 64, fp32 per 256×64)" : "NF4 scales (fp32 per 64)",
                        proj, t.doubleQuant() ? "~0.0157" : "0.0625", scales, false));
                items.add(new Item("unquantized", "embeddings, output, norms (bf16)", p - proj, "2",
                        (p - proj) * 2, false));
                items.add(new Item("dequant_buffer", "one projection dequantized (bf16)", largest, "2",
                        largest * 2, false));
            }
        }
        if (t.method().usesLora()) {
            long a = loraParameters(s, t.loraRank());
            items.add(new Item("adapter", "LoRA adapter r=" + t.loraRank() + " (fp32)", a, "4", a * 4, false));
            items.add(new Item("adapter_gradients", "adapter gradients (fp32)", a, "4", a * 4, false));
            items.add(new Item("optimizer", "AdamW moments m, v (fp32)", a, "8", a * 8, false));
        }
        items.add(new Item("activations", t.gradientCheckpointing()
                ? "activations, checkpointed (estimate)" : "activations (estimate)", 0, "",
                TrainingActivations.layers(s, t), true));
        items.add(new Item("logits", "logits and loss (estimate)", t.tokens() * s.vocab(), "10",
                TrainingActivations.logits(s, t), true));
        return new TrainingMemory(s, t, Collections.unmodifiableList(items));
    }
}
