package dev.llama3j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.convert.ConversionProgress;
import dev.llama3j.convert.HfToGgufConverter;
import dev.llama3j.gguf.GgufFileType;
import dev.llama3j.json.Json;
import dev.llama3j.lora.LoraLoader;
import dev.llama3j.lora.LoraMode;
import dev.llama3j.lora.LoraOptions;
import dev.llama3j.lora.LoraSpec;
import dev.llama3j.model.KvCacheType;
import dev.llama3j.model.LlamaModel;
import dev.llama3j.model.ModelLoader;
import dev.llama3j.model.ParityUtil;
import dev.llama3j.testing.Fixtures;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Adapters cross between llama3j and PEFT on the chat model (goldens of
 * {@code tools/fixtures/make_peft_interop_goldens.py}, transformers 5.17 + PEFT 0.21 in fp32): the
 * adapter {@code llama3j finetune} wrote, which PEFT loads with no missing or unexpected key, gives
 * PEFT's logits and greedy tokens through {@code --lora} (merged and unmerged) and as a
 * {@code --merge-into} GGUF; and an adapter PEFT made gives PEFT's outputs in llama3j.
 */
class PeftInteropTest {
    /** Last-position logits against PEFT's fp32 ones, absolute. */
    static final float TOLERANCE = 1e-4f;

    @TempDir
    Path tmp;

    private static Path dir() {
        try {
            return Path.of(PeftInteropTest.class.getResource("/train/peft-interop/goldens.json").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new AssertionError(e);
        }
    }

    private static Map<String, Object> goldens(String which) {
        try {
            return Json.asObject(Json.asObject(Json.parseFile(dir().resolve("goldens.json")), "goldens").get(which),
                    which);
        } catch (RuntimeException e) {
            throw new AssertionError("peft-interop goldens: " + e.getMessage(), e);
        }
    }

    private static Path chatModel() {
        return Fixtures.repoRoot().resolve("models/tiny-llama-3.1-chat");
    }

    private static float[] floats(Path file) {
        try {
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
            float[] out = new float[b.remaining() / 4];
            b.asFloatBuffer().get(out);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Every case's last-position logits (all 128,256 where the goldens keep them, the top 10
     * otherwise) within {@link #TOLERANCE} of PEFT's, and its 24 greedy tokens equal; the largest
     * difference.
     */
    @SuppressWarnings("unchecked")
    private static float check(String what, LlamaModel model, int adapter, Map<String, Object> goldens) {
        int vocab = model.config().vocabSize();
        float worst = 0;
        for (Object o : (List<Object>) goldens.get("cases")) {
            Map<String, Object> c = (Map<String, Object>) o;
            String name = what + " " + c.get("name");
            int[] ids = Fixtures.ints(c.get("prompt_ids"));
            float[] all = ParityUtil.allLogits(model, ids, adapter);
            int last = (ids.length - 1) * vocab;
            float diff = 0;
            if (c.get("last_logits") != null) {
                float[] golden = floats(dir().resolve((String) c.get("last_logits")));
                for (int i = 0; i < vocab; i++) {
                    diff = Math.max(diff, Math.abs(all[last + i] - golden[i]));
                }
            }
            Map<String, Object> top = (Map<String, Object>) c.get("top10");
            int[] topIds = Fixtures.ints(top.get("ids"));
            List<Object> topValues = (List<Object>) top.get("values");
            for (int i = 0; i < topIds.length; i++) {
                diff = Math.max(diff, (float) Math.abs(all[last + topIds[i]] - ((Number) topValues.get(i)).doubleValue()));
            }
            ParityUtil.assertTop10(name, all, last, vocab, topIds, topValues);
            System.out.printf("%s: last logits max abs diff %.3g%n", name, diff);
            assertTrue(diff < TOLERANCE, name + ": last logits max abs diff " + diff);
            assertArrayEquals(Fixtures.ints(c.get("greedy")), ParityUtil.greedy(model, ids, 24, KvCacheType.F32, adapter),
                    name + ": greedy tokens");
            worst = Math.max(worst, diff);
        }
        return worst;
    }

    private static LlamaModel withAdapter(LoraMode mode, String adapterDir) {
        return ModelLoader.load(chatModel(), 2, 64,
                LoraLoader.hook(LoraOptions.of(mode, new LoraSpec("adapter", dir().resolve(adapterDir)))));
    }

    @Test
    void ourAdapterGivesPeftsOutputsMergedAndAsASidePath() {
        Map<String, Object> ours = goldens("ours");
        try (LlamaModel m = withAdapter(LoraMode.MERGED, (String) ours.get("adapter"))) {
            check("ours merged", m, 0, ours);
        }
        try (LlamaModel m = withAdapter(LoraMode.UNMERGED, (String) ours.get("adapter"))) {
            check("ours unmerged", m, 1, ours);
        }
    }

    /** What {@code finetune --merge-into} writes: the base converted with the adapter merged. */
    @Test
    void ourAdapterMergedIntoAGgufGivesPeftsOutputs() {
        Map<String, Object> ours = goldens("ours");
        Path gguf = tmp.resolve("merged.gguf");
        HfToGgufConverter.convert(chatModel(), gguf, GgufFileType.ALL_F32, ConversionProgress.NONE,
                dir().resolve((String) ours.get("adapter")));
        try (LlamaModel m = ModelLoader.load(gguf, 2, 64)) {
            check("ours merged gguf", m, 0, ours);
        }
    }

    @Test
    void peftsAdapterGivesPeftsOutputs() {
        Map<String, Object> peft = goldens("peft");
        try (LlamaModel m = withAdapter(LoraMode.MERGED, (String) peft.get("adapter"))) {
            check("peft merged", m, 0, peft);
        }
        try (LlamaModel m = withAdapter(LoraMode.UNMERGED, (String) peft.get("adapter"))) {
            check("peft unmerged", m, 1, peft);
        }
    }
}
