package dev.llama3j.mem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The training arithmetic for Llama 3.1 8B at 1,024 tokens. */
class TrainingMemoryTest {
    private static final ModelShape B8 = KnownModels.LLAMA_3_1_8B;
    private static final long P = 8_030_261_248L;

    private static TrainingMemory plan(TrainingMethod m) {
        return TrainingMemory.of(B8, TrainingSettings.defaults(m));
    }

    @Test
    void fullFineTuningIs16BytesPerParameterPlusActivations() {
        TrainingMemory full = plan(TrainingMethod.FULL);
        long states = full.item("weights").bytes() + full.item("gradients").bytes()
                + full.item("master_weights").bytes() + full.item("optimizer").bytes();
        assertEquals(16 * P, states);
        assertEquals(states + full.item("activations").bytes() + full.item("logits").bytes(), full.total());
    }

    @Test
    void activationEstimate() {
        TrainingSettings t = TrainingSettings.defaults(TrainingMethod.FULL);
        // (4·4096 + 2·4096 + 2·1024 + 4·14336) bf16 values + 32 fp32 log-sum-exps per token and layer.
        assertEquals(2L * 83_968 + 128, TrainingActivations.perTokenPerLayer(B8, t));
        assertEquals(1024L * 32 * 168_064, TrainingActivations.layers(B8, t));
        assertEquals(1024L * 32 * 4096 * 2 + 1024L * 168_064,
                TrainingActivations.layers(B8, t.withGradientCheckpointing(true)));
        assertEquals(1024L * 128_256 * 10, TrainingActivations.logits(B8, t));
        TrainingSettings big = new TrainingSettings(TrainingMethod.FULL, 2048, 4, false, 16, true);
        assertEquals(8 * TrainingActivations.layers(B8, t), TrainingActivations.layers(B8, big));
    }

    @Test
    void loraAdaptersOnAllSevenProjections() {
        // r × (in + out) summed over q, k, v, o, gate, up, down: 16 × 81,920 per layer.
        assertEquals(41_943_040L, TrainingMemory.loraParameters(B8, 16));
        TrainingMemory lora = plan(TrainingMethod.LORA);
        assertEquals(2 * P, lora.item("weights").bytes());
        assertEquals(41_943_040L * 4, lora.item("adapter").bytes());
        assertEquals(41_943_040L * 4, lora.item("adapter_gradients").bytes());
        assertEquals(41_943_040L * 8, lora.item("optimizer").bytes());
        assertTrue(lora.item("activations").bytes() > plan(TrainingMethod.FULL).item("activations").bytes());
    }

    @Test
    void qloraNf4BaseWithAndWithoutDoubleQuantization() {
        long proj = B8.projectionParameters();
        assertEquals(6_979_321_856L, proj);
        TrainingMemory q = plan(TrainingMethod.QLORA);
        assertEquals(proj / 2, q.item("weights").bytes());
        assertEquals((P - proj) * 2, q.item("unquantized").bytes());
        assertEquals(14336L * 4096 * 2, q.item("dequant_buffer").bytes());
        long blocks = proj / 64; // every projection is a whole number of 64-blocks
        // Double quantization: one byte per block, an fp32 per 256 blocks and an fp32 offset per tensor.
        long dq = 0;
        for (ModelTensor t : B8.tensors()) {
            if (t.role().isLayerProjection()) {
                long b = t.elements() / 64;
                dq += b + (b + 255) / 256 * 4 + 4;
            }
        }
        assertEquals(dq, q.item("nf4_scales").bytes());
        TrainingMemory plain = TrainingMemory.of(B8, TrainingSettings.defaults(TrainingMethod.QLORA).withDoubleQuant(false));
        assertEquals(blocks * 4, plain.item("nf4_scales").bytes());
        // 4.5 bits per value without, about 4.127 with.
        assertEquals(4.5, (proj / 2 + blocks * 4) * 8.0 / proj, 1e-9);
        assertEquals(4.127, (proj / 2 + dq) * 8.0 / proj, 0.001);
    }

    @Test
    void totalsFor8bAt1024Tokens() {
        // The README's figures.
        assertEquals("135.30", ByteSize.number(ByteSize.gb(plan(TrainingMethod.FULL).total())));
        assertEquals("23.56", ByteSize.number(ByteSize.gb(plan(TrainingMethod.LORA).total())));
        assertEquals("13.32", ByteSize.number(ByteSize.gb(plan(TrainingMethod.QLORA).total())));
        TrainingSettings ckpt = TrainingSettings.defaults(TrainingMethod.QLORA).withGradientCheckpointing(true);
        assertEquals("8.24", ByteSize.number(ByteSize.gb(TrainingMemory.of(B8, ckpt).total())));
    }
}
