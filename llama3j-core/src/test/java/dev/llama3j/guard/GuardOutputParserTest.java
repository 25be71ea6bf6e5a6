package dev.llama3j.guard;

import dev.llama3j.error.InvalidRequestException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GuardOutputParserTest {
    private final GuardPolicy policy = GuardPolicy.llamaGuard3();

    @Test
    void safeAnswerIsSafe() {
        GuardVerdict v = GuardOutputParser.parse("safe", policy);
        assertTrue(v.safe());
        assertEquals(List.of(), v.categories());
        assertTrue(GuardOutputParser.parse("\n\nsafe\n", policy).safe());
    }

    @Test
    void unsafeAnswerNamesItsCategories() {
        GuardVerdict v = GuardOutputParser.parse("unsafe\nS1,S10", policy);
        assertEquals(GuardVerdict.Kind.UNSAFE, v.kind());
        assertFalse(v.safe());
        assertEquals(List.of(new GuardCategory("S1", "Violent Crimes"), new GuardCategory("S10", "Hate")), v.categories());
        assertEquals(List.of("S14"), GuardOutputParser.parse("unsafe\n S14 ", policy).categories().stream().map(GuardCategory::code).toList());
    }

    @Test
    void anythingElseIsUnparseableNeverSafe() {
        for (String out : List.of("", "Safe", "unsafe", "unsafe\n", "unsafe\nS15", "unsafe\nS1,,S2", "safe\nS1",
                "I cannot help", "unsafe\nS1\nmore", "safety")) {
            GuardVerdict v = GuardOutputParser.parse(out, policy);
            assertEquals(GuardVerdict.Kind.UNPARSEABLE, v.kind(), out);
            assertFalse(v.safe(), out);
            assertEquals(out, v.rawOutput());
        }
    }

    @Test
    void codesAreReadAgainstTheGivenPolicy() {
        GuardPolicy custom = new GuardPolicy(List.of(new GuardCategory("S1", "Pirates", "Talk like a pirate.")));
        assertEquals("Pirates", GuardOutputParser.parse("unsafe\nS1", custom).categories().getFirst().name());
        assertEquals(GuardVerdict.Kind.UNPARSEABLE, GuardOutputParser.parse("unsafe\nS2", custom).kind());
    }

    @Test
    void exclusionsKeepTheOtherCodes() {
        GuardPolicy p = policy.excluding(Set.of("S2", "S13"));
        assertEquals(12, p.categories().size());
        assertEquals("S3", p.categories().get(1).code());
        assertEquals(GuardVerdict.Kind.UNPARSEABLE, GuardOutputParser.parse("unsafe\nS2", p).kind());
    }

    @Test
    void badPoliciesAreRefusedByName() {
        InvalidRequestException unknown = assertThrows(InvalidRequestException.class, () -> policy.excluding(Set.of("S99")));
        assertTrue(unknown.getMessage().contains("S99"), unknown.getMessage());
        assertThrows(InvalidRequestException.class, () -> new GuardPolicy(List.of()));
        InvalidRequestException dup = assertThrows(InvalidRequestException.class,
                () -> new GuardPolicy(List.of(new GuardCategory("S1", "A"), new GuardCategory("S1", "B"))));
        assertTrue(dup.getMessage().contains("twice"), dup.getMessage());
        assertThrows(InvalidRequestException.class, () -> new GuardCategory("", "A"));
        assertThrows(InvalidRequestException.class, () -> new GuardCategory("S1", " "));
    }
}
