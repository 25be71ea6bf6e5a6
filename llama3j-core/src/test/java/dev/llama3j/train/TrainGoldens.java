package dev.llama3j.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.json.Json;
import dev.llama3j.model.LlamaModel;
import dev.llama3j.model.ModelLoader;
import dev.llama3j.testing.Fixtures;
import dev.llama3j.model.Projection;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

/**
 * The goldens of {@code tools/fixtures/make_train_goldens.py} (test resources under {@code train/}):
 * a PyTorch reference Llama with autograd and {@code torch.optim.AdamW} on the random fixture model.
 */
final class TrainGoldens {
    final Map<String, Object> meta;
    final List<Object> tensors;
    final float[] init;
    final float[] grads;
    final float[] steps;
    final int total; // floats of one full set of tensors

    private TrainGoldens() {
        meta = Json.asObject(Json.parse(new String(bytes("train-goldens.json"), StandardCharsets.UTF_8)), "goldens");
        tensors = Json.asArray(meta.get("tensors"), "tensors");
        init = floats("init.f32");
        grads = floats("grads.f32");
        steps = floats("steps.f32");
        int n = 0;
        for (Object t : tensors) {
            Map<String, Object> m = Json.asObject(t, "tensor");
            n += Json.asInt(m.get("rows"), "rows") * Json.asInt(m.get("cols"), "cols");
        }
        total = n;
    }

    private static LlamaModel model;

    /** The random fixture model, loaded once per test JVM and shared by the training tests (2 threads). */
    static synchronized LlamaModel randomModel() {
        if (model == null) {
            model = ModelLoader.load(Fixtures.randomModel(), 2, 64);
        }
        return model;
    }

    static TrainGoldens load() {
        return new TrainGoldens();
    }

    private static byte[] bytes(String name) {
        try (InputStream in = TrainGoldens.class.getResourceAsStream("/train/" + name)) {
            if (in == null) {
                throw new AssertionError("test resource train/" + name + " missing");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static float[] floats(String name) {
        ByteBuffer b = ByteBuffer.wrap(bytes(name)).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[b.remaining() / 4];
        b.asFloatBuffer().get(out);
        return out;
    }

    LoraTrainingSpec spec() {
        return new LoraTrainingSpec(Json.asInt(meta.get("rank"), "rank"), (float) Json.asDouble(meta.get("alpha"), "alpha"),
                0f, EnumSet.allOf(Projection.class));
    }

    /** Parameters for {@code model} set to the goldens' initial A and B. */
    LoraParameters initialParameters(LlamaModel model) {
        LoraParameters p = LoraParameters.initialize(model.config(), model.weights().rope().layout(), spec(), 1);
        forEach(init, 0, (name, values, offset) -> p.setPeft(name, values));
        return p;
    }

    interface TensorVisitor {
        /** {@code offset}: where the tensor starts in the set (the goldens' flat index of its first value). */
        void visit(String name, float[] values, int offset);
    }

    /** Splits the set of tensors stored from {@code data[off]} by name. */
    void forEach(float[] data, int off, TensorVisitor visitor) {
        int o = off;
        for (Object t : tensors) {
            Map<String, Object> m = Json.asObject(t, "tensor");
            int size = Json.asInt(m.get("rows"), "rows") * Json.asInt(m.get("cols"), "cols");
            float[] v = new float[size];
            System.arraycopy(data, o, v, 0, size);
            visitor.visit(Json.asString(m.get("name"), "name"), v, o - off);
            o += size;
        }
    }

    int[] tokens(Map<String, Object> batch) {
        List<Object> list = Json.asArray(batch.get("tokens"), "tokens");
        int[] out = new int[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = Json.asInt(list.get(i), "token");
        }
        return out;
    }

    boolean[] targets(Map<String, Object> batch) {
        List<Object> list = Json.asArray(batch.get("targets"), "targets");
        boolean[] out = new boolean[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = Json.asBoolean(list.get(i), "target");
        }
        return out;
    }

    /**
     * The comparison metric of every golden tensor: {@code max|got − want| / max|want|} over the
     * tensor (relative to the tensor's scale, so elements near zero do not dominate).
     */
    static double relativeError(float[] got, float[] want) {
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < want.length; i++) {
            diff = Math.max(diff, Math.abs(got[i] - want[i]));
            scale = Math.max(scale, Math.abs(want[i]));
        }
        return diff / scale;
    }

    static void assertClose(String what, float[] got, float[] want, double tolerance) {
        double err = relativeError(got, want);
        assertTrue(err <= tolerance, what + ": relative error " + err + " exceeds " + tolerance);
    }
}
