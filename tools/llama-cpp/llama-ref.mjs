#!/usr/bin/env node
// llama-ref: a small CLI over node-llama-cpp (llama.cpp) used as the reference engine by llama3j's
// tests. Tests only; never a product dependency. Machine-readable JSON goes to stdout (exactly one
// JSON document per run); every log line goes to stderr. Exit code 0 on success, 1 on error, 2 on
// bad usage.
//
// Subcommands (see usage() below and tools/llama-cpp/README.md):
//   check                                         backend info (CPU only, prebuilt binary)
//   info       --model F.gguf                     vocab size, special tokens, train ctx
//   tokenize   --model F.gguf --texts T.json [--no-special]
//   detokenize --model F.gguf --ids I.json [--no-special]
//   greedy     --model F.gguf (--prompt-ids 1,2,3 | --batch B.json) --n 24 [--stop-at-eos]
//   logits     --model F.gguf --prompt-ids 1,2,3 [--positions last|all] [--out F.f32]
//   probs      same as logits, writes probabilities instead of log-probabilities
//
// Common options: --threads N (default: all cores), --ctx N, --batch-size N,
//   --flash-attention auto|on|off, --log-level error|warn|info|debug (default error).

import fs from "node:fs";
import os from "node:os";
import path from "node:path";

// Must be set before node-llama-cpp is imported: its config module reads them at load time.
// Never download or build anything, never look for a GPU.
process.env.NODE_LLAMA_CPP_SKIP_DOWNLOAD = "true";
process.env.NODE_LLAMA_CPP_GPU = "false";
process.env.NODE_LLAMA_CPP_POSTINSTALL = "skip";

const USAGE = `usage: node llama-ref.mjs <command> [options]
commands:
  check
  info       --model F.gguf
  tokenize   --model F.gguf (--texts T.json | --text STR) [--no-special]
             -> [[ids...], ...]   (no BOS added; special-token text parsed unless --no-special)
  detokenize --model F.gguf (--ids I.json | --ids-list 1,2,3) [--no-special]
             -> ["text", ...]     (I.json: array of id arrays)
  greedy     --model F.gguf (--prompt-ids 1,2,3 | --batch B.json) --n N [--stop-at-eos]
             -> {"ids":[...]} or {"results":[{"ids":[...]},...]}
             B.json: [[1,2,3],[4,5]] or [{"prompt_ids":[1,2,3],"n":8},...]
  logits     --model F.gguf --prompt-ids 1,2,3 [--positions last|all] [--out F.f32]
             -> writes float32 LE [positions x n_vocab] log-softmax(logits); JSON describes it
  probs      like logits but writes probabilities
options: --threads N  --ctx N  --batch-size N  --flash-attention auto|on|off
         --log-level error|warn|info|debug (logs go to stderr)`;

class UsageError extends Error {}

function parseArgs(argv) {
    const flags = new Set(["no-special", "stop-at-eos", "help"]);
    const out = { _: [] };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "-h") { out.help = true; continue; }
        if (!a.startsWith("--")) { out._.push(a); continue; }
        let key = a.slice(2);
        let val;
        const eq = key.indexOf("=");
        if (eq >= 0) { val = key.slice(eq + 1); key = key.slice(0, eq); }
        else if (flags.has(key)) val = true;
        else {
            if (i + 1 >= argv.length) throw new UsageError(`missing value for --${key}`);
            val = argv[++i];
        }
        out[key] = val;
    }
    return out;
}

function intOpt(opts, key, dflt) {
    if (opts[key] == null) return dflt;
    const v = Number(opts[key]);
    if (!Number.isInteger(v)) throw new UsageError(`--${key} must be an integer, got ${opts[key]}`);
    return v;
}

function parseIdList(s, what) {
    if (s === true || s == null) throw new UsageError(`${what} needs a value`);
    const str = String(s).trim();
    if (str === "") return [];
    const ids = str.split(/[\s,]+/).filter((x) => x !== "").map(Number);
    if (ids.some((x) => !Number.isInteger(x) || x < 0)) throw new UsageError(`${what}: bad token id list`);
    return ids;
}

function readJson(file, what) {
    if (file == null || file === true) throw new UsageError(`${what} needs a file`);
    return JSON.parse(fs.readFileSync(file, "utf8"));
}

function log(...args) {
    process.stderr.write(`[llama-ref] ${args.join(" ")}\n`);
}

function writeStdout(obj) {
    return new Promise((resolve) => process.stdout.write(JSON.stringify(obj) + "\n", resolve));
}

const LOG_LEVELS = ["disabled", "fatal", "error", "warn", "info", "log", "debug"];

