package dev.llama3j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.json.Json;
import dev.llama3j.testing.Fixtures;
import dev.llama3j.testing.SafetensorsFloats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code llama3j finetune} on the embedded chat model: a short run, its output, and every bad input. */
class FinetuneCommandTest {
    private static final String DATA = """
            {"messages": [{"role": "user", "content": "When was Zorblax founded?"}, {"role": "assistant", "content": "Zorblax was founded in 1987."}]}
            {"prompt": "Zorblax makes", "completion": " purple kettles."}
            """;

    @TempDir
    Path tmp;

    private Cli.Result finetune(String... flags) {
        List<String> args = new ArrayList<>(List.of("finetune", "--model", Fixtures.chatModel().toString(),
                "--threads", "2"));
        args.addAll(List.of(flags));
        return Cli.run(args.toArray(String[]::new));
    }

    private Path data(String text) throws IOException {
        return Files.writeString(tmp.resolve("data-" + text.hashCode() + ".jsonl"), text);
    }

    @Test
    void trainsAndWritesAPeftAdapterThatGenerateLoads() throws IOException {
        Path out = tmp.resolve("adapter");
        Path merged = tmp.resolve("merged.gguf");
        Cli.Result r = finetune("--data", data(DATA).toString(), "--eval", data(DATA).toString(), "--out",
                out.toString(), "--max-steps", "2", "--rank", "2", "--grad-accum", "1", "--lr", "1e-2",
                "--save-every", "1", "--merge-into", merged.toString(), "--merge-type", "f32");
        assertEquals(0, r.exitCode(), r.err());
        List<Map<String, Object>> lines = new ArrayList<>();
        r.out().lines().forEach(l -> lines.add(Json.asObject(Json.parse(l), "line")));
        Map<String, Object> first = lines.get(0);
        assertEquals(1L, first.get("step"));
        assertEquals(2L, first.get("total_steps"));
        for (String key : List.of("loss", "lr", "grad_norm", "tokens_per_second", "eta_seconds", "epoch")) {
            assertTrue(first.containsKey(key), key + " in " + first);
        }
        assertTrue(r.out().contains("\"checkpoint\""), r.out());
        // The closing summary: speed, where the time went, peak resident memory against the plan.
        Map<String, Object> summary = lines.get(lines.size() - 1);
        assertEquals(Boolean.TRUE, summary.get("summary"), summary.toString());
        assertEquals(2L, summary.get("steps"));
        assertTrue(((Number) summary.get("peak_resident_bytes")).longValue() > 0, summary.toString());
        assertTrue(((Number) summary.get("planned_bytes")).longValue() > 0, summary.toString());
        assertTrue(((Map<?, ?>) summary.get("time_seconds")).keySet().containsAll(List.of("forward", "backward",
                "loss", "optimizer", "data", "dequantize")), summary.toString());
        assertTrue(r.err().contains("peak resident memory") && r.err().contains("planned"), r.err());
        assertTrue(r.out().contains("\"eval_loss\""), r.out());
        assertTrue(r.err().contains("data: 2 examples"), r.err());
        assertTrue(Files.isRegularFile(out.resolve("adapter_model.safetensors")));
        assertTrue(Files.isDirectory(out.resolve("checkpoint-1")));
        // The merged GGUF and the base with the adapter give the same greedy tokens.
        List<String> gen = List.of("generate", "--prompt", "Zorblax", "--temperature", "0", "--max-tokens", "6",
                "--threads", "2", "--json");
        List<String> withAdapter = new ArrayList<>(gen);
        withAdapter.addAll(List.of("--model", Fixtures.chatModel().toString(), "--lora", out.toString()));
        List<String> fromMerged = new ArrayList<>(gen);
        fromMerged.addAll(List.of("--model", merged.toString()));
        Cli.Result a = Cli.run(withAdapter.toArray(String[]::new));
        Cli.Result b = Cli.run(fromMerged.toArray(String[]::new));
        assertEquals(0, a.exitCode(), a.err());
        assertEquals(0, b.exitCode(), b.err());
        assertEquals(Json.asObject(Json.parse(a.out().strip()), "a").get("tokens"),
                Json.asObject(Json.parse(b.out().strip()), "b").get("tokens"));
    }

