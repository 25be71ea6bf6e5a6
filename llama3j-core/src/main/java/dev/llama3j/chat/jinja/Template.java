package dev.llama3j.chat.jinja;

import java.time.Clock;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Jinja2 template compiled for rendering chat prompts, behaving like the environment Hugging Face
 * uses for {@code apply_chat_template}: {@code trim_blocks} and {@code lstrip_blocks} on, loop
 * controls ({@code break}/{@code continue}) and {@code {% generation %}} accepted, globals
 * {@code raise_exception}, {@code strftime_now}, {@code namespace}, {@code range} and {@code dict},
 * and {@code tojson} writing non-ASCII as is.
 *
 * <pre>{@code
 * Template t = Template.parse("{% for m in messages %}{{ m.role }}: {{ m.content | trim }}\n{% endfor %}");
 * String s = t.render(Map.of("messages", List.of(Map.of("role", "user", "content", " hi "))));
 * // "user: hi\n"
 * }</pre>
 *
 * <p>Variables are JSON-like Java values (Map, List, String, Number, Boolean, null), a
 * {@link MarkedString} for text that should count as trusted markup, or a {@link JinjaFunction}.
 * Thread-safe: a parsed template can be rendered concurrently.
 */
public final class Template {
    private final String name;
    private final List<Node> body;

    private Template(String name, List<Node> body) {
        this.name = name;
        this.body = body;
    }

    /** Parses a template; syntax errors, unknown tags, filters and tests are reported with their line. */
    public static Template parse(String source) {
        return parse(source, "template");
    }

    /** @param name how error messages refer to the template, e.g. "chat template" */
    public static Template parse(String source, String name) {
        return new Template(name, Parser.parse(Lexer.tokenize(source, name), name));
    }

    public String name() {
        return name;
    }

    /** Renders to plain text. */
    public String render(Map<String, ?> variables) {
        return renderMarked(variables).text();
    }

    /**
     * Renders, recording for every character whether it is trusted: template text and string
     * literals, or variables given as {@link MarkedString#trusted}. Everything else is data.
     *
     * @throws TemplateException for errors while rendering ({@link TemplateRaisedException} for raise_exception)
     */
    public MarkedString renderMarked(Map<String, ?> variables) {
        return new Interpreter(name, globals(Clock.systemDefaultZone())).render(body, variables);
    }

    /** Functions every template sees; a variable of the same name takes precedence. */
    static Map<String, Object> globals(Clock clock) {
        Map<String, Object> g = new HashMap<>();
        g.put("raise_exception", (JinjaFunction) (args, kwargs) -> {
            throw new TemplateRaisedException(args.isEmpty() ? "raise_exception() called" : PyOps.strText(args.getFirst()));
        });
        g.put("strftime_now", strftimeNow(clock));
        g.put("namespace", (JinjaFunction) (args, kwargs) -> {
            Namespace ns = new Namespace();
            for (Object arg : args) {
                if (!(arg instanceof Map<?, ?> m)) {
                    throw new TemplateException("namespace() takes keyword arguments or a dict, not " + PyOps.typeName(arg));
                }
                m.forEach((k, v) -> ns.attributes.put(PyOps.strText(k), v));
            }
            ns.attributes.putAll(kwargs);
            return ns;
        });
        g.put("dict", (JinjaFunction) (args, kwargs) -> {
            Map<Object, Object> d = new LinkedHashMap<>();
            for (Object arg : args) {
                if (arg instanceof Map<?, ?> m) {
                    d.putAll(m);
                } else {
                    throw new TemplateException("dict() takes keyword arguments or a dict, not " + PyOps.typeName(arg));
                }
            }
            d.putAll(kwargs);
            return d;
        });
        g.put("range", (JinjaFunction) Template::range);
        return g;
    }

    /** {@code strftime_now(format)}: the current time from {@code clock}, formatted like Python's strftime. */
    public static JinjaFunction strftimeNow(Clock clock) {
        return (args, kwargs) -> {
            Args a = new Args("strftime_now", args, kwargs);
            return MarkedString.untrusted(Strftime.format(a.string(0, "format", ""), ZonedDateTime.now(clock)));
        };
    }

    private static final int MAX_RANGE = 100_000; // as Jinja's sandbox

    private static Object range(List<Object> args, Map<String, Object> kwargs) {
        Args a = new Args("range", args, kwargs);
        long start = 0;
        long stop;
        long step = 1;
        if (args.size() == 1) {
            stop = a.integer(0, "stop", 0);
        } else if (args.size() == 2 || args.size() == 3) {
            start = a.integer(0, "start", 0);
            stop = a.integer(1, "stop", 0);
            step = a.integer(2, "step", 1);
        } else {
            throw new TemplateException("range expected 1 to 3 arguments, got " + args.size());
        }
        if (step == 0) {
            throw new TemplateException("range() arg 3 must not be zero");
        }
        List<Object> out = new ArrayList<>();
        for (long k = start; step > 0 ? k < stop : k > stop; k += step) {
            if (out.size() >= MAX_RANGE) {
                throw new TemplateException("range too big, the template may create at most " + MAX_RANGE + " items");
            }
            out.add(k);
        }
        return out;
    }
}
