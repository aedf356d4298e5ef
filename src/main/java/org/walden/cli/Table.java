package org.walden.cli;

import java.io.PrintStream;
import java.util.List;

/** A bordered text table, as patronictl prints its lists. */
final class Table {

    private Table() {
    }

    static void print(PrintStream out, List<String> header, List<String[]> rows) {
        int[] w = new int[header.size()];
        for (int c = 0; c < w.length; c++) {
            w[c] = header.get(c).length();
            for (String[] r : rows) {
                w[c] = Math.max(w[c], r[c] == null ? 0 : r[c].length());
            }
        }
        StringBuilder rule = new StringBuilder("+");
        for (int width : w) {
            rule.append("-".repeat(width + 2)).append('+');
        }
        out.println(rule);
        out.println(line(header.toArray(String[]::new), w));
        out.println(rule);
        for (String[] r : rows) {
            out.println(line(r, w));
        }
        out.println(rule);
    }

    private static String line(String[] cells, int[] w) {
        StringBuilder sb = new StringBuilder("|");
        for (int c = 0; c < w.length; c++) {
            String v = cells[c] == null ? "" : cells[c];
            sb.append(' ').append(v).append(" ".repeat(w[c] - v.length())).append(" |");
        }
        return sb.toString();
    }
}
