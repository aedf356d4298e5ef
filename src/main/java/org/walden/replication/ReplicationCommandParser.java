package org.walden.replication;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.wal.Lsn;

/**
 * Parses the replication command language a walsender accepts (PostgreSQL 15's
 * repl_scanner.l and repl_gram.y, written by hand). Unquoted identifiers are downcased;
 * double-quoted identifiers keep their case and are never keywords; single-quoted strings
 * double their quotes. A trailing semicolon is allowed.
 *
 * <p>{@link #parse} returns null when the text does not start with a replication command
 * keyword: that is SQL, which a physical walsender refuses. Anything else that does not
 * parse raises 42601 "syntax error".
 */
public final class ReplicationCommandParser {

    private static final Set<String> COMMAND_KEYWORDS = Set.of("identify_system", "show", "timeline_history",
            "create_replication_slot", "read_replication_slot", "drop_replication_slot", "start_replication",
            "base_backup", "read_key_range");

    private enum Kind { WORD, QUOTED_IDENT, STRING, NUMBER, RECPTR, PUNCT, END }

    private record Token(Kind kind, String text) {
        boolean isKeyword(String keyword) {
            return kind == Kind.WORD && text.equals(keyword);
        }

        boolean isPunct(char c) {
            return kind == Kind.PUNCT && text.charAt(0) == c;
        }
    }

    private final List<Token> tokens;
    private int pos;

    private ReplicationCommandParser(List<Token> tokens) {
        this.tokens = tokens;
    }

    /** The command, or null when the text is not a replication command (it is SQL). */
    public static ReplicationCommand parse(String text) {
        List<Token> tokens = scan(text);
        if (tokens.isEmpty() || !(tokens.getFirst().kind == Kind.WORD
                && COMMAND_KEYWORDS.contains(tokens.getFirst().text))) {
            return null;
        }
        tokens.add(new Token(Kind.END, ""));
        ReplicationCommandParser parser = new ReplicationCommandParser(tokens);
        ReplicationCommand command = parser.command();
        if (parser.peek().isPunct(';')) {
            parser.pos++;
        }
        if (parser.peek().kind != Kind.END) {
            throw syntaxError();
        }
        return command;
    }

    static PgException syntaxError() {
        return new PgException(SqlState.SYNTAX_ERROR, "syntax error");
    }

    // ---- scanner ----

