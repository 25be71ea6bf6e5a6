package dev.llama3j.engine;

import dev.llama3j.chat.FinishReason;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.model.KvCacheType;
import dev.llama3j.sampling.SamplingParams;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The scheduler and the step around it, driven without a model by {@link FakeModel}. */
class SchedulerTest {
    static final int CONTEXT = 48;

    /** Counts what a listener hears, to check each request ends exactly once. */
    static final class Recorder implements GenerationListener {
        int finishes;
        int errors;
        GenerationResult result;

        @Override
        public void onFinish(GenerationResult r) {
            finishes++;
            result = r;
        }

        @Override
        public void onError(Throwable t) {
            errors++;
        }
    }

    static GenerationRequest request(int[] prompt, int maxTokens) {
        return new GenerationRequest(prompt, SamplingParams.greedy(), maxTokens, null, null, -1, null);
    }

    static int[] prompt(int... ids) {
        return ids;
    }

    static int[] range(int from, int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = 2 + (from + i) % (FakeModel.VOCAB - 2);
        }
        return p;
    }

    /** Runs steps until nothing is left; returns how many. */
    static int drain(EngineCore core) {
        int steps = 0;
        while (core.scheduler.hasWork()) {
            core.execute(core.scheduler.schedule());
            steps++;
            assertTrue(steps < 10_000, "the scheduler makes no progress");
        }
        return steps;
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 42, 2024})
    void randomArrivalsAndCancellations(long seed) {
        Random random = new Random(seed);
        int parallel = 6;
        int batchTokens = 24;
        int busy = 6;
        EngineOptions options = new EngineOptions(parallel, CONTEXT, batchTokens, busy, 20, KvCacheType.F32);
        EngineMetrics metrics = new EngineMetrics();
        FakeModel fake = new FakeModel();
        EngineCore core = fake.core(options, batchTokens, metrics);
        Scheduler scheduler = core.scheduler;
        // Shared prefixes (system prompts) so that slots get reused.
        int[][] prefixes = {range(0, 12), range(20, 5), range(40, 30)};
        List<Sequence> accepted = new ArrayList<>();
        List<Recorder> recorders = new ArrayList<>();
        List<Sequence> live = new ArrayList<>();
        int rejected = 0;
        int target = 300;
        int steps = 0;
        while (accepted.size() + rejected < target || scheduler.hasWork()) {
            if (accepted.size() + rejected < target) {
                for (int k = random.nextInt(4); k > 0; k--) {
                    int[] prefix = prefixes[random.nextInt(prefixes.length)];
                    int len = Math.min(CONTEXT - 2, prefix.length + random.nextInt(12));
                    int[] p = range(random.nextInt(1000), len);
                    System.arraycopy(prefix, 0, p, 0, Math.min(prefix.length, len) - (random.nextBoolean() ? 0 : 1));
                    Recorder rec = new Recorder();
                    int adapter = random.nextInt(5) == 0 ? 1 : 0;
                    Sequence s = FakeModel.sequence(request(p, 1 + random.nextInt(30)), rec, adapter);
                    try {
                        scheduler.enqueue(s);
                        accepted.add(s);
                        recorders.add(rec);
                        live.add(s);
                    } catch (EngineOverloadedException e) {
                        rejected++;
                    }
                }
            }
            if (!live.isEmpty() && random.nextInt(10) == 0) {
                live.remove(random.nextInt(live.size())).handle.cancel();
            }
            // Who is generating now must feed a token this step: decode never starves.
            Set<Sequence> decoding = new HashSet<>();
            for (int i = 0; i < scheduler.slots(); i++) {
                Sequence s = scheduler.slot(i).sequence;
                if (s != null && !s.inPrefill() && !s.handle.isCancelled()) {
                    decoding.add(s);
                }
            }
            int[] promptPosBefore = new int[accepted.size()];
            for (int i = 0; i < accepted.size(); i++) {
                promptPosBefore[i] = accepted.get(i).promptPos;
            }
            StepPlan plan = scheduler.schedule();
            checkPlan(plan, scheduler, decoding, batchTokens, busy);
            for (int e = plan.decodes(); e < plan.size(); e++) {
                Sequence s = plan.sequence(e);
                int before = promptPosBefore[accepted.indexOf(s)];
                // A sequence admitted this step starts after its reused prefix; others go on where they stopped.
                assertEquals(before == 0 ? s.cachedPromptTokens : before, plan.start(e), "prefill resumes in place");
            }
            core.execute(plan);
            live.removeIf(s -> s.handle.future().isDone());
            steps++;
            assertTrue(steps < 20_000, "the scheduler makes no progress");
        }
        assertEquals(0, scheduler.running());
        assertEquals(0, scheduler.queued());
        for (int i = 0; i < scheduler.slots(); i++) {
            assertNull(scheduler.slot(i).sequence, "slot " + i + " leaked");
        }
        int cancelled = 0;
        for (int i = 0; i < accepted.size(); i++) {
            Sequence s = accepted.get(i);
            Recorder rec = recorders.get(i);
            assertEquals(1, rec.finishes, "request " + i + " must finish exactly once");
            assertEquals(0, rec.errors);
            int[] want = FakeModel.expected(s.request.prompt(), s.request.maxTokens(), CONTEXT);
            int[] got = rec.result.tokens();
            if (rec.result.finishReason() == FinishReason.CANCELLED) {
                cancelled++;
                assertTrue(got.length <= want.length);
                assertArrayEquals(java.util.Arrays.copyOf(want, got.length), got, "request " + i);
            } else {
                assertArrayEquals(want, got, "request " + i + " got another sequence's rows or positions");
                assertEquals(want[want.length - 1] == FakeModel.EOS ? FinishReason.STOP : FinishReason.LENGTH,
                        rec.result.finishReason());
            }
        }
        assertEquals(accepted.size(), metrics.requests.get());
        assertEquals(rejected, metrics.requestsRejected.get());
        assertEquals(accepted.size() - cancelled, metrics.requestsFinished.get());
        assertEquals(cancelled, metrics.requestsCancelled.get());
        assertTrue(cancelled > 0, "the run cancelled some requests");
        assertTrue(metrics.cachedPromptTokens.get() > 0, "the run reused some prefixes");
        assertTrue(fake.largestBatch <= batchTokens);
    }

    /** What every plan must satisfy, whatever came before. */
    static void checkPlan(StepPlan plan, Scheduler scheduler, Set<Sequence> decoding, int batchTokens, int busy) {
        assertTrue(plan.tokens() <= batchTokens, "budget exceeded: " + plan.tokens());
        if (plan.decodes() > 0) {
            assertTrue(plan.tokens() - plan.decodes() <= busy, "prefill took more than the busy budget");
        }
        Set<Sequence> seen = new HashSet<>();
        Set<Sequence> decodes = new HashSet<>();
        int rows = 0;
        for (int e = 0; e < plan.size(); e++) {
            Sequence s = plan.sequence(e);
            assertTrue(seen.add(s), "a sequence runs twice in one step");
            assertSame(s, s.slot.sequence, "the sequence's slot is its own");
            assertTrue(plan.count(e) > 0);
            if (e < plan.decodes()) {
                decodes.add(s);
                assertEquals(1, plan.count(e));
                assertTrue(plan.wantsLogits(e));
            } else {
                assertEquals(s.promptPos == s.request.prompt().length, plan.wantsLogits(e));
            }
            if (plan.wantsLogits(e)) {
                assertSame(s, plan.row(rows++), "rows follow the entries");
            }
        }
        assertEquals(rows, plan.outputs());
        assertEquals(decoding, decodes, "every generating sequence feeds its token");
        for (Sequence s : plan.cancelled) {
            assertNull(s.slot, "a cancelled sequence has left its slot");
            assertFalse(seen.contains(s));
        }
        int occupied = 0;
        for (int i = 0; i < scheduler.slots(); i++) {
            if (scheduler.slot(i).sequence != null) {
                occupied++;
                assertTrue(seen.contains(scheduler.slot(i).sequence) || batchTokens - plan.tokens() <= 0
                        || (plan.decodes() > 0 && plan.tokens() - plan.decodes() >= busy),
                        "a sequence with room in the budget was left out");
            }
        }
        assertEquals(occupied, scheduler.running(), "slots and running sequences agree");
    }

    @Test
    void decodeFirstThenShortestPromptWithinTheBusyBudget() {
        EngineOptions options = new EngineOptions(3, CONTEXT, 16, 4, 8, KvCacheType.F32);
        EngineCore core = new FakeModel().core(options, 16, new EngineMetrics());
        Scheduler scheduler = core.scheduler;
        Sequence a = FakeModel.sequence(request(range(0, 3), 20), new Recorder(), 0);
        scheduler.enqueue(a);
        StepPlan plan = scheduler.schedule();
        assertEquals(1, plan.size());
        assertEquals(3, plan.tokens(), "an idle engine gives a prompt the whole batch");
        core.execute(plan);
        Sequence longer = FakeModel.sequence(request(range(5, 30), 5), new Recorder(), 0);
        Sequence shorter = FakeModel.sequence(request(range(9, 3), 5), new Recorder(), 0);
        scheduler.enqueue(longer);
        scheduler.enqueue(shorter);
        plan = scheduler.schedule();
        assertSame(a, plan.sequence(0), "the generating sequence goes first");
        assertEquals(1, plan.decodes());
        assertSame(shorter, plan.sequence(1), "shortest remaining prompt first");
        assertEquals(3, plan.count(1));
        assertSame(longer, plan.sequence(2));
        assertEquals(1, plan.count(2), "prompts share the busy budget of 4");
        assertEquals(5, plan.tokens());
    }

    @Test
    void fullQueueIsRefusedWithAMessage() {
        EngineMetrics metrics = new EngineMetrics();
        Scheduler scheduler = new Scheduler(new EngineOptions(1, CONTEXT, 8, 8, 2, KvCacheType.F32), 8, metrics);
        scheduler.enqueue(FakeModel.sequence(request(range(0, 3), 2), new Recorder(), 0));
        scheduler.enqueue(FakeModel.sequence(request(range(0, 3), 2), new Recorder(), 0));
        EngineOverloadedException e = assertThrows(EngineOverloadedException.class,
                () -> scheduler.enqueue(FakeModel.sequence(request(range(0, 3), 2), new Recorder(), 0)));
        assertTrue(e.getMessage().contains("2 requests are waiting"), e.getMessage());
        assertEquals(1, metrics.requestsRejected.get());
        assertEquals(2, scheduler.queued());
    }

    @Test
    void prefixIsReusedOnlyWithTheSameAdapter() {
        EngineOptions options = new EngineOptions(1, CONTEXT, 32, 8, 8, KvCacheType.F32);
        EngineCore core = new FakeModel().core(options, 32, new EngineMetrics());
        int[] p = range(3, 10);
        Recorder first = new Recorder();
        core.scheduler.enqueue(FakeModel.sequence(request(p, 4), first, 0));
        drain(core);
        Recorder again = new Recorder();
        core.scheduler.enqueue(FakeModel.sequence(request(p, 4), again, 0));
        drain(core);
        assertEquals(9, again.result.cachedPromptTokens(), "all but the last prompt token");
        assertArrayEquals(first.result.tokens(), again.result.tokens());
        Recorder other = new Recorder();
        core.scheduler.enqueue(FakeModel.sequence(request(p, 4), other, 1));
        drain(core);
        assertEquals(0, other.result.cachedPromptTokens(), "another adapter's cache holds other values");
    }

    @Test
    void cancelledSequencesLeaveBeforeThePass() {
        EngineOptions options = new EngineOptions(2, CONTEXT, 16, 8, 8, KvCacheType.F32);
        FakeModel fake = new FakeModel();
        EngineCore core = fake.core(options, 16, new EngineMetrics());
        Recorder rec = new Recorder();
        Sequence s = FakeModel.sequence(request(range(0, 4), 30), rec, 0);
        core.scheduler.enqueue(s);
        core.execute(core.scheduler.schedule());
        s.handle.cancel();
        StepPlan plan = core.scheduler.schedule();
        assertEquals(List.of(s), plan.cancelled);
        assertTrue(plan.isEmpty());
        assertEquals(0, core.scheduler.running());
        int passes = fake.passes;
        core.execute(plan);
        assertEquals(passes, fake.passes, "no pass for nobody");
        assertEquals(FinishReason.CANCELLED, rec.result.finishReason());
        assertEquals(1, rec.finishes);
    }

    @Test
    void aFailedPassFailsEveryRunningSequenceAndForgetsTheirCaches() {
        EngineOptions options = new EngineOptions(2, CONTEXT, 16, 8, 8, KvCacheType.F32);
        FakeModel fake = new FakeModel();
        EngineCore core = fake.core(options, 16, new EngineMetrics());
        Recorder a = new Recorder();
        Recorder b = new Recorder();
        core.scheduler.enqueue(FakeModel.sequence(request(range(0, 4), 30), a, 0));
        core.scheduler.enqueue(FakeModel.sequence(request(range(7, 4), 30), b, 0));
        core.execute(core.scheduler.schedule());
        fake.failNext = new IllegalStateException("boom");
        StepPlan plan = core.scheduler.schedule();
        RuntimeException e = assertThrows(IllegalStateException.class, () -> core.execute(plan));
        core.failRunning(e);
        assertEquals(1, a.errors);
        assertEquals(1, b.errors);
        assertEquals(0, core.scheduler.running());
        for (int i = 0; i < core.scheduler.slots(); i++) {
            assertEquals(0, core.scheduler.slot(i).cached, "slot " + i + " keeps nothing half-written");
        }
        // The engine goes on serving.
        Recorder c = new Recorder();
        core.scheduler.enqueue(FakeModel.sequence(request(range(0, 4), 3), c, 0));
        drain(core);
        assertArrayEquals(FakeModel.expected(range(0, 4), 3, CONTEXT), c.result.tokens());
    }

    @Test
    void logprobsComeFromTheRawRow() {
        EngineOptions options = new EngineOptions(1, CONTEXT, 16, 8, 8, KvCacheType.F32);
        EngineCore core = new FakeModel().core(options, 16, new EngineMetrics());
        Recorder rec = new Recorder();
        // A repetition penalty rewrites the row before sampling; the log-probabilities must not see it.
        int[] p = range(0, 4);
        core.scheduler.enqueue(FakeModel.sequence(new GenerationRequest(p,
                SamplingParams.greedy().withRepetitionPenalty(1.5f), 3, null, null, 2, null), rec, 0));
        drain(core);
        double lse = Math.log(FakeModel.VOCAB - 1 + Math.exp(5));
        for (TokenEvent e : rec.result.events()) {
            assertEquals(5 - lse, e.logprob(), 1e-5);
            assertEquals(e.token(), e.topTokens()[0]);
            assertEquals(5 - lse, e.topLogprobs()[0], 1e-5);
            assertEquals(-lse, e.topLogprobs()[1], 1e-5);
        }
    }
}
