package org.walden.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What the protocol fuzzer starts from: the statements and replication commands that
 * PostgreSQL 15's own clients sent in shared/reference/pg15-captures (psql, pgbench, pgjdbc,
 * pg_basebackup, pg_receivewal, a walreceiver), decoded from the captures' text form.
 */
record FuzzCorpus(List<String> statements, List<String> replicationCommands) {

    private static final Pattern QUERY = Pattern.compile(" F Query (.*)$");

    /** The captures under {@code dir}; empty lists if it does not exist. */
    static FuzzCorpus load(Path dir) {
        List<String> statements = new ArrayList<>();
        List<String> replication = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return new FuzzCorpus(statements, replication);
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".log")).sorted().toList()) {
                for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                    Matcher q = QUERY.matcher(line);
                    if (q.find()) {
                        String sql = pythonString(q.group(1));
                        if (sql != null) {
                            (isReplicationCommand(sql) ? replication : statements).add(sql);
                        }
                        continue;
                    }
                    int parse = line.indexOf(" F Parse stmt=");
                    int query = parse < 0 ? -1 : line.indexOf(" query=", parse);
                    if (query >= 0) {
                        int start = query + " query=".length();
                        String sql = pythonString(line.substring(start, literalEnd(line, start)));
                        if (sql != null) {
                            statements.add(sql);
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new FuzzCorpus(List.copyOf(statements), List.copyOf(replication));
    }

    private static boolean isReplicationCommand(String sql) {
        return sql.matches("(?s)(IDENTIFY_SYSTEM|START_REPLICATION|BASE_BACKUP|TIMELINE_HISTORY|CREATE_REPLICATION_SLOT"
                + "|DROP_REPLICATION_SLOT|READ_REPLICATION_SLOT|SHOW [a-z_]+$).*");
    }

    /** The index just past the Python string literal that starts at {@code start}. */
    private static int literalEnd(String s, int start) {
        if (start >= s.length()) {
            return start;
        }
        char quote = s.charAt(start);
        for (int i = start + 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == quote) {
                return i + 1;
            }
        }
        return s.length();
    }

    /** A Python repr string literal ('...' or "...") decoded; null if it is not one. */
    static String pythonString(String repr) {
        String s = repr.strip();
        if (s.length() < 2 || (s.charAt(0) != '\'' && s.charAt(0) != '"') || s.charAt(s.length() - 1) != s.charAt(0)) {
            return null;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 1; i < s.length() - 1; i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 >= s.length() - 1) {
                out.append(c);
                continue;
            }
            char n = s.charAt(++i);
            switch (n) {
                case 'n' -> out.append('\n');
                case 't' -> out.append('\t');
                case 'r' -> out.append('\r');
                case 'x' -> {
                    out.append((char) Integer.parseInt(s.substring(i + 1, i + 3), 16));
                    i += 2;
                }
                default -> out.append(n);
            }
        }
        return out.toString();
    }
}
