package dev.llama3j.chat.jinja;

import java.util.HashMap;
import java.util.Map;

/**
 * Variables visible at one point of a template. A for-loop iteration, a macro call and a
 * {@code with} block each get a child scope, so a {@code {% set %}} inside them does not leak out
 * (hence {@code namespace()}), while {@code if} blocks share their parent's scope, as in Jinja.
 */
final class Scope {
    static final Object MISSING = new Object();

    private final Scope parent;
    private final Map<String, Object> vars;

    Scope(Scope parent) {
        this(parent, new HashMap<>());
    }

    private Scope(Scope parent, Map<String, Object> vars) {
        this.parent = parent;
        this.vars = vars;
    }

    static Scope root(Map<String, ?> variables) {
        return new Scope(null, new HashMap<>(variables));
    }

    /** The variable's value, or {@link #MISSING}. */
    Object lookup(String name) {
        for (Scope s = this; s != null; s = s.parent) {
            Object v = s.vars.getOrDefault(name, MISSING);
            if (v != MISSING) {
                return v;
            }
        }
        return MISSING;
    }

    void set(String name, Object value) {
        vars.put(name, value);
    }
}
