package dev.llama3j.datagen;

import dev.llama3j.error.ModelFormatException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Renders distilabel's UltraFeedback templates (the {@code *.jinja2} resources next to this class)
 * exactly as {@code jinja2.Template(text).render(instruction=..., generations=...)} does. The
 * project's Jinja engine renders in Hugging Face's environment (trim_blocks, lstrip_blocks), which
 * would drop the newline after every {@code %}}; distilabel uses Jinja2's defaults, so this class
 * interprets the few constructs the five templates use, with Jinja2's default whitespace rules:
 * {@code {%-} strips the whitespace before the tag, {@code -%}} the whitespace after it, and the
 * template loses one trailing newline. Anything else in a template is refused when it is loaded.
 */
final class UltraFeedbackTemplate {
    private static final Pattern TAG = Pattern.compile("\\{\\{(.*?)}}|\\{%(-?)(.*?)(-?)%}", Pattern.DOTALL);

    private sealed interface Node permits Text, Value, Loop {}

    private record Text(String text) implements Node {}

    /** {@code {{ instruction }}}, {@code {{ generation }}}, {@code {{ index + 1}}} or {@code {{ loop.index }}}. */
    private record Value(String expression) implements Node {}

    /** {@code for index in range([1, ]generations|length)} or {@code for generation in generations}. */
    private record Loop(String header, List<Node> body) implements Node {}

    private final String name;
    private final List<Node> body;

    private UltraFeedbackTemplate(String name, List<Node> body) {
        this.name = name;
        this.body = body;
    }

    static UltraFeedbackTemplate forAspect(UltraFeedbackAspect aspect) {
        String resource = "ultrafeedback/" + aspect.wireName() + ".jinja2";
        try (InputStream in = UltraFeedbackTemplate.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new ModelFormatException("the UltraFeedback template resource " + resource + " is missing");
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), resource);
        } catch (IOException e) {
            throw new ModelFormatException("cannot read the UltraFeedback template " + resource, e);
        }
    }

    static UltraFeedbackTemplate parse(String source, String name) {
        String src = source.endsWith("\n") ? source.substring(0, source.length() - 1) : source;
        List<Object> tokens = tokenize(src, name);
        List<Node> body = new ArrayList<>();
        int end = build(tokens, 0, body, name);
        if (end != tokens.size()) {
            throw new ModelFormatException(name + ": '{% endfor %}' without a loop");
        }
        return new UltraFeedbackTemplate(name, body);
    }

    /** Text and tag tokens, whitespace control applied to the text around tags; a tag is a String[]{kind, body}. */
    private static List<Object> tokenize(String src, String name) {
        List<Object> tokens = new ArrayList<>();
        Matcher m = TAG.matcher(src);
        int pos = 0;
        boolean stripNext = false;
        while (m.find()) {
            String text = src.substring(pos, m.start());
            if (stripNext) {
                text = text.stripLeading();
            }
            boolean block = m.group(1) == null;
            if (block && !m.group(2).isEmpty()) {
                text = text.stripTrailing();
            }
            tokens.add(text);
            String inner = (block ? m.group(3) : m.group(1)).strip();
            if (inner.startsWith("-") || inner.endsWith("-") || inner.startsWith("+") || inner.endsWith("+")) {
                throw new ModelFormatException(name + ": unsupported whitespace control in '" + m.group() + "'");
            }
            tokens.add(new String[] {block ? "%" : "{", inner});
            stripNext = block && !m.group(4).isEmpty();
            pos = m.end();
        }
        String rest = src.substring(pos);
        tokens.add(stripNext ? rest.stripLeading() : rest);
        return tokens;
    }

    private static int build(List<Object> tokens, int at, List<Node> out, String name) {
        int i = at;
        while (i < tokens.size()) {
            Object t = tokens.get(i);
            if (t instanceof String s) {
                if (!s.isEmpty()) {
                    out.add(new Text(s));
                }
                i++;
                continue;
            }
            String[] tag = (String[]) t;
            String inner = tag[1].replaceAll("\\s+", " ");
            if (tag[0].equals("{")) {
                switch (inner) {
                    case "instruction", "generation", "index + 1", "loop.index" -> out.add(new Value(inner));
                    default -> throw new ModelFormatException(name + ": unsupported expression '{{ " + inner + " }}'");
                }
                i++;
            } else if (inner.equals("endfor")) {
                return i;
            } else if (inner.equals("for index in range(generations|length)")
                    || inner.equals("for index in range(1, generations|length)")
                    || inner.equals("for generation in generations")) {
                List<Node> loopBody = new ArrayList<>();
                int end = build(tokens, i + 1, loopBody, name);
                if (end >= tokens.size()) {
                    throw new ModelFormatException(name + ": '{% " + inner + " %}' has no '{% endfor %}'");
                }
                out.add(new Loop(inner, loopBody));
                i = end + 1;
            } else {
                throw new ModelFormatException(name + ": unsupported statement '{% " + inner + " %}'");
            }
        }
        return i;
    }

    /** The user message distilabel sends the judge for one instruction and its generations. */
    String render(String instruction, List<String> generations) {
        StringBuilder sb = new StringBuilder();
        render(body, instruction, generations, -1, null, -1, sb);
        return sb.toString();
    }

    private void render(List<Node> nodes, String instruction, List<String> generations, int index, String generation,
            int loopIndex, StringBuilder sb) {
        for (Node n : nodes) {
            switch (n) {
                case Text t -> sb.append(t.text());
                case Value v -> sb.append(switch (v.expression()) {
                    case "instruction" -> instruction;
                    case "generation" -> generation;
                    case "index + 1" -> Integer.toString(index + 1);
                    default -> Integer.toString(loopIndex);
                });
                case Loop l -> {
                    switch (l.header()) {
                        case "for generation in generations" -> {
                            for (int k = 0; k < generations.size(); k++) {
                                render(l.body(), instruction, generations, index, generations.get(k), k + 1, sb);
                            }
                        }
                        default -> {
                            int from = l.header().contains("range(1,") ? 1 : 0;
                            for (int k = from; k < generations.size(); k++) {
                                render(l.body(), instruction, generations, k, generation, k - from + 1, sb);
                            }
                        }
                    }
                }
            }
        }
    }

    String name() {
        return name;
    }
}
