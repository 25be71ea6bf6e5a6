package dev.llama3j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llama3j.datagen.UltraFeedbackAspect;
import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.model.KvCacheType;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The job's command line: the datagen flags, their defaults, and each way to get them wrong. */
class DatagenJobArgsTest {
    private static final String[] MINIMAL = {"--prompts", "p.parquet", "--generator", "m", "--generator", "m@temperature=0.7",
            "--judge", "j", "--out", "o"};

    @Test
    void defaultsMatchTheCommand() {
        DatagenJobArgs a = DatagenJobArgs.parse(MINIMAL);
        assertEquals(List.of("m", "m@temperature=0.7"), a.generators());
        assertEquals("instruction", a.column());
        assertEquals(UltraFeedbackAspect.OVERALL_RATING, a.aspect());
        assertEquals(0, a.threads());
        assertEquals(0, a.partitions());
        assertEquals(16, a.batch());
        assertEquals(KvCacheType.F16, a.cacheType());
    }

    @Test
    void everyFlag() {
        DatagenJobArgs a = DatagenJobArgs.parse("--prompts", "p.jsonl", "--generator", "m", "--judge", "j", "--out", "o",
                "--column", "prompt", "--aspect", "truthfulness", "--batch", "3", "--parallel", "2", "--ctx-size", "512",
                "-t", "4", "--cache-type", "f32", "--partitions", "7");
        assertEquals(new DatagenJobArgs("p.jsonl", List.of("m"), "j", "o", "prompt", UltraFeedbackAspect.TRUTHFULNESS,
                3, 2, 512, 4, KvCacheType.F32, 7), a);
    }

    @Test
    void errorsNameTheFlag() {
        assertRefused("--judge is required", "--prompts", "p", "--generator", "m", "--out", "o");
        assertRefused("--prompts is required", "--judge", "j", "--generator", "m", "--out", "o");
        assertRefused("--out is required", "--prompts", "p", "--judge", "j", "--generator", "m");
        assertRefused("--generator is required", "--prompts", "p", "--judge", "j", "--out", "o");
        assertRefused("unknown option --model", with("--model", "x"));
        assertRefused("unexpected argument 'extra'", with("extra"));
        assertRefused("--batch needs a value", with("--batch"));
        assertRefused("--batch expects an integer, got 'many'", with("--batch", "many"));
        assertRefused("--parallel must be at least 1, got 0", with("--parallel", "0"));
        assertRefused("--partitions must be at least 0, got -1", with("--partitions", "-1"));
        assertRefused("unknown UltraFeedback aspect 'style'", with("--aspect", "style"));
        assertRefused("-t must be at least 0, got -2", with("-t", "-2"));
        assertRefused("unknown cache type 'q8'; use f32 or f16", with("--cache-type", "q8"));
        assertRefused("--batch 200 puts up to 600 requests in flight, more than an engine with --parallel 8 queues (520)",
                with("--batch", "200"));
        assertRefused("--generator 'm@': nothing after '@'", with("--generator", "m@"));
        assertRefused("--judge 'ftp://x#m': endpoint 'ftp://x#m' must start with http:// or https://",
                "--prompts", "p", "--generator", "m", "--judge", "ftp://x#m", "--out", "o");
    }

    private static String[] with(String... more) {
        String[] all = new String[MINIMAL.length + more.length];
        System.arraycopy(MINIMAL, 0, all, 0, MINIMAL.length);
        System.arraycopy(more, 0, all, MINIMAL.length, more.length);
        return all;
    }

    private static void assertRefused(String message, String... args) {
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> DatagenJobArgs.parse(args));
        assertTrue(e.getMessage().startsWith(message), e.getMessage());
    }
}
