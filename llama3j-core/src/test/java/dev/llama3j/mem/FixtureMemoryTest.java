package dev.llama3j.mem;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.llama3j.Llama;
import dev.llama3j.LlamaOptions;
import dev.llama3j.engine.Engine;
import dev.llama3j.model.LayerWeights;
import dev.llama3j.model.LlamaModel;
import dev.llama3j.safetensors.SafetensorsCheckpoint;
import dev.llama3j.testing.Fixtures;
import java.lang.reflect.Field;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The planner's figures for the fixture models are what the engine really maps and allocates. */
class FixtureMemoryTest {
    private static void check(Path path, int context, int parallel) {
        StoredModel stored = StoredModel.read(path);
        ModelShape shape = stored.shape();
        LlamaOptions options = LlamaOptions.defaults().withThreads(1).withContextSize(context).withParallel(parallel);
        try (Llama llama = Llama.load(path, options); SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(path)) {
            // Weights: the checkpoint's mapped bytes, which a bf16 checkpoint's shape predicts exactly.
            assertEquals(checkpoint.mappedBytes(), stored.weightBytes());
            assertEquals(stored.weightBytes(), WeightFormat.BF16.bytes(shape));
            assertEquals(shape.parameters(), llamaParameters(shape));
            // The engine counts its fp32 copies of the norms instead of the mapped bf16 ones.
            long norms = (2L * shape.layers() + 1) * shape.hidden();
            assertEquals(stored.weightBytes() + 2 * norms, llama.model().weights().bytes());

            InferenceMemory plan = InferenceMemory.of(shape, stored.weightBytes(), context, parallel, CacheType.ENGINE,
                    options.maxBatchTokens());
            assertEquals(llama.engine().cacheBytes(), plan.kvCache());
            assertEquals(allocatedBuffers(llama), plan.buffers());
        }
    }

    private static long llamaParameters(ModelShape s) {
        return s.tensors().stream().mapToLong(ModelTensor::elements).sum();
    }

    /** The float arrays the model and engine allocate besides the KV cache, found by reflection. */
    private static long allocatedBuffers(Llama llama) {
        long bytes = floatArrays(llama.model(), LlamaModel.class) + floatArrays(llama.engine(), Engine.class);
        // The engine's logits buffer lives in the part that runs each step's forward pass.
        Object core = field(llama.engine(), Engine.class, "core");
        bytes += floatArrays(core, core.getClass());
        bytes += llama.model().weights().finalNorm().length * 4L;
        for (LayerWeights l : llama.model().weights().layers()) {
            bytes += (l.attnNorm().length + l.ffnNorm().length) * 4L;
        }
        return bytes;
    }

    private static Object field(Object o, Class<?> type, String name) {
        try {
            Field f = type.getDeclaredField(name);
            f.setAccessible(true);
            return f.get(o);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    private static long floatArrays(Object o, Class<?> type) {
        long bytes = 0;
        try {
            for (Field f : type.getDeclaredFields()) {
                if (f.getType() == float[].class && !java.lang.reflect.Modifier.isStatic(f.getModifiers())) {
                    f.setAccessible(true);
                    bytes += ((float[]) f.get(o)).length * 4L;
                }
            }
        } catch (IllegalAccessException e) {
            throw new AssertionError(e);
        }
        return bytes;
    }

    @Test
    void chatModelTiedShardedBf16() {
        check(Fixtures.chatModel(), 512, 1);
        check(Fixtures.chatModel(), 64, 3);
    }

    @Test
    void randomModelUntied() {
        check(Fixtures.randomModel(), 1000, 2);
    }

    @Test
    void storedTypesAndLongestContext() {
        StoredModel stored = StoredModel.read(Fixtures.chatModel());
        assertEquals(38, stored.tensorsByType().get("BF16"));
        assertEquals("38 BF16 tensors", stored.describeTypes());
        assertEquals(8_454_720L, stored.shape().parameters());
        // 100 MB: room for the weights, buffers and (100e6 - those) / 1 KiB per token of an fp32 cache.
        long device = 100_000_000L;
        long free = device - stored.weightBytes() - WorkingBuffers.bytes(stored.shape(), 1, 256);
        assertEquals(free / 1024, MemoryPlan.maxContextThatFits(
                dev.llama3j.model.LlamaConfig.fromHuggingFace(Fixtures.chatModel().resolve("config.json")),
                stored.weightBytes(), device, 1, CacheType.F32));
    }
}
