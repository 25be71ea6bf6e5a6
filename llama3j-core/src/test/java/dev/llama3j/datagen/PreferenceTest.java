package dev.llama3j.datagen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class PreferenceTest {
    private static List<BigInteger> r(Integer... values) {
        return Arrays.stream(values).map(v -> v == null ? null : BigInteger.valueOf(v)).toList();
    }

    @Test
    void highestIsChosenLowestRejectedEarlierWinsTies() {
        assertEquals(new Preference(1, 0, null), Preference.of(r(2, 5), 2));
        assertEquals(new Preference(1, 0, null), Preference.of(r(1, 5, 5, 1), 4));
        assertEquals(new Preference(2, 1, null), Preference.of(r(null, 1, 4), 3));
    }

    @Test
    void noPairWhenRatingsCannotDecide() {
        assertEquals("all rated generations tie at 3", Preference.of(r(3, 3), 2).reason());
        assertEquals("only one generation was rated", Preference.of(r(3, null), 2).reason());
        assertEquals("no generation was rated", Preference.of(r(null, null), 2).reason());
        assertEquals("the judge's answer has 3 rating sections for 2 generations", Preference.of(r(1, 2, 3), 2).reason());
        assertEquals("the judge's answer could not be read", Preference.of(null, 2).reason());
        assertFalse(Preference.of(r(3, 3), 2).hasPair());
    }
}