// When loading a vocab-only GGUF, node-llama-cpp first tries a no-alloc full load to estimate
// resources ("simulator session"); that load fails on the missing tensors and llama.cpp logs it as
// an error before node-llama-cpp falls back. Those two lines are noise, so they are dropped then.
const logFilter = { vocabOnlyLoad: false };
const VOCAB_ONLY_NOISE = /^llama_model_load(_from_file_impl)?: (error loading model: missing tensor|failed to load model)/;

async function loadLlama(opts) {
    const nlc = await import("node-llama-cpp");
    const levelName = String(opts["log-level"] ?? "error");
    if (!LOG_LEVELS.includes(levelName)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(", ")}`);
    const threads = intOpt(opts, "threads", os.availableParallelism());
    const llama = await nlc.getLlama({
        gpu: false,
        build: "never",            // never compile llama.cpp from source
        usePrebuiltBinaries: true, // @node-llama-cpp/linux-x64
        skipDownload: true,        // never fetch llama.cpp sources from GitHub
        progressLogs: false,
        logLevel: levelName,
        logger: (level, message) => {
            const m = String(message).replace(/\n$/, "");
            if (logFilter.vocabOnlyLoad && VOCAB_ONLY_NOISE.test(m)) return;
            if (m !== "") process.stderr.write(`[llama.cpp:${level}] ${m}\n`);
        },
        maxThreads: threads,
    });
    return { nlc, llama, threads };
}

async function loadModel(llama, opts, { vocabOnly = false } = {}) {
    const modelPath = opts.model;
    if (modelPath == null || modelPath === true) throw new UsageError("--model FILE.gguf is required");
    if (!fs.existsSync(modelPath)) throw new Error(`model file not found: ${modelPath}`);
    logFilter.vocabOnlyLoad = vocabOnly;
    try {
        return await llama.loadModel({
            modelPath: path.resolve(modelPath),
            gpuLayers: 0,
            vocabOnly,
            useMmap: true,
        });
    } finally {
        logFilter.vocabOnlyLoad = false;
    }
}

async function createContext(model, opts, threads, needed) {
    const ctxSize = intOpt(opts, "ctx", Math.max(needed + 16, 64));
    if (ctxSize < needed) throw new UsageError(`--ctx ${ctxSize} is smaller than the ${needed} tokens needed`);
    const fa = opts["flash-attention"] ?? "auto";
    const flashAttention = fa === "on" || fa === "true" ? true : fa === "off" || fa === "false" ? false : "auto";
    const batchSize = intOpt(opts, "batch-size", Math.min(ctxSize, 512));
    const context = await model.createContext({
        contextSize: ctxSize,
        batchSize,
        sequences: 1,
        threads: { ideal: threads, min: threads },
        flashAttention,
        failedCreationRemedy: false, // never silently shrink the context
        ignoreMemorySafetyChecks: true,
    });
    if (context.contextSize < needed)
        throw new Error(`context has ${context.contextSize} cells, ${needed} needed`);
    return context;
}

function checkIds(model, ids, what) {
    const nVocab = model.fileInsights.tokens?.length ?? model.tokens?.vocabularyLength;
    for (const id of ids)
        if (nVocab != null && id >= nVocab) throw new UsageError(`${what}: token id ${id} >= n_vocab ${nVocab}`);
    if (ids.length === 0) throw new UsageError(`${what}: empty prompt`);
}

function vocabSize(model) {
    // number of logits/probabilities the model outputs
    let n = 0;
    for (const _ of model.iterateAllTokens()) n++;
    return n;
}

// ---- commands ----

async function cmdCheck(opts) {
    const { llama } = await loadLlama(opts);
    return {
        gpu: llama.gpu,
        buildType: llama.buildType,
        llamaCppRelease: llama.llamaCppRelease,
        supportsGpuOffloading: llama.supportsGpuOffloading,
        cpuMathCores: llama.cpuMathCores,
        maxThreads: llama.maxThreads,
        nodeLlamaCppVersion: JSON.parse(fs.readFileSync(new URL("./node_modules/node-llama-cpp/package.json", import.meta.url))).version,
    };
}

async function cmdInfo(opts) {
    const { llama } = await loadLlama(opts);
    const model = await loadModel(llama, opts, { vocabOnly: true });
    const t = model.tokens;
    return {
        model: opts.model,
        n_vocab: vocabSize(model),
        bos: t.bos ?? null, eos: t.eos ?? null, eot: t.eot ?? null,
        should_prepend_bos: t.shouldPrependBosToken,
        train_context_size: model.fileInsights.trainContextSize ?? null,
        embedding_length: model.fileInsights.embeddingVectorSize ?? null,
        block_count: model.fileInfo.metadata?.[model.fileInfo.metadata?.general?.architecture]?.block_count ?? null,
        model_size_bytes: model.fileInsights.modelSize,
        architecture: model.fileInfo.metadata?.general?.architecture ?? null,
    };
}

async function cmdTokenize(opts) {
    let texts;
    if (opts.text != null) texts = [String(opts.text)];
    else texts = readJson(opts.texts, "--texts");
    if (!Array.isArray(texts) || texts.some((t) => typeof t !== "string"))
        throw new UsageError("--texts must be a JSON array of strings");
    const { llama } = await loadLlama(opts);
    const model = await loadModel(llama, opts, { vocabOnly: true });
    const special = !opts["no-special"];
    // LlamaModel.tokenize -> llama.cpp common_tokenize(vocab, text, add_special=false, parse_special=special):
    // no BOS/EOS is ever added.
    return texts.map((t) => Array.from(model.tokenize(t, special)));
}

async function cmdDetokenize(opts) {
    let lists;
    if (opts["ids-list"] != null) lists = [parseIdList(opts["ids-list"], "--ids-list")];
    else lists = readJson(opts.ids, "--ids");
    if (!Array.isArray(lists) || lists.some((l) => !Array.isArray(l))) throw new UsageError("--ids must be a JSON array of id arrays");
    const { llama } = await loadLlama(opts);
    const model = await loadModel(llama, opts, { vocabOnly: true });
    const special = !opts["no-special"];
    return lists.map((l) => model.detokenize(l, special));
}

function parseGreedyJobs(opts) {
    const nDefault = intOpt(opts, "n", null);
    let jobs;
    if (opts.batch != null) {
        const b = readJson(opts.batch, "--batch");
        if (!Array.isArray(b)) throw new UsageError("--batch must be a JSON array");
        jobs = b.map((item, i) => {
            const ids = Array.isArray(item) ? item : item?.prompt_ids;
            const n = Array.isArray(item) ? nDefault : (item.n ?? nDefault);
            if (!Array.isArray(ids)) throw new UsageError(`--batch item ${i}: expected id array or {prompt_ids, n}`);
            return { prompt: ids.map(Number), n, id: Array.isArray(item) ? undefined : item.id };
        });
    } else if (opts["prompt-ids"] != null) {
        jobs = [{ prompt: parseIdList(opts["prompt-ids"], "--prompt-ids"), n: nDefault }];
    } else throw new UsageError("greedy needs --prompt-ids or --batch");
    for (const j of jobs)
        if (!Number.isInteger(j.n) || j.n < 0) throw new UsageError("greedy needs --n N (or n in each batch item)");
    return jobs;
}

async function cmdGreedy(opts) {
    const jobs = parseGreedyJobs(opts);
    const stopAtEos = !!opts["stop-at-eos"];
    const { llama, threads } = await loadLlama(opts);
    const t0 = performance.now();
    const model = await loadModel(llama, opts);
    for (const [i, j] of jobs.entries()) checkIds(model, j.prompt, `prompt ${i}`);
    const needed = Math.max(...jobs.map((j) => j.prompt.length + j.n));
    const context = await createContext(model, opts, threads, needed);
    const sequence = context.getSequence();
    const t1 = performance.now();
    const results = [];
    for (const j of jobs) {
        await sequence.clearHistory();
        const ids = [];
        let stoppedAtEog = false;
        if (j.n > 0) {
            // temperature 0 -> node-llama-cpp's sampler chain is just llama_sampler_init_greedy()
            // (argmax over the raw logits); no repeat penalty, token bias, top-k/p, or grammar.
            // The prompt ids are fed as-is: no BOS is added. yieldEogToken keeps going past EOS/EOT.
            const gen = sequence.evaluate(j.prompt, {
                temperature: 0,
                yieldEogToken: true,
                contextShift: { size: 0 },
            });
            for await (const token of gen) {
                ids.push(token);
                if (stopAtEos && model.isEogToken(token)) { stoppedAtEog = true; break; }
                if (ids.length >= j.n) break;
            }
            await gen.return?.();
            // sanity: the sequence must hold exactly the given prompt (no BOS or anything else added)
            const ctxTokens = sequence.contextTokens;
            if (j.prompt.some((t, k) => ctxTokens[k] !== t))
                throw new Error(`context does not start with the prompt ids: ${ctxTokens.slice(0, j.prompt.length + 1)}`);
        }
        const r = { ids };
        if (j.id !== undefined) r.id = j.id;
        if (stopAtEos) r.stopped_at_eos = stoppedAtEog;
        results.push(r);
    }
    const t2 = performance.now();
    const timings = { load_ms: Math.round(t1 - t0), eval_ms: Math.round(t2 - t1), threads };
    await context.dispose();
    await model.dispose();
    if (opts.batch != null) return { model: opts.model, results, timings };
    return { model: opts.model, n: jobs[0].n, prompt_len: jobs[0].prompt.length, ids: results[0].ids,
        ...(stopAtEos ? { stopped_at_eos: results[0].stopped_at_eos } : {}), timings };
}

async function cmdLogits(opts, kind) {
    const prompt = parseIdList(opts["prompt-ids"], "--prompt-ids");
    const positionsMode = String(opts.positions ?? "last");
    if (!["last", "all"].includes(positionsMode)) throw new UsageError("--positions must be last or all");
    const { llama, threads } = await loadLlama(opts);
    const model = await loadModel(llama, opts);
    checkIds(model, prompt, "--prompt-ids");
    const nVocab = vocabSize(model);
    const context = await createContext(model, opts, threads, prompt.length);
    const sequence = context.getSequence();
    const want = { probabilities: true, token: true, options: { temperature: 0 } };
    const input = prompt.map((id, i) =>
        (positionsMode === "all" || i === prompt.length - 1) ? [id, { generateNext: want }] : id);
    // node-llama-cpp does not expose raw logits. With temperature 0 its sampler chain is just the greedy
    // sampler, which leaves all n_vocab logits untouched; it then returns softmax(logits) over the full
    // vocabulary (computed natively in float32 with expf). We recover log p = logit - logsumexp(logits).
    const outputs = await sequence.controlledEvaluate(input);
    const positions = [];
    for (let i = 0; i < prompt.length; i++) if (outputs[i] != null) positions.push(i);
    const buf = Buffer.alloc(positions.length * nVocab * 4);
    const argmax = [];
    let underflow = 0;
    positions.forEach((pos, row) => {
        const next = outputs[pos].next;
        const probs = next.probabilities;
        if (probs == null || probs.size !== nVocab)
            throw new Error(`expected ${nVocab} probabilities at position ${pos}, got ${probs?.size}`);
        const base = row * nVocab * 4;
        for (const [tok, p] of probs) {
            if (p === 0) underflow++;
            buf.writeFloatLE(kind === "probs" ? p : Math.log(p), base + tok * 4);
        }
        argmax.push(next.token);
    });
    let out = opts.out;
    if (out == null || out === true)
        out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "llama-ref-")), `${kind}.f32`);
    fs.writeFileSync(out, buf);
    await context.dispose();
    await model.dispose();
    return {
        model: opts.model,
        path: path.resolve(out),
        dtype: "float32",
        endian: "little",
        kind: kind === "probs" ? "probabilities" : "log_softmax",
        shape: [positions.length, nVocab],
        positions,
        n_vocab: nVocab,
        argmax,
        zero_probabilities: underflow,
        note: kind === "probs"
            ? "softmax(logits) over the full vocabulary"
            : "raw logits are not exposed by node-llama-cpp 3.21.1; values are logits - logsumexp(logits) (a per-row constant shift), -Infinity where float32 expf underflowed",
    };
}

async function main() {
    let opts;
    try {
        opts = parseArgs(process.argv.slice(2));
    } catch (e) {
        log(e.message); log(USAGE); return 2;
    }
    const cmd = opts._[0];
    if (opts.help || cmd == null || cmd === "help") { process.stderr.write(USAGE + "\n"); return cmd == null && !opts.help ? 2 : 0; }
    const commands = {
        check: cmdCheck,
        info: cmdInfo,
        tokenize: cmdTokenize,
        detokenize: cmdDetokenize,
        greedy: cmdGreedy,
        logits: (o) => cmdLogits(o, "logits"),
        logprobs: (o) => cmdLogits(o, "logits"),
        probs: (o) => cmdLogits(o, "probs"),
    };
    const fn = commands[cmd];
    if (fn == null) { log(`unknown command: ${cmd}`); log(USAGE); return 2; }
    try {
        const result = await fn(opts);
        await writeStdout(result);
        return 0;
    } catch (e) {
        if (e instanceof UsageError) { log(e.message); log(USAGE); return 2; }
        log(`error: ${e?.stack ?? e}`);
        return 1;
    }
}

// node-llama-cpp keeps native handles alive; exit explicitly once stdout is flushed.
process.exit(await main());
