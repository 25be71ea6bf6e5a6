package dev.llama3j.chat.jinja;

import java.util.List;
import java.util.Map;

/**
 * Something a template can call: a global such as {@code raise_exception} or {@code strftime_now},
 * a macro, or a bound method such as {@code "a b".split}. Pass one as a render variable to give a
 * template a new function.
 */
@FunctionalInterface
public interface JinjaFunction {
    /**
     * @param args positional arguments, already evaluated
     * @param kwargs keyword arguments in call order
     * @return the result: a JSON-like value, a {@link MarkedString}, or another template value
     */
    Object call(List<Object> args, Map<String, Object> kwargs);
}
