package dev.llama3j.cli;

import dev.llama3j.error.Llama3jException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code llama3j} command. */
@Command(
        name = "llama3j",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        description = "Llama 3.1 on the JVM: run, serve, convert and measure Llama models.",
        subcommands = {
            ChatCommand.class,
            GenerateCommand.class,
            TokenizeCommand.class,
            GuardCommand.class,
            ServeCommand.class,
            ConvertCommand.class,
            BenchCommand.class,
            MemCommand.class,
            FinetuneCommand.class,
            SyntheticGgufCommand.class,
            DatagenCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {
    /** Exit code for bad input: a bad file, flag or request. */
    public static final int EXIT_BAD_INPUT = 2;

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        int code;
        try {
            code = execute(args);
        } catch (OutOfMemoryError e) {
            // Not a bug and not bad input: the model or the run needs more memory than this JVM may use.
            System.err.println("error: out of memory (" + e.getMessage() + "); `llama3j mem` shows what a model"
                    + " needs, and LLAMA3J_JAVA_OPTS=-Xmx<size> raises the Java heap's limit");
            code = 1;
        }
        System.exit(code);
    }

    /** Runs the command line and returns its exit code (tests call this). */
    public static int execute(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            PrintWriter err = cmd.getErr();
            if (ex instanceof Llama3jException) {
                err.println("error: " + ex.getMessage());
                err.flush();
                return EXIT_BAD_INPUT;
            }
            if (ex instanceof java.io.UncheckedIOException || ex instanceof java.io.IOException) {
                err.println("error: " + ex.getMessage());
                err.flush();
                return EXIT_BAD_INPUT;
            }
            // A bug, not bad input: one line by default, the trace when asked for.
            err.println("error: internal error: " + ex);
            if (System.getenv("LLAMA3J_DEBUG") != null) {
                ex.printStackTrace(err);
            } else {
                err.println("(set LLAMA3J_DEBUG=1 for the stack trace, and please report it)");
            }
            err.flush();
            return 1;
        });
        cli.setParameterExceptionHandler((ex, a) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("error: " + ex.getMessage().replaceFirst("^Error: ", ""));
            err.println("Run '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help' for usage.");
            err.flush();
            return EXIT_BAD_INPUT;
        });
        return cli.execute(args);
    }
}
