package dev.llama3j.chat.jinja;

import dev.llama3j.error.Llama3jException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Walks the syntax tree: runs statements into a {@link MarkedString.Builder} and evaluates
 * expressions with {@link PyOps}. Template text is appended as trusted, every value as its own marks
 * (data strings untrusted). Errors get the line of the innermost node they happened in.
 */
final class Interpreter {
    private final String templateName;
    private final Map<String, Object> globals;

    Interpreter(String templateName, Map<String, Object> globals) {
        this.templateName = templateName;
        this.globals = globals;
    }

    /** Unwinds to the enclosing loop for {@code {% break %}} and {@code {% continue %}}. */
    private static final class LoopSignal extends RuntimeException {
        final boolean isBreak;

        LoopSignal(boolean isBreak) {
            super(null, null, false, false);
            this.isBreak = isBreak;
        }
    }

    private static final LoopSignal BREAK = new LoopSignal(true);
    private static final LoopSignal CONTINUE = new LoopSignal(false);

    MarkedString render(List<Node> body, Map<String, ?> variables) {
        MarkedString.Builder out = new MarkedString.Builder();
        try {
            exec(body, new Scope(Scope.root(variables)), out);
        } catch (StackOverflowError e) {
            throw new TemplateException(templateName, -1, "template recursion too deep");
        }
        return out.build();
    }

    private TemplateException located(TemplateException e, int line) {
        return e.line() > 0 ? e : e.at(templateName, line);
    }

    /** Any other Java exception (a value of an unexpected type) becomes a template error at the node's line. */
    private TemplateException wrap(RuntimeException e, int line) {
        TemplateException t = new TemplateException(templateName, line, "cannot evaluate: " + e);
        t.initCause(e);
        return t;
    }

    // ---- statements ----

    private void exec(List<Node> nodes, Scope scope, MarkedString.Builder out) {
        for (Node node : nodes) {
            try {
                execNode(node, scope, out);
            } catch (TemplateException e) {
                throw located(e, node.line());
            } catch (LoopSignal | Llama3jException e) {
                throw e;
            } catch (RuntimeException e) {
                throw wrap(e, node.line());
            }
        }
    }

    private void execNode(Node node, Scope scope, MarkedString.Builder out) {
        switch (node) {
            case Node.Text t -> out.append(t.text(), true);
            case Node.Output o -> out.append(PyOps.str(eval(o.expr(), scope)));
            case Node.If n -> {
                for (int i = 0; i < n.tests().size(); i++) {
                    if (PyOps.truthy(eval(n.tests().get(i), scope))) {
                        exec(n.bodies().get(i), scope, out);
                        return;
                    }
                }
                exec(n.otherwise(), scope, out);
            }
            case Node.For f -> runLoop(f, eval(f.iterable(), scope), scope, out, 0);
            case Node.Set s -> assign(s.target(), eval(s.value(), scope), scope);
            case Node.SetBlock s -> {
                MarkedString.Builder body = new MarkedString.Builder();
                exec(s.body(), new Scope(scope), body);
                assign(s.target(), applyFilters(s.filters(), body.build(), scope), scope);
            }
            case Node.Macro m -> scope.set(m.name(), macro(m, scope));
            case Node.FilterBlock f -> {
                MarkedString.Builder body = new MarkedString.Builder();
                exec(f.body(), scope, body);
                out.append(PyOps.str(applyFilters(f.filters(), body.build(), scope)));
            }
            case Node.With w -> {
                Scope inner = new Scope(scope);
                for (int i = 0; i < w.targets().size(); i++) {
                    assign(w.targets().get(i), eval(w.values().get(i), scope), inner);
                }
                exec(w.body(), inner, out);
            }
            case Node.Group g -> exec(g.body(), scope, out);
            case Node.Break b -> throw BREAK;
            case Node.Continue c -> throw CONTINUE;
        }
    }