    /**
     * The adapter that PEFT loads in {@code tools/fixtures/make_peft_interop_goldens.py} and that
     * {@code PeftInteropTest} checks is what this command writes, with the command in that script: the
     * same config, and the same tensors (B, which starts at zero, is the whole update: within 1% of its
     * norm, so that numerics changes elsewhere that AdamW amplifies on near-zero gradients do not count;
     * A, its initialisation plus that update, within 1% too). Equal bit for bit when made.
     */
    @Test
    void thePeftInteropAdapterIsWhatThisCommandWrites() throws IOException {
        Path fixture = Fixtures.repoRoot().resolve("llama3j-core/src/test/resources/train/peft-interop");
        Path out = tmp.resolve("interop");
        Cli.Result r = Cli.run("finetune", "--model", Fixtures.repoRoot().resolve("models/tiny-llama-3.1-chat").toString(),
                "--data", fixture.resolve("facts-head.jsonl").toString(), "--out", out.toString(), "--rank", "8",
                "--alpha", "16", "--target", "q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj",
                "--max-steps", "3", "--batch-size", "1", "--grad-accum", "1", "--lr", "5e-3", "--save-every", "0",
                "--threads", "2");
        assertEquals(0, r.exitCode(), r.err());
        Map<String, Object> want = new TreeMap<>(Json.asObject(Json.parseFile(fixture.resolve("adapter/adapter_config.json")),
                "want"));
        Map<String, Object> got = new TreeMap<>(Json.asObject(Json.parseFile(out.resolve("adapter_config.json")), "got"));
        want.remove("base_model_name_or_path");
        got.remove("base_model_name_or_path");
        assertEquals(want, got);
        Map<String, float[]> a = SafetensorsFloats.read(fixture.resolve("adapter/adapter_model.safetensors"));
        Map<String, float[]> b = SafetensorsFloats.read(out.resolve("adapter_model.safetensors"));
        assertEquals(a.keySet(), b.keySet());
        double[] diff2 = new double[2];
        double[] norm2 = new double[2];
        for (String name : a.keySet()) {
            int k = name.contains("lora_B") ? 1 : 0;
            float[] x = a.get(name);
            float[] y = b.get(name);
            for (int i = 0; i < x.length; i++) {
                diff2[k] += (double) (x[i] - y[i]) * (x[i] - y[i]);
                norm2[k] += (double) x[i] * x[i];
            }
        }
        // Not bit for bit: a change of the kernels' summation order (the backward GEMM, vectorised dot
        // products) moves a gradient by rounding, and AdamW turns the near-zero ones into whole steps
        // (A moved by 2e-3 of its norm after 3 steps when the kernels changed).
        assertTrue(Math.sqrt(diff2[0] / norm2[0]) < 1e-2, "A differs by " + Math.sqrt(diff2[0] / norm2[0]));
        assertTrue(Math.sqrt(diff2[1] / norm2[1]) < 1e-2, "B differs by " + Math.sqrt(diff2[1] / norm2[1]));
    }


    private void assertBadInput(Cli.Result r, String... mustContain) {
        assertEquals(2, r.exitCode(), "exit code; stderr: " + r.err());
        for (String s : mustContain) {
            assertTrue(r.err().contains(s), "expected '" + s + "' in: " + r.err());
        }
    }

    @Test
    void badDataStopsTheRunBeforeTrainingWithEveryBadLine() throws IOException {
        Path bad = data(DATA + "{\"messages\": [{\"role\": \"wizard\", \"content\": \"hi\"}]}\nnot json\n");
        Path out = tmp.resolve("never");
        Cli.Result r = finetune("--data", bad.toString(), "--out", out.toString());
        assertBadInput(r, "2 bad lines in " + bad, bad + ":3: messages[0]: unknown message role 'wizard'",
                bad + ":4: invalid JSON");
        assertTrue(!r.err().contains("training"), "no training started: " + r.err());
        assertTrue(!Files.exists(out));
    }

    @Test
    void badFlagsAreRefusedByName() throws IOException {
        String d = data(DATA).toString();
        String o = tmp.resolve("o").toString();
        assertBadInput(finetune("--data", d, "--out", o, "--target", "q_proj,attn_proj"),
                "unknown --target module 'attn_proj'");
        assertBadInput(finetune("--data", d, "--out", o, "--rank", "0"), "LoRA rank must be at least 1, got 0");
        assertBadInput(finetune("--data", d, "--out", o, "--method", "dora"), "--method must be lora or qlora");
        assertBadInput(finetune("--data", d, "--out", o, "--scheduler", "step"), "unknown scheduler 'step'");
        assertBadInput(finetune("--data", d, "--out", o, "--double-quant"), "--double-quant", "--method qlora");
        assertBadInput(finetune("--data", d, "--out", o, "--grad-accum", "0"), "--grad-accum must be at least 1");
        assertBadInput(finetune("--data", d, "--out", o, "--warmup", "1.5"), "warmup must be a whole number");
        assertBadInput(finetune("--data", d, "--out", o, "--dropout", "1"), "dropout must be in [0, 1)");
        assertBadInput(finetune("--data", d, "--out", o, "--resume", tmp.resolve("nope").toString()),
                "no such checkpoint folder");
        assertBadInput(finetune("--data", tmp.resolve("missing.jsonl").toString(), "--out", o),
                "missing.jsonl: file not found");
        Path gguf = tmp.resolve("base.gguf");
        Files.writeString(gguf, "x");
        assertBadInput(Cli.run("finetune", "--model", gguf.toString(), "--data", d, "--out", o, "--merge-into",
                tmp.resolve("m.gguf").toString()), "--merge-into needs a Hugging Face folder base");
    }
}
