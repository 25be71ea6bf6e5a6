package dev.llama3j.chat;

/**
 * Whether the model may, must or must not call a tool in its next message ({@code tool_choice}).
 *
 * @param mode auto (the model decides), none (tools are neither shown nor parsed), required (some
 *     call), named (a call of {@code name})
 * @param name the tool a {@link Mode#NAMED} choice forces, else null
 */
public record ToolChoice(Mode mode, String name) {
    public enum Mode { AUTO, NONE, REQUIRED, NAMED }

    public static final ToolChoice AUTO = new ToolChoice(Mode.AUTO, null);
    public static final ToolChoice NONE = new ToolChoice(Mode.NONE, null);
    public static final ToolChoice REQUIRED = new ToolChoice(Mode.REQUIRED, null);

    public ToolChoice {
        if (mode == null) {
            throw new IllegalArgumentException("a tool choice needs a mode");
        }
        if ((mode == Mode.NAMED) != (name != null)) {
            throw new IllegalArgumentException("a tool name goes with the named mode only");
        }
    }

    /** A call of the tool {@code name} (a custom tool or a built-in one). */
    public static ToolChoice named(String name) {
        return new ToolChoice(Mode.NAMED, name);
    }

    /** Whether the model's answer must be a call. */
    public boolean forcesCall() {
        return mode == Mode.REQUIRED || mode == Mode.NAMED;
    }
}
