package dev.llama3j.datagen;

import java.math.BigInteger;
import java.util.List;

/**
 * The rule that turns a row's ratings into a DPO pair: among the generations the judge rated (a
 * non-null rating), {@code chosen} is the highest rated and {@code rejected} the lowest rated, the
 * earlier generation winning a tie on either side. No pair is made, and {@link #reason} says why,
 * when the ratings do not line up with the generations (the judge wrote more or fewer sections than
 * there are texts), when fewer than two generations are rated, or when every rated generation has
 * the same rating.
 *
 * @param chosen index of the chosen generation, or -1
 * @param rejected index of the rejected generation, or -1
 * @param reason why there is no pair, or null
 */
public record Preference(int chosen, int rejected, String reason) {

    public boolean hasPair() {
        return reason == null;
    }

    /** @param ratings as the judge's answer was read (null: unreadable) */
    public static Preference of(List<BigInteger> ratings, int generations) {
        if (ratings == null) {
            return none("the judge's answer could not be read");
        }
        if (ratings.size() != generations) {
            return none("the judge's answer has " + ratings.size() + " rating sections for " + generations
                    + " generations");
        }
        int best = -1;
        int worst = -1;
        int rated = 0;
        for (int i = 0; i < ratings.size(); i++) {
            BigInteger r = ratings.get(i);
            if (r == null) {
                continue;
            }
            rated++;
            if (best < 0 || r.compareTo(ratings.get(best)) > 0) {
                best = i;
            }
            if (worst < 0 || r.compareTo(ratings.get(worst)) < 0) {
                worst = i;
            }
        }
        if (rated < 2) {
            return none(rated == 0 ? "no generation was rated" : "only one generation was rated");
        }
        if (ratings.get(best).equals(ratings.get(worst))) {
            return none("all rated generations tie at " + ratings.get(best));
        }
        return new Preference(best, worst, null);
    }

    private static Preference none(String reason) {
        return new Preference(-1, -1, reason);
    }
}
