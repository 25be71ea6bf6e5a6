#!/usr/bin/env node
// Self-test of llama-ref.mjs against llama.cpp's own tokenizer test data and a tiny random model.
//   node tools/llama-cpp/selftest.mjs
// Needs: setup.sh done, build-native.sh --source-only (for models/ggml-vocab-llama-bpe.gguf and
// gguf-py), python3 with numpy (for the random model). Prints "N passed, M failed".
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REF = path.join(HERE, "llama-ref.mjs");
const SRC = path.join(HERE, ".cache", "llama.cpp");
const MODELS = path.join(HERE, ".cache", "models");
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "llama-ref-selftest-"));
let passed = 0, failed = 0;

function check(name, cond, detail = "") {
    if (cond) { passed++; console.log(`ok   ${name}`); }
    else { failed++; console.log(`FAIL ${name} ${detail}`); }
}

function sh(cmd, args) {
    const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 256 << 20 });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
    return r;
}

function ref(...args) {
    const r = spawnSync(process.execPath, [REF, ...args], { encoding: "utf8", maxBuffer: 256 << 20 });
    if (r.status !== 0) throw new Error(`llama-ref ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
    const lines = r.stdout.trim().split("\n");
    if (lines.length !== 1) throw new Error(`expected one JSON line on stdout, got ${lines.length}`);
    return JSON.parse(lines[0]);
}

const eq = (a, b) => JSON.stringify(a) === JSON.stringify(b);

sh(path.join(HERE, "build-native.sh"), ["--source-only"]);

// 1. tokenizer: llama.cpp's own expected ids for the Llama 3 BPE vocab (models/*.inp / *.out)
{
    const vocab = path.join(SRC, "models", "ggml-vocab-llama-bpe.gguf");
    const inp = fs.readFileSync(vocab + ".inp", "utf8").split("\n__ggml_vocab_test__\n");
    if (inp[inp.length - 1].endsWith("\n")) inp[inp.length - 1] = inp[inp.length - 1].slice(0, -1);
    const want = fs.readFileSync(vocab + ".out", "utf8").split("\n").slice(0, inp.length)
        .map((l) => l.trim() === "" ? [] : l.trim().split(/\s+/).map(Number));
    const textsFile = path.join(TMP, "texts.json");
    fs.writeFileSync(textsFile, JSON.stringify(inp));
    const got = ref("tokenize", "--model", vocab, "--texts", textsFile);
    const bad = got.map((g, i) => eq(g, want[i]) ? -1 : i).filter((i) => i >= 0);
    check(`tokenize matches llama.cpp test-tokenizer-0 data (${inp.length} cases)`, bad.length === 0, `mismatch at ${bad}`);

    fs.writeFileSync(textsFile, JSON.stringify(["Hello<|eot_id|> world", "<|begin_of_text|>Hi"]));
    const sp = ref("tokenize", "--model", vocab, "--texts", textsFile);
    check("tokenize parses special tokens, adds no BOS", eq(sp, [[9906, 128009, 1917], [128000, 13347]]), JSON.stringify(sp));
    const nosp = ref("tokenize", "--model", vocab, "--texts", textsFile, "--no-special");
    check("tokenize --no-special keeps special-token text as text", !nosp.flat().includes(128009) && !nosp.flat().includes(128000), JSON.stringify(nosp));
    const idsFile = path.join(TMP, "ids.json");
    fs.writeFileSync(idsFile, JSON.stringify(sp));
    const de = ref("detokenize", "--model", vocab, "--ids", idsFile);
    check("detokenize round-trips", eq(de, ["Hello<|eot_id|> world", "<|begin_of_text|>Hi"]), JSON.stringify(de));
}

// 2. a tiny random model (untied, std 0.2 so that greedy output varies)
fs.mkdirSync(MODELS, { recursive: true });
const tiny = path.join(MODELS, "selftest-tiny.gguf");
const tinyEos = path.join(MODELS, "selftest-tiny-eos.gguf");
if (!fs.existsSync(tiny))
    sh("python3", [path.join(HERE, "make-test-gguf.py"), "--shape", "tiny", "--std", "0.2", "--out", tiny]);
{
    const prompt = [128000, 9906, 1917];
    const g = ref("greedy", "--model", tiny, "--prompt-ids", prompt.join(","), "--n", "16");
    check("greedy returns n ids", g.ids.length === 16 && g.ids.every(Number.isInteger), JSON.stringify(g.ids));
    check("greedy output is not constant", new Set(g.ids).size > 1);

    const batchFile = path.join(TMP, "batch.json");
    fs.writeFileSync(batchFile, JSON.stringify([prompt, { prompt_ids: [...prompt, ...g.ids.slice(0, 4)], n: 8, id: "cont" }]));
    const b = ref("greedy", "--model", tiny, "--batch", batchFile, "--n", "16");
    check("greedy --batch == single", eq(b.results[0].ids, g.ids));
    check("greedy continuation is consistent with prefix", eq(b.results[1].ids, g.ids.slice(4, 12)) && b.results[1].id === "cont",
        JSON.stringify(b.results[1]));

    const l = ref("logits", "--model", tiny, "--prompt-ids", prompt.join(","), "--out", path.join(TMP, "l.f32"));
    const lv = new Float32Array(fs.readFileSync(l.path).buffer.slice(0));
    let am = 0; for (let i = 1; i < lv.length; i++) if (lv[i] > lv[am]) am = i;
    check("logits: shape [1, n_vocab]", eq(l.shape, [1, 128256]) && lv.length === 128256);
    check("logits: argmax == first greedy token", am === g.ids[0] && l.argmax[0] === g.ids[0], `${am} vs ${g.ids[0]}`);
    let s = 0; for (const x of lv) s += Math.exp(x);
    check("logits: log-softmax normalises", Math.abs(s - 1) < 1e-4, String(s));

    const p = ref("probs", "--model", tiny, "--prompt-ids", prompt.join(","), "--positions", "all", "--out", path.join(TMP, "p.f32"));
    const pv = new Float32Array(fs.readFileSync(p.path).buffer.slice(0));
    check("probs --positions all: shape", eq(p.shape, [3, 128256]) && pv.length === 3 * 128256);
    let maxd = 0; for (let i = 0; i < 128256; i++) maxd = Math.max(maxd, Math.abs(Math.log(pv[2 * 128256 + i]) - lv[i]));
    check("probs last row == exp(logits)", maxd < 1e-4, String(maxd));

    // make the 4th greedy token an EOS token: greedy must run past it unless --stop-at-eos
    if (!fs.existsSync(tinyEos))
        sh("python3", [path.join(HERE, "make-test-gguf.py"), "--shape", "tiny", "--std", "0.2", "--eos-id", String(g.ids[3]), "--out", tinyEos]);
    const e1 = ref("greedy", "--model", tinyEos, "--prompt-ids", prompt.join(","), "--n", "8");
    check("greedy does not stop at EOS by default", eq(e1.ids, g.ids.slice(0, 8)), JSON.stringify(e1.ids));
    const e2 = ref("greedy", "--model", tinyEos, "--prompt-ids", prompt.join(","), "--n", "8", "--stop-at-eos");
    check("greedy --stop-at-eos stops after EOS", eq(e2.ids, g.ids.slice(0, 4)) && e2.stopped_at_eos === true, JSON.stringify(e2));
}

fs.rmSync(TMP, { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