    private void runLoop(Node.For f, Object iterable, Scope scope, MarkedString.Builder out, int depth0) {
        List<Object> items = PyOps.iterate(iterable);
        if (f.filter() != null) {
            List<Object> kept = new ArrayList<>();
            for (Object item : items) {
                Scope s = new Scope(scope);
                assign(f.target(), item, s);
                if (PyOps.truthy(eval(f.filter(), s))) {
                    kept.add(item);
                }
            }
            items = kept;
        }
        if (items.isEmpty()) {
            exec(f.otherwise(), scope, out);
            return;
        }
        JinjaFunction recurse = null;
        if (f.recursive()) {
            recurse = (args, kwargs) -> {
                if (args.size() != 1) {
                    throw new TemplateException("loop() takes exactly one argument, the items to loop over");
                }
                MarkedString.Builder nested = new MarkedString.Builder();
                runLoop(f, args.getFirst(), scope, nested, depth0 + 1);
                return nested.build();
            };
        }
        LoopInfo loop = new LoopInfo(items, depth0, recurse);
        for (int i = 0; i < items.size(); i++) {
            // A fresh scope per iteration: a set inside the body starts from the outer value each time.
            Scope s = new Scope(scope);
            assign(f.target(), items.get(i), s);
            loop.advanceTo(i);
            s.set("loop", loop);
            try {
                exec(f.body(), s, out);
            } catch (LoopSignal signal) {
                if (signal.isBreak) {
                    break;
                }
            }
        }
    }

    private void assign(Node.Target target, Object value, Scope scope) {
        switch (target) {
            case Node.Target.Name n -> scope.set(n.name(), value);
            case Node.Target.Tuple t -> {
                List<Object> values = PyOps.iterate(value);
                if (values.size() != t.items().size()) {
                    throw new TemplateException(values.size() > t.items().size()
                            ? "too many values to unpack (expected " + t.items().size() + ")"
                            : "not enough values to unpack (expected " + t.items().size() + ", got " + values.size() + ")");
                }
                for (int i = 0; i < values.size(); i++) {
                    assign(t.items().get(i), values.get(i), scope);
                }
            }
            case Node.Target.Attribute a -> {
                Object object = lookup(a.object(), scope);
                if (!(object instanceof Namespace ns)) {
                    throw new TemplateException("cannot assign attribute on non-namespace object '" + a.object() + "'");
                }
                ns.attributes.put(a.attribute(), value);
            }
        }
    }

    private JinjaFunction macro(Node.Macro m, Scope defining) {
        return (args, kwargs) -> {
            if (args.size() > m.params().size()) {
                throw new TemplateException("macro '" + m.name() + "' takes not more than " + m.params().size()
                        + " argument(s)");
            }
            Scope s = new Scope(defining);
            for (int i = 0; i < m.params().size(); i++) {
                String param = m.params().get(i);
                Object value;
                if (i < args.size()) {
                    value = args.get(i);
                } else if (kwargs.containsKey(param)) {
                    value = kwargs.get(param);
                } else if (m.defaults().get(i) != null) {
                    value = eval(m.defaults().get(i), s);
                } else {
                    value = Undefined.because("parameter '" + param + "' was not provided");
                }
                s.set(param, value);
            }
            for (String key : kwargs.keySet()) {
                if (!m.params().contains(key)) {
                    throw new TemplateException("macro '" + m.name() + "' takes no keyword argument '" + key + "'");
                }
            }
            MarkedString.Builder body = new MarkedString.Builder();
            exec(m.body(), s, body);
            return body.build();
        };
    }

    private Object applyFilters(List<Expr.Filter> filters, Object value, Scope scope) {
        for (Expr.Filter f : filters) {
            value = Filters.apply(f.name(), value, evalAll(f.args(), scope), evalKwargs(f.kwargs(), scope));
        }
        return value;
    }

    // ---- expressions ----

    private Object lookup(String name, Scope scope) {
        Object v = scope.lookup(name);
        if (v != Scope.MISSING) {
            return v;
        }
        v = globals.getOrDefault(name, Scope.MISSING);
        return v != Scope.MISSING ? v : Undefined.variable(name);
    }

    Object eval(Expr e, Scope scope) {
        try {
            return evalNode(e, scope);
        } catch (TemplateException ex) {
            throw located(ex, e.line());
        } catch (LoopSignal | Llama3jException ex) {
            throw ex;
        } catch (RuntimeException ex) {
            throw wrap(ex, e.line());
        }
    }

    private List<Object> evalAll(List<Expr> exprs, Scope scope) {
        List<Object> out = new ArrayList<>(exprs.size());
        for (Expr x : exprs) {
            out.add(eval(x, scope));
        }
        return out;
    }

    private Map<String, Object> evalKwargs(Map<String, Expr> exprs, Scope scope) {
        Map<String, Object> out = new LinkedHashMap<>();
        exprs.forEach((k, x) -> out.put(k, eval(x, scope)));
        return out;
    }

