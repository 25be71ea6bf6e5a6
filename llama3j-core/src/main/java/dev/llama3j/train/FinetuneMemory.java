package dev.llama3j.train;

import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.mem.ModelShape;
import dev.llama3j.mem.Nf4Storage;
import dev.llama3j.mem.TrainingMemory;
import dev.llama3j.mem.TrainingMethod;
import dev.llama3j.mem.TrainingSettings;
import dev.llama3j.model.LayerWeights;
import dev.llama3j.model.LlamaConfig;
import dev.llama3j.model.LlamaWeights;
import dev.llama3j.tensor.WeightMatrix;
import java.util.ArrayList;
import java.util.List;

/**
 * The resident memory of a llama3j {@code finetune} run, item by item: what {@code mem --llama3j
 * --training lora|qlora} prints and {@code finetune} checks its heap against. Unlike
 * {@link TrainingMemory#of}'s plan of a Hugging Face run on a GPU, this is this engine's own
 * arithmetic, from the same sizes its classes allocate:
 *
 * <ul>
 *   <li>the base as llama3j holds it: memory-mapped as stored (every page is read each step, so all of
 *       it is resident), or copied once into the kernels' layout for the types that have one (the
 *       mapping is then released); with QLoRA the float projections as NF4 codes and scales instead
 *       (their mapped pages are released as each is quantized);
 *   <li>the adapter: A and B, their gradients and AdamW's two moments, fp32 (16 bytes a parameter);
 *   <li>activations ({@link LoraTrainingModel#activationBytes}) and work buffers
 *       ({@link LoraTrainingModel#workBytes}) for the longest sequence, fp32, in the Java heap;
 *   <li>the JVM itself and what the command holds besides (tokenizer, chat template, the data set,
 *       the inference buffers of the loaded model), {@link #JVM_BYTES}, a measured constant.
 * </ul>
 */
public final class FinetuneMemory {
    /**
     * The JVM (code, metadata, the 32 MiB young generation bin/llama3j sets, thread stacks) plus the
     * tokenizer, the data and the model's inference buffers: measured as a run's peak resident
     * memory less every other item, on the 1B shape (README, "How much memory?").
     */
    public static final long JVM_BYTES = 200L << 20;

    private FinetuneMemory() {}

