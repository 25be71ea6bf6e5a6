package dev.llama3j.cli;

import dev.llama3j.Llama;
import dev.llama3j.error.Llama3jException;
import dev.llama3j.chat.FinishReason;
import dev.llama3j.chat.ToolCall;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The chat loop of {@code llama3j chat}: read a line, answer it, repeat. A line is a message for the
 * model, a command ({@code /help}, {@code /reset}, {@code /system}, {@code /quit}), or, right after
 * the model called tools, the result of a call. The same loop serves a terminal and piped input;
 * the {@link ChatConsole} decides how things look.
 */
final class ChatRepl {
    /** A command: a known word after the slash, then optional text ("/usr/bin?" stays a message). */
    private static final Pattern COMMAND = Pattern.compile("/(help|reset|system|quit|exit|bye)(?:\\s+(.*))?",
            Pattern.DOTALL);
    private static final Pattern SLASH_WORD = Pattern.compile("/[A-Za-z]+(\\s.*)?", Pattern.DOTALL);

    private final Llama llama;
    private final Conversation conversation;
    private final ChatConsole console;
    private final String toolNames;

    /**
     * @param toolNames the offered tools, for the help text; empty for none
     */
    ChatRepl(Llama llama, Conversation conversation, ChatConsole console, String toolNames) {
        this.llama = llama;
        this.conversation = conversation;
        this.console = console;
        this.toolNames = toolNames;
    }

    /**
     * Runs until {@code /quit} or the end of input.
     *
     * @return the exit code: 0, or {@link Main#EXIT_BAD_INPUT} when piped input had a bad line
     *     (at a terminal the person sees the error and goes on)
     */
    int run() {
        while (true) {
            ToolCall awaited = conversation.awaitedCall();
            if (awaited != null && conversation.awaitedCount() > 1) {
                console.info("(the result of " + ToolCallPrinter.signature(awaited) + ")");
            }
            String line = console.readLine(awaited != null ? ChatConsole.Prompt.TOOL_RESULT : ChatConsole.Prompt.MESSAGE);
            if (line == null) {
                return 0;
            }
            if (line == ChatConsole.INTERRUPTED) {
                if (awaited != null) {
                    conversation.skipToolResults();
                    console.info("(tool call left unanswered)");
                }
                continue;
            }
            if (line.isBlank()) {
                continue;
            }
            Matcher command = COMMAND.matcher(line.strip());
            if (command.matches()) {
                if (!runCommand(command.group(1), command.group(2))) {
                    return 0;
                }
                continue;
            }
            if (SLASH_WORD.matcher(line.strip()).matches()) {
                console.error("unknown command " + line.strip().split("\\s")[0] + "; /help lists the commands");
                if (!console.interactive()) {
                    return Main.EXIT_BAD_INPUT;
                }
                continue;
            }
            if (awaited != null) {
                conversation.addToolResult(line);
                if (conversation.awaitedCall() != null) {
                    continue; // more calls to answer before the model goes on
                }
            } else {
                conversation.addUser(line);
            }
            if (!answer() && !console.interactive()) {
                return Main.EXIT_BAD_INPUT;
            }
        }
    }

    /** Generates and shows the next assistant message; false when it failed. */
    private boolean answer() {
        ChatTurn turn;
        try {
            turn = ChatTurn.start(llama, conversation.request());
        } catch (Llama3jException e) {
            // Most likely the conversation no longer fits the context: forget the line that did not fit.
            conversation.dropLast();
            console.error(e.getMessage() + (console.interactive() ? " (/reset starts a new conversation)" : ""));
            return false;
        }
        ChatTurn.Outcome outcome;
        console.onInterrupt(turn::stop);
        try {
            outcome = turn.printTo(console::content);
        } catch (Llama3jException e) {
            conversation.dropLast();
            console.error(e.getMessage());
            return false;
        } finally {
            console.onInterrupt(null);
        }
        console.endContent();
        if (outcome.stopped()) {
            conversation.addStoppedAnswer(outcome.shown());
            console.info("[stopped]");
            return true;
        }
        conversation.addAnswer(outcome.response().message());
        for (ToolCall call : outcome.response().message().toolCalls()) {
            console.toolCall(call);
        }
        if (outcome.response().finishReason() == FinishReason.LENGTH) {
            console.info("[cut off after " + outcome.response().completionTokens()
                    + " tokens: the --max-tokens limit, or the context is full]");
        }
        console.stats(outcome.response().generation());
        if (outcome.response().message().hasToolCalls() && console.interactive()) {
            console.info("Paste the tool's result (it goes back to the model as an ipython message);"
                    + " Ctrl-C skips it.");
        }
        return true;
    }

    /** Runs a command; false to quit. */
    private boolean runCommand(String name, String argument) {
        switch (name) {
            case "quit", "exit", "bye" -> {
                return false;
            }
            case "reset" -> {
                conversation.reset();
                console.info("(new conversation" + (conversation.system() != null ? "; the system prompt stays" : "") + ")");
            }
            case "system" -> {
                if (argument == null || argument.isBlank()) {
                    console.info(conversation.system() == null ? "(no system prompt)"
                            : "system prompt: " + conversation.system());
                } else {
                    conversation.system(argument.strip());
                    console.info("(system prompt set)");
                }
            }
            case "help" -> console.info(help());
            default -> throw new IllegalStateException(name);
        }
        return true;
    }

    private String help() {
        return String.join("\n",
                "Type a message and press Enter; the answer streams in. Ctrl-C stops an answer.",
                "  /reset         start a new conversation (keeps the system prompt and tools)",
                "  /system TEXT   set the system prompt; /system alone shows it",
                "  /help          this help",
                "  /quit          leave (or Ctrl-D)",
                toolNames.isEmpty()
                        ? "Tools: none (llama3j chat --tools builtin|FILE.json offers some)."
                        : "Tools: " + toolNames + ". When the model calls one, paste its result at the"
                                + " 'tool result>' prompt; Ctrl-C there skips it.",
                "Up and down arrows recall earlier lines.");
    }
}
