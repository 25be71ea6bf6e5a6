package dev.llama3j.chat.jinja;

/**
 * Jinja's default {@code Undefined}: what a missing variable, key or attribute evaluates to. It is
 * falsy, prints as nothing, iterates as empty and has length 0, but using it any further (an
 * attribute, an item, arithmetic, a call) is an error that says what was missing.
 */
final class Undefined {
    private final String hint;

    private Undefined(String hint) {
        this.hint = hint;
    }

    /** A variable that no one defined. */
    static Undefined variable(String name) {
        return new Undefined("'" + name + "' is undefined");
    }

    /** A missing attribute or key of {@code owner}. */
    static Undefined attribute(Object owner, String name) {
        return new Undefined(PyOps.objectDescription(owner) + " has no attribute '" + name + "'");
    }

    /** A missing index of a sequence. */
    static Undefined element(Object owner, Object index) {
        return new Undefined(PyOps.objectDescription(owner) + " has no element " + PyOps.repr(index));
    }

    static Undefined because(String hint) {
        return new Undefined(hint);
    }

    TemplateException error() {
        return new TemplateException(hint);
    }

    String hint() {
        return hint;
    }

    @Override
    public String toString() {
        return "";
    }
}
