package org.walden.common.guc;

/**
 * The tokens of one configuration-file line, as guc-file.l defines them: identifiers
 * (letters, digits, _ and $, not starting with a digit), qualified identifiers (a.b),
 * unquoted strings (a letter, then letters, digits and - . _ : /), integers and reals with a
 * unit glued on, 'quoted strings', '=', and end of line (a # comment ends the line too).
 * Anything else is a one-character token, which the grammar then rejects.
 */
final class ConfigLexer {

    enum Kind { ID, QUALIFIED_ID, UNQUOTED_STRING, NUMBER, STRING, EQUALS, EOL, OTHER }

    record Token(Kind kind, String text) {
        boolean isValue() {
            return kind == Kind.ID || kind == Kind.QUALIFIED_ID || kind == Kind.UNQUOTED_STRING
                    || kind == Kind.NUMBER || kind == Kind.STRING;
        }

        /** The value the token stands for: a quoted string unescaped, anything else as written. */
        String value() {
            return kind == Kind.STRING ? unescape(text) : text;
        }
    }

    private final String line;
    private int pos;

    ConfigLexer(String line) {
        this.line = line;
    }

    Token next() {
        while (pos < line.length() && isSpace(line.charAt(pos))) {
            pos++;
        }
        if (pos >= line.length() || line.charAt(pos) == '#') {
            pos = line.length();
            return new Token(Kind.EOL, "");
        }
        int start = pos;
        char c = line.charAt(pos);
        if (c == '=') {
            pos++;
            return new Token(Kind.EQUALS, "=");
        }
        if (c == '\'') {
            return quoted(start);
        }
        if (isLetter(c)) {
            return word(start);
        }
        if (Character.isDigit(c) || c == '-' || c == '+' || c == '.') {
            Token number = number(start);
            if (number != null) {
                return number;
            }
        }
        pos++;
        return new Token(Kind.OTHER, String.valueOf(c));
    }

    private Token quoted(int start) {
        int i = start + 1;
        while (i < line.length()) {
            char c = line.charAt(i);
            if (c == '\\' && i + 1 < line.length()) {
                i += 2;
            } else if (c == '\'') {
                if (i + 1 < line.length() && line.charAt(i + 1) == '\'') {
                    i += 2;
                } else {
                    pos = i + 1;
                    return new Token(Kind.STRING, line.substring(start, pos));
                }
            } else {
                i++;
            }
        }
        pos = start + 1;
        return new Token(Kind.OTHER, "'");
    }

    private Token word(int start) {
        int i = start;
        while (i < line.length() && isIdChar(line.charAt(i))) {
            i++;
        }
        if (i + 1 < line.length() && line.charAt(i) == '.' && isLetter(line.charAt(i + 1))) {
            int j = i + 1;
            while (j < line.length() && isIdChar(line.charAt(j))) {
                j++;
            }
            if (j >= line.length() || !isUnquotedChar(line.charAt(j))) {
                pos = j;
                return new Token(Kind.QUALIFIED_ID, line.substring(start, j));
            }
        }
        if (i < line.length() && isUnquotedChar(line.charAt(i))) {
            while (i < line.length() && isUnquotedChar(line.charAt(i))) {
                i++;
            }
            pos = i;
            return new Token(Kind.UNQUOTED_STRING, line.substring(start, i));
        }
        pos = i;
        return new Token(Kind.ID, line.substring(start, i));
    }

    /** {SIGN}?(digits | 0x hex | decimal with exponent){UNIT_LETTER}*, or null if not a number. */
    private Token number(int start) {
        int i = start;
        if (line.charAt(i) == '-' || line.charAt(i) == '+') {
            i++;
        }
        int digitsStart = i;
        if (line.startsWith("0x", i) || line.startsWith("0X", i)) {
            i += 2;
            while (i < line.length() && Character.digit(line.charAt(i), 16) >= 0) {
                i++;
            }
        } else {
            while (i < line.length() && Character.isDigit(line.charAt(i))) {
                i++;
            }
            if (i < line.length() && line.charAt(i) == '.') {
                i++;
                while (i < line.length() && Character.isDigit(line.charAt(i))) {
                    i++;
                }
            }
            if (i == digitsStart || (i == digitsStart + 1 && line.charAt(digitsStart) == '.')) {
                return null;
            }
            if (i + 1 < line.length() && (line.charAt(i) == 'e' || line.charAt(i) == 'E')) {
                int j = i + 1;
                if (line.charAt(j) == '+' || line.charAt(j) == '-') {
                    j++;
                }
                if (j < line.length() && Character.isDigit(line.charAt(j))) {
                    while (j < line.length() && Character.isDigit(line.charAt(j))) {
                        j++;
                    }
                    i = j;
                }
            }
        }
        while (i < line.length() && isLetter(line.charAt(i))) {
            i++;
        }
        pos = i;
        return new Token(Kind.NUMBER, line.substring(start, i));
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\f';
    }

    private static boolean isLetter(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c >= 0x80;
    }

    private static boolean isIdChar(char c) {
        return isLetter(c) || Character.isDigit(c) || c == '$';
    }

    private static boolean isUnquotedChar(char c) {
        return isLetter(c) || Character.isDigit(c) || c == '-' || c == '.' || c == '_' || c == ':' || c == '/';
    }

    /** PostgreSQL's DeescapeQuotedString: drops the quotes, '' → ', backslash escapes (\n, \t, octal...). */
    static String unescape(String quoted) {
        String s = quoted.substring(1, quoted.length() - 1);
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\'' && i + 1 < s.length() && s.charAt(i + 1) == '\'') {
                out.append('\'');
                i++;
            } else if (c == '\\' && i + 1 < s.length()) {
                char e = s.charAt(++i);
                switch (e) {
                    case 'b' -> out.append('\b');
                    case 'f' -> out.append('\f');
                    case 'n' -> out.append('\n');
                    case 'r' -> out.append('\r');
                    case 't' -> out.append('\t');
                    case '0', '1', '2', '3', '4', '5', '6', '7' -> {
                        int value = e - '0';
                        int digits = 1;
                        while (digits < 3 && i + 1 < s.length() && s.charAt(i + 1) >= '0' && s.charAt(i + 1) <= '7') {
                            value = value * 8 + (s.charAt(++i) - '0');
                            digits++;
                        }
                        out.append((char) value);
                    }
                    default -> out.append(e);
                }
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
