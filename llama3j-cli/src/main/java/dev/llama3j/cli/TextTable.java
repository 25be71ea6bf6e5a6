package dev.llama3j.cli;

import java.util.ArrayList;
import java.util.List;

/** A plain-text table, columns two spaces apart: labels left-aligned, numbers right-aligned. */
final class TextTable {
    private final List<String[]> rows = new ArrayList<>();
    private final int columns;
    private boolean labelColumn = true;

    TextTable(String... header) {
        this.columns = header.length;
        rows.add(header);
    }

    /** Right-aligns the first column too (when it holds numbers). */
    TextTable numbersOnly() {
        labelColumn = false;
        return this;
    }

    TextTable row(String... cells) {
        if (cells.length != columns) {
            throw new IllegalArgumentException("expected " + columns + " cells, got " + cells.length);
        }
        rows.add(cells);
        return this;
    }

    /** The table, one line per row, each line indented by {@code indent} and ending in a newline. */
    String render(String indent) {
        int[] width = new int[columns];
        for (String[] r : rows) {
            for (int c = 0; c < columns; c++) {
                width[c] = Math.max(width[c], r[c].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder(indent);
            for (int c = 0; c < columns; c++) {
                if (c > 0) {
                    line.append("  ");
                }
                String pad = " ".repeat(width[c] - r[c].length());
                line.append(c == 0 && labelColumn || c == columns - 1 && r[c].startsWith("(") ? r[c] + pad : pad + r[c]);
            }
            sb.append(line.toString().stripTrailing()).append('\n');
        }
        return sb.toString();
    }
}
