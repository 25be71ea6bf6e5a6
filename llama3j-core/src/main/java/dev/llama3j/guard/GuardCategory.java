package dev.llama3j.guard;

import dev.llama3j.error.InvalidRequestException;

/**
 * One hazard category of a Llama Guard policy: its code as the model writes it ({@code S1}), its name
 * ({@code Violent Crimes}) and, for custom policies, an optional definition shown under the name.
 */
public record GuardCategory(String code, String name, String definition) {
    public GuardCategory {
        if (code == null || code.isBlank()) {
            throw new InvalidRequestException("a guard category needs a code such as \"S1\"", "categories");
        }
        if (name == null || name.isBlank()) {
            throw new InvalidRequestException("guard category " + code + " needs a name", "categories");
        }
        definition = definition == null ? "" : definition;
    }

    public GuardCategory(String code, String name) {
        this(code, name, "");
    }
}
