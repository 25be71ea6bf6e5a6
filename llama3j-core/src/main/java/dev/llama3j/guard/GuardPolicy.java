package dev.llama3j.guard;

import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.json.Json;

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

    /**
     * A policy from parsed JSON: {@code {"categories": [{"code", "name", "definition"?}],
     * "excluded_category_keys": [codes]}}, both keys optional (no categories: Llama Guard 3's list).
     */
    public static GuardPolicy fromJson(Object json) {
        Map<String, Object> root = Json.asObject(json, "guard policy");
        for (String key : root.keySet()) {
            if (!key.equals("categories") && !key.equals("excluded_category_keys")) {
                throw new InvalidRequestException("unknown guard policy key \"" + key
                        + "\"; expected \"categories\" and/or \"excluded_category_keys\"", key);
            }
        }
        GuardPolicy policy = llamaGuard3();
        if (root.containsKey("categories")) {
            List<GuardCategory> list = new ArrayList<>();
            List<Object> items = Json.asArray(root.get("categories"), "categories");
            for (int i = 0; i < items.size(); i++) {
                Map<String, Object> c = Json.asObject(items.get(i), "categories[" + i + "]");
                Object definition = c.get("definition");
                list.add(new GuardCategory(Json.asString(c.get("code"), "categories[" + i + "].code"),
                        Json.asString(c.get("name"), "categories[" + i + "].name"),
                        definition == null ? "" : Json.asString(definition, "categories[" + i + "].definition")));
            }
            policy = new GuardPolicy(list);
        }
        if (root.containsKey("excluded_category_keys")) {
            Set<String> excluded = new HashSet<>();
            for (Object code : Json.asArray(root.get("excluded_category_keys"), "excluded_category_keys")) {
                excluded.add(Json.asString(code, "excluded_category_keys[]"));
            }
            policy = policy.excluding(excluded);
        }
        return policy;
    }

    public Optional<GuardCategory> find(String code) {
        return categories.stream().filter(c -> c.code().equals(code)).findFirst();
    }
}
