package dev.llama3j.chat.jinja;

import java.util.List;

/** Statement nodes of the template syntax tree. */
sealed interface Node {
    int line();

    /** Literal template text: trusted markup. */
    record Text(String text, int line) implements Node { }

    /** {@code {{ expr }}}. */
    record Output(Expr expr, int line) implements Node { }

    record If(List<Expr> tests, List<List<Node>> bodies, List<Node> otherwise, int line) implements Node { }

    /** {@code {% for target in iterable [if filter] [recursive] %}}; otherwise runs when nothing was iterated. */
    record For(Target target, Expr iterable, Expr filter, boolean recursive, List<Node> body, List<Node> otherwise, int line)
            implements Node { }

    /** {@code {% set target = value %}}. */
    record Set(Target target, Expr value, int line) implements Node { }

    /** {@code {% set name %}body{% endset %}}, the body optionally piped through filters. */
    record SetBlock(Target target, List<Expr.Filter> filters, List<Node> body, int line) implements Node { }

    /** {@code {% macro name(params) %}}; defaults holds null for parameters without one. */
    record Macro(String name, List<String> params, List<Expr> defaults, List<Node> body, int line) implements Node { }

    /** {@code {% filter name %}body{% endfilter %}}: the Filter nodes' value is a placeholder for the body. */
    record FilterBlock(List<Expr.Filter> filters, List<Node> body, int line) implements Node { }

    /** {@code {% with a = 1 %}body{% endwith %}}: a scope with extra variables. */
    record With(List<Target> targets, List<Expr> values, List<Node> body, int line) implements Node { }

    /** Nodes rendered in the current scope, e.g. the body of Hugging Face's {@code {% generation %}}. */
    record Group(List<Node> body, int line) implements Node { }

    record Break(int line) implements Node { }

    record Continue(int line) implements Node { }

    /** Left-hand side of an assignment. */
    sealed interface Target {
        record Name(String name) implements Target { }

        /** {@code ns.attr}: assigns to a namespace() object. */
        record Attribute(String object, String attribute) implements Target { }

        record Tuple(List<Target> items) implements Target { }
    }
}
