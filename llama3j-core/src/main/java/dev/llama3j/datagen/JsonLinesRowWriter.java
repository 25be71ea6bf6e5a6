package dev.llama3j.datagen;

import dev.llama3j.error.InvalidRequestException;
import dev.llama3j.json.Json;
import dev.llama3j.json.JsonException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

/**
 * Rows as JSON lines, appended and resumable. Line {@code i} holds the row of the {@code i}-th prompt
 * (rows are written in input order), each written with one append so that it reaches the operating
 * system whole or, when the process is killed mid-write, as a last line without its newline. Opening
 * an existing file keeps its complete lines, cuts such a partial last line off, and reports how
 * many rows are done; {@link #checkDone} makes sure they are this input's rows.
 */
public final class JsonLinesRowWriter implements ResumableRowWriter {
    private final Path file;
    private final FileChannel channel;
    private final long done;

    private JsonLinesRowWriter(Path file, FileChannel channel, long done) {
        this.file = file;
        this.channel = channel;
        this.done = done;
    }

    /**
     * Opens {@code file} for appending after the complete rows already in it (a new file when absent).
     *
     * @throws InvalidRequestException when a complete line is not a JSON object with an index
     */
    public static JsonLinesRowWriter open(Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            try {
                long size = ch.size();
                long keep = completeLength(ch, size);
                if (keep < size) {
                    ch.truncate(keep);
                }
                ch.position(keep);
                return new JsonLinesRowWriter(file, ch, countNewlines(ch, keep));
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
        } catch (IOException e) {
            throw new InvalidRequestException("cannot open output " + file + ": " + e, "out");
        }
    }

    /** Bytes up to and including the last newline: what is left of the file once a partial last line is cut. */
    private static long completeLength(FileChannel ch, long size) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4096);
        long end = size;
        while (end > 0) {
            long from = Math.max(0, end - b.capacity());
            b.clear().limit((int) (end - from));
            ch.read(b, from);
            for (int i = b.position() - 1; i >= 0; i--) {
                if (b.get(i) == '\n') {
                    return from + i + 1;
                }
            }
            end = from;
        }
        return 0;
    }

    private static long countNewlines(FileChannel ch, long length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(1 << 16);
        long lines = 0;
        for (long at = 0; at < length; ) {
            b.clear().limit((int) Math.min(b.capacity(), length - at));
            int n = ch.read(b, at);
            for (int i = 0; i < n; i++) {
                if (b.get(i) == '\n') {
                    lines++;
                }
            }
            at += n;
        }
        return lines;
    }

    /** Rows already in the file (complete lines), which a resumed run skips. */
    @Override
    public long done() {
        return done;
    }

    /**
     * Checks that the rows already written are those of the first {@link #done()} prompts (same index
     * and instruction), i.e. that this run continues the one that wrote the file.
     *
     * @throws InvalidRequestException naming the line that belongs to another input
     */
    @Override
    public void checkDone(List<PromptRow> prompts) {
        if (done > prompts.size()) {
            throw new InvalidRequestException("output " + file + " already holds " + done + " rows but the prompts have "
                    + prompts.size() + "; it was written for other prompts", "out");
        }
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            for (int i = 0; i < done; i++) {
                PromptRow p = prompts.get(i);
                String where = "output " + file + " line " + (i + 1) + ": ";
                Map<String, Object> row;
                try {
                    row = Json.asObject(Json.parse(lines.get(i)), "row");
                } catch (JsonException e) {
                    throw new InvalidRequestException(where + "not a JSON row (" + e.getMessage()
                            + "); not written by datagen", "out");
                }
                if (!(row.get("index") instanceof Number n) || n.longValue() != p.index()
                        || !p.instruction().equals(row.get("instruction"))) {
                    throw new InvalidRequestException(where + "holds row " + row.get("index") + " of another input, not"
                            + " prompt " + p.index() + " of these prompts; give a new --out or the same arguments", "out");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read output " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void write(DatagenRow row) {
        ByteBuffer line = ByteBuffer.wrap((Json.writeCompact(row.toJson()) + "\n").getBytes(StandardCharsets.UTF_8));
        try {
            while (line.hasRemaining()) {
                channel.write(line);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            channel.force(false);
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close " + file + ": " + e.getMessage(), e);
        }
    }
}