    private Object evalNode(Expr e, Scope scope) {
        return switch (e) {
            case Expr.Literal l -> l.value();
            case Expr.Name n -> lookup(n.name(), scope);
            case Expr.ListLiteral l -> evalAll(l.items(), scope);
            case Expr.TupleLiteral t -> new Tuple(evalAll(t.items(), scope));
            case Expr.DictLiteral d -> {
                Map<Object, Object> map = new LinkedHashMap<>();
                for (int i = 0; i < d.keys().size(); i++) {
                    map.put(PyOps.mapKey(eval(d.keys().get(i), scope)), eval(d.values().get(i), scope));
                }
                yield map;
            }
            case Expr.GetAttr g -> PyOps.getAttr(eval(g.object(), scope), g.name());
            case Expr.GetItem g -> PyOps.getItem(eval(g.object(), scope), eval(g.key(), scope));
            case Expr.Slice s -> PyOps.slice(eval(s.object(), scope), evalOrNull(s.start(), scope),
                    evalOrNull(s.stop(), scope), evalOrNull(s.step(), scope));
            case Expr.Call c -> call(eval(c.function(), scope), evalAll(c.args(), scope), evalKwargs(c.kwargs(), scope));
            case Expr.Filter f -> Filters.apply(f.name(), eval(f.value(), scope), evalAll(f.args(), scope),
                    evalKwargs(f.kwargs(), scope));
            case Expr.Test t -> IsTests.apply(t.name(), eval(t.value(), scope), evalAll(t.args(), scope)) != t.negated();
            case Expr.Binary b -> PyOps.binary(b.op(), eval(b.left(), scope), eval(b.right(), scope));
            case Expr.Unary u -> PyOps.unary(u.op(), eval(u.operand(), scope));
            case Expr.Concat c -> {
                MarkedString.Builder b = new MarkedString.Builder();
                for (Expr part : c.parts()) {
                    b.append(PyOps.str(eval(part, scope)));
                }
                yield b.build();
            }
            case Expr.Compare c -> {
                Object left = eval(c.first(), scope);
                for (int i = 0; i < c.ops().size(); i++) {
                    Object right = eval(c.rest().get(i), scope);
                    if (!compare(c.ops().get(i), left, right)) {
                        yield false;
                    }
                    left = right;
                }
                yield true;
            }
            case Expr.And a -> {
                Object left = eval(a.left(), scope);
                yield PyOps.truthy(left) ? eval(a.right(), scope) : left;
            }
            case Expr.Or o -> {
                Object left = eval(o.left(), scope);
                yield PyOps.truthy(left) ? left : eval(o.right(), scope);
            }
            case Expr.Not n -> !PyOps.truthy(eval(n.operand(), scope));
            case Expr.Conditional c -> {
                if (PyOps.truthy(eval(c.test(), scope))) {
                    yield eval(c.then(), scope);
                }
                yield c.otherwise() != null ? eval(c.otherwise(), scope) : Undefined.because("the inline if-expression on line "
                        + c.line() + " evaluated to false and no else section was defined.");
            }
        };
    }

    private Object evalOrNull(Expr e, Scope scope) {
        return e == null ? null : eval(e, scope);
    }

    private static boolean compare(String op, Object left, Object right) {
        return switch (op) {
            case "==" -> PyOps.eq(left, right);
            case "!=" -> !PyOps.eq(left, right);
            case "<" -> PyOps.compare(left, right, op) < 0;
            case "<=" -> PyOps.compare(left, right, op) <= 0;
            case ">" -> PyOps.compare(left, right, op) > 0;
            case ">=" -> PyOps.compare(left, right, op) >= 0;
            case "in" -> PyOps.contains(right, left);
            case "notin" -> !PyOps.contains(right, left);
            default -> throw new IllegalArgumentException(op);
        };
    }

    private static Object call(Object function, List<Object> args, Map<String, Object> kwargs) {
        if (function instanceof Undefined u) {
            throw u.error();
        }
        if (function instanceof JinjaFunction f) {
            return f.call(args, kwargs);
        }
        if (function instanceof LoopInfo loop && loop.recurse != null) {
            return loop.recurse.call(args, kwargs);
        }
        throw new TemplateException("'" + PyOps.typeName(function) + "' object is not callable");
    }
}
