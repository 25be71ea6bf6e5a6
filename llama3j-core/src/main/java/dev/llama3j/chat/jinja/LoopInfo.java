package dev.llama3j.chat.jinja;

import java.util.List;

/** The {@code loop} variable inside a for loop: {@code loop.index}, {@code loop.first}, {@code loop.cycle(...)}, ... */
final class LoopInfo {
    private static final Object NOTHING = new Object();

    private final List<Object> items;
    private final int depth0;
    /** Renders the loop body again for {@code loop(children)} in a recursive loop; null otherwise. */
    final JinjaFunction recurse;
    private int index0;
    private Object lastChanged = NOTHING;

    LoopInfo(List<Object> items, int depth0, JinjaFunction recurse) {
        this.items = items;
        this.depth0 = depth0;
        this.recurse = recurse;
    }

    void advanceTo(int index) {
        this.index0 = index;
    }

    Object get(String name) {
        int n = items.size();
        return switch (name) {
            case "index" -> (long) index0 + 1;
            case "index0" -> (long) index0;
            case "revindex" -> (long) (n - index0);
            case "revindex0" -> (long) (n - index0 - 1);
            case "first" -> index0 == 0;
            case "last" -> index0 == n - 1;
            case "length" -> (long) n;
            case "depth" -> (long) depth0 + 1;
            case "depth0" -> (long) depth0;
            case "previtem" -> index0 > 0 ? items.get(index0 - 1) : Undefined.because("there is no previous item");
            case "nextitem" -> index0 < n - 1 ? items.get(index0 + 1) : Undefined.because("there is no next item");
            case "cycle" -> (JinjaFunction) (args, kwargs) -> {
                if (args.isEmpty()) {
                    throw new TemplateException("loop.cycle() needs at least one argument");
                }
                return args.get(index0 % args.size());
            };
            case "changed" -> (JinjaFunction) (args, kwargs) -> {
                Object value = args.size() == 1 ? args.getFirst() : new Tuple(List.copyOf(args));
                if (lastChanged == NOTHING || !PyOps.eq(lastChanged, value)) {
                    lastChanged = value;
                    return true;
                }
                return false;
            };
            default -> Undefined.attribute(this, name);
        };
    }

    @Override
    public String toString() {
        return "<LoopContext " + (index0 + 1) + "/" + items.size() + ">";
    }
}
