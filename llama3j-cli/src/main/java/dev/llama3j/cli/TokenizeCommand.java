package dev.llama3j.cli;

import dev.llama3j.json.Json;
import dev.llama3j.tokenizer.Tokenizer;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code llama3j tokenize}: print the token ids of a text. */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Print the token ids of a text (no BOS is added).")
final class TokenizeCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model = new ModelOptions();

    @Option(names = "--text", required = true, paramLabel = "TEXT", description = "The text to tokenize")
    String text;

    @Option(names = "--no-special",
            description = "Treat special-token text such as <|eot_id|> as plain text (default: parse it)")
    boolean noSpecial;

    @Option(names = "--json", description = "Print a JSON object with ids and pieces")
    boolean json;

    @Override
    public Integer call() {
        Tokenizer tokenizer = ModelFiles.tokenizer(model.modelPath());
        int[] ids = tokenizer.encode(text, !noSpecial);
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        if (json) {
            List<String> pieces = new ArrayList<>();
            for (int id : ids) {
                pieces.add(tokenizer.piece(id));
            }
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("ids", ids);
            o.put("pieces", pieces);
            out.println(Json.write(o, -1, false));
        } else {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < ids.length; i++) {
                sb.append(i == 0 ? "" : ",").append(ids[i]);
            }
            out.println(sb);
        }
        return 0;
    }
}
