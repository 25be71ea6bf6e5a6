package dev.llama3j.guard;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads a Llama Guard answer: {@code safe}, or {@code unsafe} and a second line of comma-separated
 * codes of the policy. Surrounding whitespace is ignored (the model may end with a newline before
 * {@code <|eot_id|>}); anything else, including {@code unsafe} without codes or with a code the policy
 * does not list, is unparseable: a guard must fail closed, never turn noise into "safe".
 */
public final class GuardOutputParser {
    private GuardOutputParser() {
    }

    public static GuardVerdict parse(String output, GuardPolicy policy) {
        String text = output.strip();
        if (text.equals("safe")) {
            return new GuardVerdict(GuardVerdict.Kind.SAFE, List.of(), output, Double.NaN);
        }
        String[] lines = text.split("\n", -1);
        if (lines.length == 2 && lines[0].strip().equals("unsafe")) {
            List<GuardCategory> found = new ArrayList<>();
            for (String code : lines[1].split(",", -1)) {
                Optional<GuardCategory> c = policy.find(code.strip());
                if (c.isEmpty()) {
                    return unparseable(output);
                }
                if (!found.contains(c.get())) {
                    found.add(c.get());
                }
            }
            return new GuardVerdict(GuardVerdict.Kind.UNSAFE, found, output, Double.NaN);
        }
        return unparseable(output);
    }

    private static GuardVerdict unparseable(String output) {
        return new GuardVerdict(GuardVerdict.Kind.UNPARSEABLE, List.of(), output, Double.NaN);
    }
}