    /**
     * The plan of a run over {@code stored}, the base's weights as loaded from its file (before any
     * QLoRA quantization), for sequences of up to {@code maxTokens} tokens.
     */
    public static TrainingMemory plan(ModelShape shape, LlamaConfig config, LlamaWeights stored,
            LoraTrainingSpec spec, boolean qlora, boolean doubleQuant, int maxTokens, boolean checkpointing,
            int threads) {
        List<TrainingMemory.Item> items = new ArrayList<>();
        long other = stored.tokenEmbedding().data().byteSize() + 4L * stored.finalNorm().length;
        long otherValues = (long) stored.tokenEmbedding().rows() * stored.tokenEmbedding().cols()
                + stored.finalNorm().length;
        if (stored.lmHead() != stored.tokenEmbedding()) {
            other += stored.lmHead().data().byteSize();
            otherValues += (long) stored.lmHead().rows() * stored.lmHead().cols();
        }
        long kept = 0;
        long keptValues = 0;
        long nf4Values = 0;
        long nf4Codes = 0;
        long nf4Scales = 0;
        for (LayerWeights l : stored.layers()) {
            other += 4L * (l.attnNorm().length + l.ffnNorm().length);
            otherValues += l.attnNorm().length + l.ffnNorm().length;
            for (WeightMatrix m : new WeightMatrix[] {l.wq(), l.wk(), l.wv(), l.wo(), l.wGate(), l.wUp(), l.wDown()}) {
                long values = (long) m.rows() * m.cols();
                if (qlora && Nf4Base.quantizes(m)) {
                    nf4Values += values;
                    nf4Codes += Nf4Storage.codeBytes(values);
                    nf4Scales += Nf4Storage.scaleBytes(values, doubleQuant);
                } else {
                    kept += m.data().byteSize();
                    keptValues += values;
                }
            }
        }
        if (qlora) {
            items.add(new TrainingMemory.Item("weights", "base projections (NF4)", nf4Values, "0.5", nf4Codes, false));
            items.add(new TrainingMemory.Item("nf4_scales", doubleQuant ? "NF4 scales (8-bit per 64, fp32 per 256×64)"
                    : "NF4 scales (fp32 per 64)", nf4Values, doubleQuant ? "~0.0157" : "0.0625", nf4Scales, false));
            if (kept > 0) {
                items.add(new TrainingMemory.Item("quantized", "base projections already quantized (as stored)",
                        keptValues, each(kept, keptValues), kept, false));
            }
            items.add(new TrainingMemory.Item("unquantized", "embeddings, output, norms (as stored)", otherValues,
                    each(other, otherValues), other, false));
        } else {
            items.add(new TrainingMemory.Item("weights", "base weights, frozen (as stored)", keptValues + otherValues,
                    each(kept + other, keptValues + otherValues), kept + other, false));
        }
        long a = LoraParameters.count(config, spec);
        items.add(new TrainingMemory.Item("adapter", "LoRA adapter r=" + spec.rank() + " (fp32)", a, "4", a * 4, false));
        items.add(new TrainingMemory.Item("adapter_gradients", "adapter gradients (fp32)", a, "4", a * 4, false));
        items.add(new TrainingMemory.Item("optimizer", "AdamW moments m, v (fp32)", a, "8", a * 8, false));
        items.add(new TrainingMemory.Item("activations", checkpointing ? "activations, checkpointed (fp32)"
                : "activations (fp32)", 0, "", LoraTrainingModel.activationBytes(config, spec, maxTokens,
                checkpointing), false));
        items.add(new TrainingMemory.Item("work", "work buffers, logits of " + LoraTrainingModel.LOGIT_ROWS
                + " positions (fp32)", 0, "", LoraTrainingModel.workBytes(config, spec, maxTokens, threads), false));
        items.add(new TrainingMemory.Item("jvm", "JVM, tokenizer, data (measured)", 0, "", JVM_BYTES, true));
        TrainingSettings settings = new TrainingSettings(qlora ? TrainingMethod.QLORA : TrainingMethod.LORA, maxTokens,
                1, checkpointing, spec.rank(), doubleQuant);
        return new TrainingMemory(shape, settings, List.copyOf(items));
    }

    /**
     * What of {@code plan} lives in the Java heap (the adapter, its optimizer, activations and work
     * buffers, QLoRA's NF4 base), with room for the JVM's own objects: the heap a run needs.
     */
    public static long heapBytes(TrainingMemory plan) {
        long sum = JVM_BYTES;
        for (TrainingMemory.Item i : plan.items()) {
            switch (i.key()) {
                case "weights", "nf4_scales" -> sum += plan.settings().method() == TrainingMethod.QLORA ? i.bytes() : 0;
                case "adapter", "adapter_gradients", "optimizer", "activations", "work" -> sum += i.bytes();
                default -> { }
            }
        }
        return sum;
    }

    /**
     * Refuses a run whose heap need ({@link #heapBytes}) exceeds the JVM's maximum heap
     * ({@link Runtime#maxMemory}), before it starts rather than with an OutOfMemoryError mid-run.
     */
    public static void checkHeap(long needed, long maxHeap) {
        if (needed > maxHeap) {
            long gib = (needed + (1L << 30) - 1) >> 30;
            throw new InvalidRequestException(String.format(java.util.Locale.ROOT,
                    "this run needs about %.2f GiB of Java heap (activations, work buffers, adapter, optimizer; QLoRA's"
                    + " NF4 base) but the JVM may use %.2f GiB; run with LLAMA3J_JAVA_OPTS=-Xmx%dg, or use"
                    + " --gradient-checkpointing or a shorter --max-seq-len", needed / (double) (1L << 30),
                    maxHeap / (double) (1L << 30), gib + 1), "max-seq-len");
        }
    }

    private static String each(long bytes, long values) {
        return values == 0 ? "" : String.format(java.util.Locale.ROOT, "%.4g", (double) bytes / values);
    }
}
