package dev.llama3j.chat.jinja;

import java.util.List;
import java.util.Map;

/** Expression nodes of the template syntax tree. Each knows its source line for error messages. */
sealed interface Expr {
    int line();

    /** A constant: string literals are {@link MarkedString#trusted trusted} text. */
    record Literal(Object value, int line) implements Expr { }

    record Name(String name, int line) implements Expr { }

    record ListLiteral(List<Expr> items, int line) implements Expr { }

    record TupleLiteral(List<Expr> items, int line) implements Expr { }

    record DictLiteral(List<Expr> keys, List<Expr> values, int line) implements Expr { }

    /** {@code obj.name}: attribute first, then item (Jinja's getattr). */
    record GetAttr(Expr object, String name, int line) implements Expr { }

    /** {@code obj[key]}: item first, then attribute (Jinja's getitem). */
    record GetItem(Expr object, Expr key, int line) implements Expr { }

    /** {@code obj[start:stop:step]}; absent parts are null. */
    record Slice(Expr object, Expr start, Expr stop, Expr step, int line) implements Expr { }

    record Call(Expr function, List<Expr> args, Map<String, Expr> kwargs, int line) implements Expr { }

    /** {@code value | name(args)}. */
    record Filter(Expr value, String name, List<Expr> args, Map<String, Expr> kwargs, int line) implements Expr { }

    /** {@code value is [not] name(args)}. */
    record Test(Expr value, String name, List<Expr> args, boolean negated, int line) implements Expr { }

    /** Arithmetic: {@code + - * / // % **}. */
    record Binary(String op, Expr left, Expr right, int line) implements Expr { }

    /** Unary {@code -} or {@code +}. */
    record Unary(String op, Expr operand, int line) implements Expr { }

    /** {@code a ~ b ~ c}: string concatenation of str() of each. */
    record Concat(List<Expr> parts, int line) implements Expr { }

    /** {@code a < b <= c}: Python comparison chain; ops are ==, !=, <, <=, >, >=, in, notin. */
    record Compare(Expr first, List<String> ops, List<Expr> rest, int line) implements Expr { }

    record And(Expr left, Expr right, int line) implements Expr { }

    record Or(Expr left, Expr right, int line) implements Expr { }

    record Not(Expr operand, int line) implements Expr { }

    /** {@code then if test else otherwise}; otherwise is null when the template has no else. */
    record Conditional(Expr test, Expr then, Expr otherwise, int line) implements Expr { }
}
