package dev.llama3j.chat.jinja;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Jinja's tests, used as {@code x is name(args)} and by {@code select}/{@code selectattr}. */
final class IsTests {
    @FunctionalInterface
    interface Test {
        boolean test(Object value, List<Object> args);
    }

    private static final Map<String, Test> TESTS = new HashMap<>();

    static {
        TESTS.put("defined", (v, a) -> !(v instanceof Undefined));
        TESTS.put("undefined", (v, a) -> v instanceof Undefined);
        TESTS.put("none", (v, a) -> v == null);
        TESTS.put("boolean", (v, a) -> v instanceof Boolean);
        TESTS.put("true", (v, a) -> Boolean.TRUE.equals(v));
        TESTS.put("false", (v, a) -> Boolean.FALSE.equals(v));
        TESTS.put("integer", (v, a) -> PyOps.isInteger(v));
        TESTS.put("float", (v, a) -> PyOps.isFloat(v));
        TESTS.put("number", (v, a) -> PyOps.isNumeric(v)); // bool counts, as in Python
        TESTS.put("string", (v, a) -> PyOps.isString(v));
        TESTS.put("mapping", (v, a) -> v instanceof Map);
        // Strings, lists, dicts and (as in Jinja) Undefined can be iterated and indexed.
        TESTS.put("iterable", (v, a) -> PyOps.isString(v) || v instanceof List || v instanceof Map || v instanceof Undefined);
        TESTS.put("sequence", (v, a) -> PyOps.isString(v) || v instanceof List || v instanceof Map || v instanceof Undefined);
        TESTS.put("callable", (v, a) -> v instanceof JinjaFunction || (v instanceof LoopInfo l && l.recurse != null));
        Test eq = (v, a) -> PyOps.eq(v, arg(a, "equalto"));
        TESTS.put("equalto", eq);
        TESTS.put("eq", eq);
        TESTS.put("==", eq);
        Test ne = (v, a) -> !PyOps.eq(v, arg(a, "ne"));
        TESTS.put("ne", ne);
        TESTS.put("!=", ne);
        Test lt = (v, a) -> PyOps.compare(v, arg(a, "lt"), "<") < 0;
        TESTS.put("lt", lt);
        TESTS.put("lessthan", lt);
        TESTS.put("<", lt);
        Test le = (v, a) -> PyOps.compare(v, arg(a, "le"), "<=") <= 0;
        TESTS.put("le", le);
        TESTS.put("<=", le);
        Test gt = (v, a) -> PyOps.compare(v, arg(a, "gt"), ">") > 0;
        TESTS.put("gt", gt);
        TESTS.put("greaterthan", gt);
        TESTS.put(">", gt);
        Test ge = (v, a) -> PyOps.compare(v, arg(a, "ge"), ">=") >= 0;
        TESTS.put("ge", ge);
        TESTS.put(">=", ge);
        TESTS.put("in", (v, a) -> PyOps.contains(arg(a, "in"), v));
        TESTS.put("sameas", (v, a) -> {
            Object other = arg(a, "sameas");
            return v == other || (v == null ? other == null : (v instanceof Boolean && v.equals(other)));
        });
        TESTS.put("divisibleby", (v, a) -> PyOps.toLong(v) % PyOps.toLong(arg(a, "divisibleby")) == 0);
        TESTS.put("even", (v, a) -> PyOps.toLong(v) % 2 == 0);
        TESTS.put("odd", (v, a) -> PyOps.toLong(v) % 2 != 0);
        TESTS.put("lower", (v, a) -> {
            String s = PyOps.strText(v);
            return s.codePoints().anyMatch(Character::isLowerCase) && s.codePoints().noneMatch(Character::isUpperCase);
        });
        TESTS.put("upper", (v, a) -> {
            String s = PyOps.strText(v);
            return s.codePoints().anyMatch(Character::isUpperCase) && s.codePoints().noneMatch(Character::isLowerCase);
        });
        TESTS.put("escaped", (v, a) -> false);
        TESTS.put("filter", (v, a) -> PyOps.isString(v) && Filters.exists(PyOps.text(v)));
        TESTS.put("test", (v, a) -> PyOps.isString(v) && exists(PyOps.text(v)));
    }

    private IsTests() {}

    private static Object arg(List<Object> args, String test) {
        if (args.isEmpty()) {
            throw new TemplateException("the test '" + test + "' needs an argument");
        }
        return args.getFirst();
    }

    static boolean exists(String name) {
        return TESTS.containsKey(name);
    }

    static boolean apply(String name, Object value, List<Object> args) {
        Test t = TESTS.get(name);
        if (t == null) {
            throw new TemplateException("no test named '" + name + "'");
        }
        return t.test(value, args);
    }
}
