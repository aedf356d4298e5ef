package org.walden.common.guc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a configuration file in PostgreSQL's syntax (guc-file.l), following includes. One
 * setting a line: {@code name = value} or {@code name value}; a value is a 'quoted string'
 * ('' and backslash escapes), a number with an optional unit ("16MB", "0x1F", "-1.5e3"), or
 * an unquoted word (letters, digits and {@code - . _ : /}); {@code #} starts a comment.
 * {@code include 'file'}, {@code include_if_exists 'file'} and {@code include_dir 'dir'}
 * (files ending in .conf, by name) read other files, relative to the including file's
 * directory. A syntax error skips the rest of its line and parsing goes on, so every error is
 * reported, as PostgreSQL does; names and values are checked later, by the caller.
 */
public final class ConfigFileParser {

    /** PostgreSQL's CONF_FILE_MAX_DEPTH. */
    static final int MAX_INCLUDE_DEPTH = 10;
    /** PostgreSQL stops reporting after this many errors in one file. */
    static final int MAX_ERRORS = 100;

    /** One {@code name = value} line. */
    public record Item(String name, String value, Path file, int line) {
    }

    /** A problem: PostgreSQL's message, logged at LOG; {@code fatal} ones make the file "contain errors". */
    public record Problem(String message, boolean fatal) {
    }

    /** What a file (and its includes) holds. */
    public record Result(List<Item> items, List<Problem> problems) {
        public boolean hasErrors() {
            return problems.stream().anyMatch(Problem::fatal);
        }
    }

    private final List<Item> items = new ArrayList<>();
    private final List<Problem> problems = new ArrayList<>();

    private ConfigFileParser() {
    }

    /** Parses {@code file}; a missing file is an error ("could not open configuration file"). */
    public static Result parseFile(Path file) {
        ConfigFileParser p = new ConfigFileParser();
        p.include(file.toAbsolutePath().normalize(), false, 0);
        return new Result(List.copyOf(p.items), List.copyOf(p.problems));
    }

    /** Parses text as if it were the file {@code file} (for tests and command-line values). */
    public static Result parseText(String text, Path file) {
        ConfigFileParser p = new ConfigFileParser();
        p.parseContents(text, file.toAbsolutePath().normalize(), 0);
        return new Result(List.copyOf(p.items), List.copyOf(p.problems));
    }

    private void include(Path file, boolean missingOk, int depth) {
        if (depth > MAX_INCLUDE_DEPTH) {
            problems.add(new Problem("could not open configuration file \"" + file
                    + "\": maximum nesting depth exceeded", true));
            return;
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            if (missingOk) {
                problems.add(new Problem("skipping missing configuration file \"" + file + "\"", false));
            } else {
                problems.add(new Problem("could not open configuration file \"" + file
                        + "\": No such file or directory", true));
            }
            return;
        } catch (IOException e) {
            problems.add(new Problem("could not open configuration file \"" + file + "\": " + e.getMessage(), true));
            return;
        }
        parseContents(text, file, depth);
    }

    private void includeDir(Path dir, int depth) {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            for (Path p : stream) {
                String n = p.getFileName().toString();
                if (!n.startsWith(".") && n.endsWith(".conf") && Files.isRegularFile(p)) {
                    files.add(p);
                }
            }
        } catch (IOException e) {
            problems.add(new Problem("could not open configuration directory \"" + dir
                    + "\": No such file or directory", true));
            return;
        }
        files.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
        for (Path p : files) {
            include(p, false, depth + 1);
        }
    }

    private void parseContents(String text, Path file, int depth) {
        String[] lines = text.split("\n", -1);
        int errors = 0;
        for (int i = 0; i < lines.length && errors < MAX_ERRORS; i++) {
            String error = parseLine(lines[i], file, i + 1, depth);
            if (error != null) {
                problems.add(new Problem("syntax error in file \"" + file + "\" line " + (i + 1) + ", " + error, true));
                errors++;
            }
        }
    }

    /** Parses one line; returns null, or "near token ..." / "near end of line" for a syntax error. */
    private String parseLine(String line, Path file, int lineNo, int depth) {
        ConfigLexer lexer = new ConfigLexer(line);
        ConfigLexer.Token name = lexer.next();
        if (name.kind() == ConfigLexer.Kind.EOL) {
            return null;
        }
        if (name.kind() != ConfigLexer.Kind.ID && name.kind() != ConfigLexer.Kind.QUALIFIED_ID) {
            return nearToken(name);
        }
        ConfigLexer.Token value = lexer.next();
        if (value.kind() == ConfigLexer.Kind.EQUALS) {
            value = lexer.next();
        }
        if (!value.isValue()) {
            return nearToken(value);
        }
        ConfigLexer.Token end = lexer.next();
        if (end.kind() != ConfigLexer.Kind.EOL) {
            return nearToken(end);
        }
        String key = name.text();
        String val = value.value();
        Path dir = file.getParent();
        switch (key.toLowerCase(java.util.Locale.ROOT)) {
            case "include" -> include(dir.resolve(val).normalize(), false, depth + 1);
            case "include_if_exists" -> include(dir.resolve(val).normalize(), true, depth + 1);
            case "include_dir" -> includeDir(dir.resolve(val).normalize(), depth);
            default -> items.add(new Item(key, val, file, lineNo));
        }
        return null;
    }

    private static String nearToken(ConfigLexer.Token token) {
        return token.kind() == ConfigLexer.Kind.EOL ? "near end of line" : "near token \"" + token.text() + "\"";
    }
}
