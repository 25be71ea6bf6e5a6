package dev.llama3j.guard;

import dev.llama3j.error.InvalidRequestException;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The categories a Llama Guard prompt lists, in order. {@link #llamaGuard3()} is the S1–S14 list
 * fixed in Llama Guard 3's published template; a custom policy renames, redefines or drops them the
 * way llama-recipes' {@code build_custom_prompt} does. Exclusions keep the codes of the remaining
 * categories (as the 1B template's {@code excluded_category_keys} does), so a verdict's codes still
 * mean what the full list says.
 */
public record GuardPolicy(List<GuardCategory> categories) {
    private static final List<GuardCategory> LLAMA_GUARD_3 = List.of(
            new GuardCategory("S1", "Violent Crimes"),
            new GuardCategory("S2", "Non-Violent Crimes"),
            new GuardCategory("S3", "Sex Crimes"),
            new GuardCategory("S4", "Child Exploitation"),
            new GuardCategory("S5", "Defamation"),
            new GuardCategory("S6", "Specialized Advice"),
            new GuardCategory("S7", "Privacy"),
            new GuardCategory("S8", "Intellectual Property"),
            new GuardCategory("S9", "Indiscriminate Weapons"),
            new GuardCategory("S10", "Hate"),
            new GuardCategory("S11", "Self-Harm"),
            new GuardCategory("S12", "Sexual Content"),
            new GuardCategory("S13", "Elections"),
            new GuardCategory("S14", "Code Interpreter Abuse"));

    public GuardPolicy {
        if (categories == null || categories.isEmpty()) {
            throw new InvalidRequestException("a guard policy needs at least one category", "categories");
        }
        Set<String> seen = new HashSet<>();
        for (GuardCategory c : categories) {
            if (!seen.add(c.code())) {
                throw new InvalidRequestException("guard category code " + c.code() + " appears twice", "categories");
            }
        }
        categories = List.copyOf(categories);
    }

    /** The fourteen categories of Llama Guard 3 (MLCommons hazard taxonomy), as its template lists them. */
    public static GuardPolicy llamaGuard3() {
        return new GuardPolicy(LLAMA_GUARD_3);
    }

    /** This policy without the given codes; an unknown code is an error (a typo would silently exclude nothing). */
    public GuardPolicy excluding(Set<String> codes) {
        Map<String, GuardCategory> byCode = new LinkedHashMap<>();
        categories.forEach(c -> byCode.put(c.code(), c));
        for (String code : codes) {
            if (!byCode.containsKey(code)) {
                throw new InvalidRequestException("cannot exclude unknown guard category " + code
                        + "; the policy has " + byCode.keySet(), "excluded_category_keys");
            }
        }
        List<GuardCategory> kept = new ArrayList<>();
        for (GuardCategory c : categories) {
            if (!codes.contains(c.code())) {
                kept.add(c);
            }
        }
        return new GuardPolicy(kept);
    }

    public Optional<GuardCategory> find(String code) {
        return categories.stream().filter(c -> c.code().equals(code)).findFirst();
    }
}
