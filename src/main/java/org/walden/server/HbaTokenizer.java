package org.walden.server;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits one pg_hba.conf line into fields, each a comma-separated list of tokens (hba.c
 * next_token / next_field_expand): white space separates fields, {@code #} outside quotes
 * starts a comment, double quotes protect spaces, commas and keywords.
 */
final class HbaTokenizer {

    private HbaTokenizer() {
    }

    static List<List<HbaFile.Token>> tokenize(String line, int lineNumber, Path path) {
        List<List<HbaFile.Token>> fields = new ArrayList<>();
        List<HbaFile.Token> current = new ArrayList<>();
        StringBuilder tok = new StringBuilder();
        boolean inQuote = false;
        boolean quoted = false;
        boolean pendingComma = false;
        for (int i = 0; i <= line.length(); i++) {
            char c = i < line.length() ? line.charAt(i) : '\n';
            if (inQuote) {
                if (c == '\n') {
                    throw HbaFile.error("unterminated quoted string", lineNumber, path);
                }
                if (c == '"') {
                    inQuote = false;
                } else {
                    tok.append(c);
                }
                continue;
            }
            if (c == '"') {
                inQuote = true;
                quoted = true;
            } else if (c == ',') {
                current.add(new HbaFile.Token(tok.toString(), quoted));
                tok.setLength(0);
                quoted = false;
                pendingComma = true;
            } else if (c == '#' || c == '\n' || Character.isWhitespace(c)) {
                if (!tok.isEmpty() || quoted) {
                    current.add(new HbaFile.Token(tok.toString(), quoted));
                    tok.setLength(0);
                    quoted = false;
                    pendingComma = false;
                }
                if (!current.isEmpty() && !pendingComma) {
                    fields.add(current);
                    current = new ArrayList<>();
                }
                if (c == '#') {
                    break;
                }
            } else {
                tok.append(c);
            }
        }
        if (!current.isEmpty()) {
            fields.add(current);
        }
        return fields;
    }
}
