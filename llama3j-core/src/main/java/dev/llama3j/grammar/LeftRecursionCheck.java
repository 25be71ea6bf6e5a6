package dev.llama3j.grammar;

import dev.llama3j.error.GrammarException;
import java.util.ArrayList;
import java.util.List;

/**
 * Refuses left-recursive grammars ({@code expr ::= expr "+" term}, or through rules that can match
 * nothing): the matcher expands rule references before reading a character, and such a rule would
 * expand forever. The error names the cycle and says how to rewrite it.
 */
final class LeftRecursionCheck {
    private final List<String> names;
    private final List<List<IntBuffer>> rules;
    private final boolean[] nullable;
    private final byte[] visit; // 0 new, 1 on the current path, 2 done
    private final List<Integer> path = new ArrayList<>();

    LeftRecursionCheck(List<String> names, List<List<IntBuffer>> rules) {
        this.names = names;
        this.rules = rules;
        this.nullable = new boolean[rules.size()];
        this.visit = new byte[rules.size()];
    }

    void run() {
        computeNullable();
        for (int r = 0; r < rules.size(); r++) {
            dfs(r);
        }
    }

    /** Rules that can match the empty string, found by iterating to a fixed point. */
    private void computeNullable() {
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int r = 0; r < rules.size(); r++) {
                if (nullable[r]) {
                    continue;
                }
                for (IntBuffer alt : rules.get(r)) {
                    boolean all = true;
                    for (int i = 0; i < alt.size() && all; i++) {
                        int e = alt.get(i);
                        all = e >= 0 && nullable[e];
                    }
                    if (all) {
                        nullable[r] = true;
                        changed = true;
                        break;
                    }
                }
            }
        }
    }

    private void dfs(int rule) {
        if (visit[rule] == 2) {
            return;
        }
        if (visit[rule] == 1) {
            StringBuilder cycle = new StringBuilder();
            for (int i = path.indexOf(rule); i < path.size(); i++) {
                cycle.append(display(path.get(i))).append(" -> ");
            }
            cycle.append(display(rule));
            throw new GrammarException("rule '" + display(rule) + "' is left-recursive (" + cycle + "): it can"
                    + " reach itself before reading a character. Rewrite it with repetition, e.g."
                    + " expr ::= term (\"+\" term)* instead of expr ::= expr \"+\" term | term", "grammar");
        }
        visit[rule] = 1;
        path.add(rule);
        for (IntBuffer alt : rules.get(rule)) {
            for (int i = 0; i < alt.size(); i++) {
                int e = alt.get(i);
                if (e < 0) {
                    break; // a character: nothing after it is at the left edge
                }
                dfs(e);
                if (!nullable[e]) {
                    break;
                }
            }
        }
        path.remove(path.size() - 1);
        visit[rule] = 2;
    }

    /** A generated rule (a group or repetition) is shown as the written rule it came from. */
    private String display(int rule) {
        String name = names.get(rule);
        int dot = name.indexOf('.');
        return dot < 0 ? name : name.substring(0, dot);
    }
}
