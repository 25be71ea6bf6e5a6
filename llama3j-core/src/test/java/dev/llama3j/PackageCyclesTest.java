package dev.llama3j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * No package of the core depends on a package that depends back on it, directly or through others: a
 * cycle would make the two one concept in two places (as {@code model} and {@code lora} were before the
 * loader's adapter hook). Dependencies are those of the compiled classes, as the JDK's {@code jdeps}
 * reports them, so comments and Javadoc links do not count.
 */
class PackageCyclesTest {
    /** {@code   dev.llama3j.model    -> dev.llama3j.tensor    classes} */
    private static final Pattern EDGE = Pattern.compile("^\\s*(dev\\.llama3j[\\w.]*)\\s+->\\s+(dev\\.llama3j[\\w.]*)\\s");

    @Test
    void corePackagesFormNoCycle() throws Exception {
        Path classes = Path.of(Llama.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertTrue(Files.isDirectory(classes), "expected the core's compiled classes in a folder, got " + classes);
        Map<String, Set<String>> graph = packageGraph(classes);
        assertTrue(graph.containsKey("dev.llama3j.model"), "jdeps reported no dependency of dev.llama3j.model: "
                + graph);
        assertEquals(List.of(), cycles(graph), "package cycles (each listed as its packages)");
    }

    @Test
    void aCycleIsFoundAndNamed() {
        Map<String, Set<String>> g = new TreeMap<>();
        g.put("a", Set.of("b"));
        g.put("b", Set.of("c"));
        g.put("c", Set.of("a", "d"));
        g.put("d", Set.of());
        g.put("e", Set.of("d"));
        assertEquals(List.of(List.of("a", "b", "c")), cycles(g));
    }

    /** Package -> packages of the core it uses, from {@code jdeps -verbose:package}. */
    private static Map<String, Set<String>> packageGraph(Path classes) {
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElse(null);
        assertNotNull(jdeps, "the JDK's jdeps tool is not available to the tests (run them on a JDK, not a JRE)");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = jdeps.run(new PrintWriter(out), new PrintWriter(err), "-verbose:package", classes.toString());
        assertEquals(0, rc, "jdeps failed: " + err);
        Map<String, Set<String>> graph = new TreeMap<>();
        for (String line : out.toString().split("\n")) {
            Matcher m = EDGE.matcher(line);
            if (m.find() && !m.group(1).equals(m.group(2))) {
                graph.computeIfAbsent(m.group(1), k -> new TreeSet<>()).add(m.group(2));
            }
        }
        return graph;
    }

    /**
     * The strongly connected components of more than one package (Tarjan's algorithm), each sorted:
     * every package in one reaches every other, so each component is one cycle or several tangled.
     */
    static List<List<String>> cycles(Map<String, Set<String>> graph) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new TreeSet<>();
        List<List<String>> found = new ArrayList<>();
        for (String p : graph.keySet()) {
            if (!index.containsKey(p)) {
                connect(p, graph, index, low, stack, onStack, found);
            }
        }
        return found;
    }

    private static void connect(String p, Map<String, Set<String>> graph, Map<String, Integer> index,
            Map<String, Integer> low, Deque<String> stack, Set<String> onStack, List<List<String>> found) {
        index.put(p, index.size());
        low.put(p, index.get(p));
        stack.push(p);
        onStack.add(p);
        for (String q : graph.getOrDefault(p, Set.of())) {
            if (!index.containsKey(q)) {
                connect(q, graph, index, low, stack, onStack, found);
                low.put(p, Math.min(low.get(p), low.get(q)));
            } else if (onStack.contains(q)) {
                low.put(p, Math.min(low.get(p), index.get(q)));
            }
        }
        if (low.get(p).equals(index.get(p))) {
            List<String> component = new ArrayList<>();
            String q;
            do {
                q = stack.pop();
                onStack.remove(q);
                component.add(q);
            } while (!q.equals(p));
            if (component.size() > 1) {
                component.sort(null);
                found.add(component);
            }
        }
    }
}
