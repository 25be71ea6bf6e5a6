package dev.llama3j.datagen;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The pipeline over prompts: every generator answers each prompt, the UltraFeedback judge rates the
 * answers, and the row goes to a sink in input order.
 *
 * <p>Up to {@code batch} rows are in flight at once: all of a row's generator requests are submitted
 * together, and its judge request as soon as its last generation is in, so the engine always has
 * many sequences to batch (generations of later rows and judgements of earlier ones side by side).
 * Rows finish in any order; the sink gets them in input order, each as soon as all before it are
 * done. A row whose generation or judge request fails is delivered with its error; the run goes on.
 *
 * <pre>{@code
 * try (ModelPool pool = ModelPool.open(specs, LlamaOptions.defaults().withParallel(8))) {
 *     DatagenPipeline p = new DatagenPipeline(List.of(pool.backend(a), pool.backend(b)), pool.backend(judge),
 *             new UltraFeedback(UltraFeedbackAspect.OVERALL_RATING), 32, DatagenProgress.NONE);
 *     p.run(PromptLoader.readJsonLines(prompts, "instruction"), writer::write);
 * }
 * }</pre>
 */
public final class DatagenPipeline {
    private final List<ChatBackend> generators;
    private final ChatBackend judge;
    private final UltraFeedback task;
    private final int batch;
    private final DatagenProgress progress;

    /**
     * @param batch rows in flight at once (each with one request per generator, then one to the judge)
     */
    public DatagenPipeline(List<ChatBackend> generators, ChatBackend judge, UltraFeedback task, int batch,
            DatagenProgress progress) {
        if (generators.isEmpty()) {
            throw new IllegalArgumentException("at least one generator is needed");
        }
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be at least 1, got " + batch);
        }
        this.generators = List.copyOf(generators);
        this.judge = judge;
        this.task = task;
        this.batch = batch;
        this.progress = progress;
    }

    /** Processes {@code prompts}, handing each finished row to {@code sink} in input order. */
    public void run(List<PromptRow> prompts, Consumer<DatagenRow> sink) {
        AtomicLong tokens = new AtomicLong();
        BlockingQueue<Object[]> finished = new LinkedBlockingQueue<>();
        Map<Integer, DatagenRow> waiting = new HashMap<>();
        // Judge requests are submitted from a thread of our own, not from the engine's thread that
        // completes the generations.
        try (ExecutorService submitter = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "datagen-submit");
            t.setDaemon(true);
            return t;
        })) {
            int started = 0;
            int written = 0;
            int inFlight = 0;
            while (written < prompts.size()) {
                while (started < prompts.size() && inFlight < batch) {
                    int position = started++;
                    inFlight++;
                    process(prompts.get(position), tokens, submitter)
                            .thenAccept(row -> finished.add(new Object[] {position, row}));
                }
                Object[] done = take(finished);
                inFlight--;
                waiting.put((Integer) done[0], (DatagenRow) done[1]);
                while (waiting.containsKey(written)) {
                    sink.accept(waiting.remove(written));
                    written++;
                    progress.update(written, prompts.size(), tokens.get());
                }
            }
        }
    }

    /** Processes a list of prompts and returns their rows in input order. */
    public List<DatagenRow> process(List<PromptRow> prompts) {
        List<DatagenRow> rows = new ArrayList<>(prompts.size());
        run(prompts, rows::add);
        return rows;
    }

    /** One row: all generations, then the judge; always completes normally (failures become the row's error). */
    private CompletableFuture<DatagenRow> process(PromptRow prompt, AtomicLong tokens, ExecutorService submitter) {
        List<String> names = generators.stream().map(ChatBackend::modelName).toList();
        List<CompletableFuture<ChatResult>> answers = new ArrayList<>();
        for (ChatBackend g : generators) {
            answers.add(g.submit(List.of(dev.llama3j.chat.Message.user(prompt.instruction())))
                    .whenComplete((r, e) -> {
                        if (r != null) {
                            tokens.addAndGet(r.completionTokens());
                        }
                    }));
        }
        return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).handle((v, e) -> null)
                .thenComposeAsync(v -> {
                    List<String> generations = new ArrayList<>();
                    List<String> errors = new ArrayList<>();
                    for (int i = 0; i < answers.size(); i++) {
                        CompletableFuture<ChatResult> a = answers.get(i);
                        if (a.isCompletedExceptionally()) {
                            generations.add(null);
                            errors.add("generation " + (i + 1) + " (" + names.get(i) + ") failed: " + message(a));
                        } else {
                            generations.add(a.join().text());
                        }
                    }
                    if (!errors.isEmpty()) {
                        return CompletableFuture.completedFuture(new DatagenRow(prompt.index(), prompt.instruction(),
                                generations, names, task.aspect(), null, judge.modelName(), null, null,
                                String.join("; ", errors)));
                    }
                    return judge.submit(task.messages(prompt.instruction(), generations)).handle((r, e) -> {
                        if (e != null) {
                            return new DatagenRow(prompt.index(), prompt.instruction(), generations, names, task.aspect(),
                                    null, judge.modelName(), null, null, "judge (" + judge.modelName() + ") failed: "
                                            + describe(cause(e)));
                        }
                        tokens.addAndGet(r.completionTokens());
                        Judgement j = task.parse(r.text(), generations.size());
                        return new DatagenRow(prompt.index(), prompt.instruction(), generations, names, task.aspect(), j,
                                judge.modelName(), r.text(), Preference.of(j.ratings(), generations.size()), null);
                    });
                }, submitter)
                .exceptionally(e -> new DatagenRow(prompt.index(), prompt.instruction(), List.of(), names, task.aspect(),
                        null, judge.modelName(), null, null, "row failed: " + describe(cause(e))));
    }

    private static String message(CompletableFuture<?> failed) {
        try {
            failed.join();
            return "";
        } catch (CompletionException e) {
            return describe(cause(e));
        } catch (RuntimeException e) {
            return e.toString();
        }
    }

    private static String describe(Throwable e) {
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }

    private static Throwable cause(Throwable e) {
        Throwable c = e;
        while (c instanceof CompletionException && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }

    private static Object[] take(BlockingQueue<Object[]> queue) {
        try {
            return queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for rows", e);
        }
    }
}
