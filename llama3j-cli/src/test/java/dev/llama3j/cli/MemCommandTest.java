package dev.llama3j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.json.Json;
import dev.llama3j.testing.Fixtures;
import dev.llama3j.mem.MiniGguf;
import dev.llama3j.mem.ModelShape;
import dev.llama3j.mem.WeightFormat;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MemCommandTest {
    private static Cli.Result ok(String... args) {
        Cli.Result r = Cli.run(args);
        assertEquals(0, r.exitCode(), r.err());
        return r;
    }

    private static void contains(String out, String... parts) {
        for (String p : parts) {
            assertTrue(out.contains(p), "'" + p + "' missing from:\n" + out);
        }
    }

    private static Map<String, Object> json(String... args) {
        return Json.asObject(Json.parse(ok(args).out().strip()), "output");
    }

    @SuppressWarnings("unchecked")
    private static <T> T at(Map<String, Object> o, String... path) {
        Object v = o;
        for (String p : path) {
            v = ((Map<String, Object>) v).get(p);
        }
        return (T) v;
    }

    private static long l(Object v) {
        return ((Number) v).longValue();
    }

    @Test
    void blogTablesFor8b70b405b() {
        String out = ok("mem", "--model", "8b").out();
        contains(out, "8,030,261,248 parameters (8.03B)", "bf16 *", "16.06", "8.03", "4.02",
                "0.125", "1.953", "15.625", "16.000", "(max)", "128 KiB per token");
        out = ok("mem", "--model", "70b").out();
        contains(out, "70.55B", "141.11", "70.55", "35.28", "0.313", "4.883", "39.063");
        out = ok("mem", "--model", "405b").out();
        contains(out, "405.85B", "811.71", "405.85", "202.93", "0.492", "7.690", "61.523", "16 KV heads");
        out = ok("mem", "--model", "405b-mp16").out();
        contains(out, "0.984", "15.381", "123.047");
    }

    @Test
    void blogComparison() {
        String out = ok("mem", "--model", "405b", "--blog").out();
        contains(out, "blog GB", "810", "405", "203", "blog KV", "123.05", "0.492 / 7.69 / 61.52",
                "1,024 tokens while \"16k\" and \"128k\" are 16,000 and 128,000");
        out = ok("mem", "--model", "8b", "--training", "lora", "--blog").out();
        contains(out, "the blog says 16 GB", "training table (60 / 16 / 6 GB");
    }

    @Test
    void jsonInference() {
        Map<String, Object> o = json("mem", "--model", "8b", "--context", "1024,16k,16Ki,128Ki", "--device-memory",
                "24GB", "--json");
        assertEquals(8_030_261_248L, l(at(o, "model", "parameters")));
        List<Map<String, Object>> ctx = at(o, "inference", "contexts");
        assertEquals(List.of(1024L, 16000L, 16384L, 131072L), ctx.stream().map(c -> l(c.get("tokens"))).toList());
        assertEquals(16000L * 131072, l(ctx.get(1).get("kv_cache_bytes")));
        assertEquals(Boolean.TRUE, ctx.get(0).get("fits"));
        assertEquals(Boolean.FALSE, ctx.get(3).get("fits"));
        long max = l(at(o, "inference", "max_context"));
        assertTrue(max > 50_000 && max < 70_000, "max_context " + max);
        assertEquals("f16", at(o, "inference", "cache_type"));
    }

    @Test
    void weightsCacheAndBatchChoices() {
        Map<String, Object> o = json("mem", "--model", "70b", "--weights", "q4_k_m", "--cache", "q8_0", "--batch", "4",
                "--context", "8192", "--json");
        assertEquals("q4_k_m", at(o, "inference", "weights_format"));
        List<Map<String, Object>> ctx = at(o, "inference", "contexts");
        assertEquals(4L * 8192 * 2 * 80 * 1024 / 32 * 34, l(ctx.get(0).get("kv_cache_bytes")));
        assertEquals(4L, l(at(o, "inference", "parallel")));
    }

    @Test
    @SuppressWarnings("unchecked")
    void trainingFor8b() {
        Map<String, Object> o = json("mem", "--model", "8b", "--training", "full,lora,qlora", "--json");
        List<Map<String, Object>> t = at(o, "training");
        assertEquals(3, t.size());
        assertEquals(135.30, l(t.get(0).get("total_bytes")) / 1e9, 0.005);
        assertEquals(23.56, l(t.get(1).get("total_bytes")) / 1e9, 0.005);
        assertEquals(13.32, l(t.get(2).get("total_bytes")) / 1e9, 0.005);
        assertEquals(41_943_040L, l(t.get(1).get("lora_parameters")));
        assertTrue(l(t.get(2).get("total_bytes_without_double_quant")) > l(t.get(2).get("total_bytes")));
        List<Map<String, Object>> items = (List<Map<String, Object>>) t.get(2).get("items");
        assertTrue(items.stream().anyMatch(i -> "nf4_scales".equals(i.get("key"))));

        String out = ok("mem", "--model", "8b", "--training", "qlora", "--grad-checkpointing", "--seq-len", "4k",
                "--micro-batch", "2").out();
        contains(out, "QLoRA (r=16", "2 × 4,000 tokens, gradient checkpointing", "NF4 scales",
                "without gradient checkpointing", "without double quantization");
    }

    /** --llama3j: finetune's own plan of a run on the model file, with finetune's settings. */
    @Test
    @SuppressWarnings("unchecked")
    void llama3jFinetunePlan() {
        String chat = Fixtures.chatModel().toString();
        Map<String, Object> o = json("mem", "--model", chat, "--training", "lora,qlora", "--llama3j", "--seq-len",
                "300", "--lora-rank", "8", "--target", "q_proj,v_proj", "--threads", "2", "--double-quant", "--json");
        List<Map<String, Object>> t = at(o, "training");
        assertEquals(2, t.size());
        for (Map<String, Object> plan : t) {
            assertEquals("llama3j", plan.get("engine"));
            assertEquals(List.of("q_proj", "v_proj"), plan.get("targets"));
            assertEquals(300L, l(plan.get("seq_len")));
            long sum = 0;
            for (Map<String, Object> item : (List<Map<String, Object>>) plan.get("items")) {
                sum += l(item.get("bytes"));
            }
            assertEquals(sum, l(plan.get("total_bytes")));
            assertTrue(l(plan.get("heap_bytes")) < sum, plan.toString());
        }
        // 4 layers × r=8 × (q: 64 in + 64 out, v: 64 in + 32 out)
        assertEquals(4L * 8 * (128 + 96), l(t.get(0).get("lora_parameters")));
        assertEquals(Boolean.TRUE, t.get(1).get("double_quant"));
        assertTrue(l(t.get(1).get("total_bytes")) < l(t.get(0).get("total_bytes")), "NF4 base below bf16");
        String out = ok("mem", "--model", chat, "--training", "qlora", "--llama3j", "--grad-checkpointing").out();
        contains(out, "QLoRA with llama3j finetune (r=16 on q_proj, k_proj, v_proj, o_proj)", "base projections (NF4)",
                "NF4 scales (fp32 per 64)", "activations, checkpointed (fp32)", "JVM, tokenizer, data", "Java heap",
                "with double quantization");

        fails(new String[] {"mem", "--target", "q_proj"}, "--target", "--llama3j");
        fails(new String[] {"mem", "--double-quant"}, "--double-quant", "--llama3j");
        fails(new String[] {"mem", "--model", chat, "--llama3j"}, "--training lora or qlora");
        fails(new String[] {"mem", "--training", "lora", "--llama3j"}, "built-in shape '8b'");
        fails(new String[] {"mem", "--model", chat, "--training", "full", "--llama3j"}, "lora or qlora, not full");
        fails(new String[] {"mem", "--model", chat, "--training", "lora", "--llama3j", "--micro-batch", "2"},
                "--micro-batch", "one at a time");
        fails(new String[] {"mem", "--model", chat, "--training", "qlora", "--llama3j", "--no-double-quant"},
                "--no-double-quant");
        fails(new String[] {"mem", "--model", chat, "--training", "lora", "--llama3j", "--threads", "0"}, "--threads");
        fails(new String[] {"mem", "--model", chat, "--training", "lora", "--llama3j", "--target", "x_proj"},
                "unknown --target module 'x_proj'");
    }

    @Test
    void fixtureFolderUsesStoredBytesAndTheEngineCache() {
        Map<String, Object> o = json("mem", "--model", Fixtures.chatModel().toString(), "--context", "512", "--json");
        assertEquals("safetensors", at(o, "model", "source"));
        assertEquals("stored", at(o, "inference", "weights_format"));
        assertEquals(16_909_440L, l(at(o, "inference", "weights_bytes")));
        assertEquals("f16", at(o, "inference", "cache_type"));
        List<Map<String, Object>> ctx = at(o, "inference", "contexts");
        assertEquals(512L * 2 * 4 * 32 * 2, l(ctx.get(0).get("kv_cache_bytes")));
        contains(ok("mem", "--model", Fixtures.chatModel().toString()).out(), "as stored (38 BF16 tensors) *");
    }

    @Test
    void ggufFileUsesItsRealTensorTypes(@TempDir Path dir) {
        ModelShape shape = new ModelShape("mini q4_k_m", 16, 256, 4, 2, 64, 512, 1024, false, 4096);
        Path file = MiniGguf.write(dir.resolve("mini.gguf"), shape, WeightFormat.Q4_K_M);
        Map<String, Object> o = json("mem", "--model", file.toString(), "--context", "4096", "--json");
        assertEquals("gguf", at(o, "model", "source"));
        assertEquals(WeightFormat.Q4_K_M.bytes(shape) + MiniGguf.ropeFreqsBytes(shape),
                l(at(o, "inference", "weights_bytes")));
        String out = ok("mem", "--model", file.toString()).out();
        contains(out, "mini q4_k_m", "as stored (34 F32", "Q6_K tensors) *", "4,096  ", "(max)");
    }

    private static void fails(String[] args, String... mustContain) {
        Cli.Result r = Cli.run(args);
        assertEquals(2, r.exitCode(), "exit code; stderr: " + r.err());
        String[] lines = r.errLines();
        assertTrue(lines.length >= 1 && lines[0].startsWith("error: "), r.err());
        assertTrue(lines.length == 1 || lines[1].startsWith("Run '"), r.err());
        for (String s : mustContain) {
            assertTrue(lines[0].contains(s), "'" + s + "' missing from: " + lines[0]);
        }
    }

    @Test
    void badInput() {
        fails(new String[] {"mem", "--model", "9b"}, "'9b'", "8b, 70b, 405b");
        fails(new String[] {"mem", "--device-memory", "80G"}, "--device-memory", "'G'", "GiB");
        fails(new String[] {"mem", "--device-memory", "lots"}, "--device-memory", "'lots'");
        fails(new String[] {"mem", "--context", "-5"}, "--context", "'-5'", "at least 1");
        fails(new String[] {"mem", "--context", "0"}, "--context", "'0'");
        fails(new String[] {"mem", "--context", "16kb"}, "--context", "16Ki");
        fails(new String[] {"mem", "--weights", "q3"}, "--weights", "q4_k_m");
        fails(new String[] {"mem", "--cache", "int8"}, "--cache", "q8_0");
        fails(new String[] {"mem", "--batch", "0"}, "--batch");
        fails(new String[] {"mem", "--training", "sft"}, "--training", "full, lora or qlora");
        fails(new String[] {"mem", "--training", "full", "--context", "1024"}, "--context", "--seq-len");
        fails(new String[] {"mem", "--seq-len", "1024"}, "--seq-len", "--training");
        fails(new String[] {"mem", "--training", "lora", "--seq-len", "0"}, "--seq-len");
        fails(new String[] {"mem", "--batch", "two"}, "--batch");
    }
}