    private static List<Token> scan(String text) {
        List<Token> out = new ArrayList<>();
        int i = 0;
        int n = text.length();
        while (i < n) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '"') {
                StringBuilder sb = new StringBuilder();
                i = scanQuoted(text, i + 1, '"', sb, "unterminated quoted identifier");
                if (sb.isEmpty()) {
                    throw new PgException(SqlState.SYNTAX_ERROR, "zero-length delimited identifier");
                }
                out.add(new Token(Kind.QUOTED_IDENT, sb.toString()));
            } else if (c == '\'') {
                StringBuilder sb = new StringBuilder();
                i = scanQuoted(text, i + 1, '\'', sb, "unterminated quoted string");
                out.add(new Token(Kind.STRING, sb.toString()));
            } else if (isWordChar(c)) {
                int start = i;
                while (i < n && isWordChar(text.charAt(i))) {
                    i++;
                }
                String word = text.substring(start, i);
                if (i < n && text.charAt(i) == '/' && isHex(word)) {
                    int hiEnd = i;
                    i++;
                    int loStart = i;
                    while (i < n && isWordChar(text.charAt(i))) {
                        i++;
                    }
                    String lo = text.substring(loStart, i);
                    if (lo.isEmpty() || !isHex(lo)) {
                        throw syntaxError();
                    }
                    out.add(new Token(Kind.RECPTR, text.substring(start, hiEnd) + "/" + lo));
                } else if (word.chars().allMatch(Character::isDigit)) {
                    out.add(new Token(Kind.NUMBER, word));
                } else if (Character.isDigit(word.charAt(0))) {
                    throw syntaxError();
                } else {
                    out.add(new Token(Kind.WORD, word.toLowerCase(Locale.ROOT)));
                }
            } else if ("(),;.".indexOf(c) >= 0) {
                out.add(new Token(Kind.PUNCT, String.valueOf(c)));
                i++;
            } else {
                throw syntaxError();
            }
        }
        return out;
    }

    private static int scanQuoted(String text, int i, char quote, StringBuilder sb, String unterminated) {
        while (true) {
            if (i >= text.length()) {
                throw new PgException(SqlState.SYNTAX_ERROR, unterminated);
            }
            char c = text.charAt(i);
            if (c == quote) {
                if (i + 1 < text.length() && text.charAt(i + 1) == quote) {
                    sb.append(quote);
                    i += 2;
                    continue;
                }
                return i + 1;
            }
            sb.append(c);
            i++;
        }
    }

    private static boolean isWordChar(char c) {
        return c == '_' || c == '$' || Character.isLetterOrDigit(c);
    }

    private static boolean isHex(String s) {
        if (s.isEmpty() || s.length() > 8) {
            return false;
        }
        for (int k = 0; k < s.length(); k++) {
            if (Character.digit(s.charAt(k), 16) < 0) {
                return false;
            }
        }
        return true;
    }

    // ---- grammar ----

    private Token peek() {
        return tokens.get(pos);
    }

    private Token next() {
        Token t = tokens.get(pos);
        if (t.kind != Kind.END) {
            pos++;
        }
        return t;
    }

    private boolean accept(String keyword) {
        if (peek().isKeyword(keyword)) {
            pos++;
            return true;
        }
        return false;
    }

    private void expectPunct(char c) {
        if (!next().isPunct(c)) {
            throw syntaxError();
        }
    }

    /** An identifier: an unquoted word (downcased) or a double-quoted name. */
    private String identifier() {
        Token t = next();
        if (t.kind == Kind.WORD || t.kind == Kind.QUOTED_IDENT) {
            return t.text;
        }
        throw syntaxError();
    }

    private int unsignedInt() {
        Token t = next();
        if (t.kind != Kind.NUMBER) {
            throw syntaxError();
        }
        try {
            return Integer.parseInt(t.text);
        } catch (NumberFormatException e) {
            throw syntaxError();
        }
    }

    private ReplicationCommand command() {
        String keyword = next().text;
        return switch (keyword) {
            case "identify_system" -> new ReplicationCommand.IdentifySystem();
            case "show" -> show();
            case "timeline_history" -> new ReplicationCommand.TimelineHistory(unsignedInt());
            case "create_replication_slot" -> createSlot();
            case "read_replication_slot" -> new ReplicationCommand.ReadReplicationSlot(identifier());
            case "drop_replication_slot" -> {
                String name = identifier();
                yield new ReplicationCommand.DropReplicationSlot(name, accept("wait"));
            }
            case "start_replication" -> startReplication();
            case "base_backup" -> baseBackup();
            case "read_key_range" -> new ReplicationCommand.ReadKeyRange(hexLiteral(), hexLiteral());
            default -> throw syntaxError();
        };
    }

    private ReplicationCommand show() {
        StringBuilder name = new StringBuilder(identifier());
        while (peek().isPunct('.')) {
            pos++;
            name.append('.').append(identifier());
        }
        return new ReplicationCommand.Show(name.toString());
    }

    private ReplicationCommand createSlot() {
        String name = identifier();
        boolean temporary = accept("temporary");
        String plugin = null;
        boolean physical;
        if (accept("physical")) {
            physical = true;
        } else if (accept("logical")) {
            physical = false;
            plugin = identifier();
        } else {
            throw syntaxError();
        }
        List<ReplicationCommand.GenericOption> options;
        if (peek().isPunct('(')) {
            options = genericOptionList();
        } else {
            options = legacyWords(Set.of("reserve_wal", "export_snapshot", "noexport_snapshot", "use_snapshot",
                    "two_phase"));
        }
        return new ReplicationCommand.CreateReplicationSlot(name, temporary, physical, plugin, options);
    }

    private List<ReplicationCommand.GenericOption> legacyWords(Set<String> allowed) {
        List<ReplicationCommand.GenericOption> options = new ArrayList<>();
        while (peek().kind == Kind.WORD && allowed.contains(peek().text)) {
            options.add(new ReplicationCommand.GenericOption(next().text, null));
        }
        return options;
    }

    private ReplicationCommand startReplication() {
        String slot = null;
        if (accept("slot")) {
            slot = identifier();
        }
        boolean physical = true;
        if (accept("logical")) {
            physical = false;
        } else {
            accept("physical");
        }
        Token t = next();
        if (t.kind != Kind.RECPTR) {
            throw syntaxError();
        }
        Lsn start = Lsn.parse(t.text.toUpperCase(Locale.ROOT));
        int timeline = 0;
        if (physical && accept("timeline")) {
            timeline = unsignedInt();
            if (timeline <= 0) {
                throw new PgException(SqlState.SYNTAX_ERROR, "invalid timeline " + timeline);
            }
        }
        if (!physical) {
            while (peek().kind != Kind.END && !peek().isPunct(';')) {
                next();
            }
        }
        return new ReplicationCommand.StartReplication(slot, physical, start, timeline);
    }

    private ReplicationCommand baseBackup() {
        if (peek().isPunct('(')) {
            return new ReplicationCommand.BaseBackup(genericOptionList());
        }
        List<ReplicationCommand.GenericOption> options = new ArrayList<>();
        while (peek().kind == Kind.WORD) {
            String word = next().text;
            switch (word) {
                case "label" -> options.add(option("label", stringLiteral()));
                case "progress" -> options.add(option("progress", null));
                case "fast" -> options.add(option("checkpoint", "fast"));
                case "wal" -> options.add(option("wal", null));
                case "nowait" -> options.add(option("wait", "false"));
                case "max_rate" -> options.add(option("max_rate", Integer.toString(unsignedInt())));
                case "tablespace_map" -> options.add(option("tablespace_map", null));
                case "noverify_checksums" -> options.add(option("verify_checksums", "false"));
                case "manifest" -> options.add(option("manifest", stringLiteral()));
                case "manifest_checksums" -> options.add(option("manifest_checksums", stringLiteral()));
                default -> throw syntaxError();
            }
        }
        return new ReplicationCommand.BaseBackup(options);
    }

    private static ReplicationCommand.GenericOption option(String name, String value) {
        return new ReplicationCommand.GenericOption(name, value);
    }

    /** A quoted string of hexadecimal digits, as bytes. */
    private byte[] hexLiteral() {
        String text = stringLiteral();
        try {
            return java.util.HexFormat.of().parseHex(text);
        } catch (IllegalArgumentException e) {
            throw syntaxError();
        }
    }

    private String stringLiteral() {
        Token t = next();
        if (t.kind != Kind.STRING) {
            throw syntaxError();
        }
        return t.text;
    }

    private List<ReplicationCommand.GenericOption> genericOptionList() {
        expectPunct('(');
        List<ReplicationCommand.GenericOption> options = new ArrayList<>();
        if (peek().isPunct(')')) {
            pos++;
            return options;
        }
        while (true) {
            Token name = next();
            if (name.kind != Kind.WORD && name.kind != Kind.QUOTED_IDENT) {
                throw syntaxError();
            }
            String value = null;
            Kind k = peek().kind;
            if (k == Kind.STRING || k == Kind.WORD || k == Kind.QUOTED_IDENT || k == Kind.NUMBER) {
                value = next().text;
            }
            options.add(option(name.text.toLowerCase(Locale.ROOT), value));
            Token sep = next();
            if (sep.isPunct(')')) {
                return options;
            }
            if (!sep.isPunct(',')) {
                throw syntaxError();
            }
        }
    }
}
