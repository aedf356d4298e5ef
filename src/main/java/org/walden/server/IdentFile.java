package org.walden.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.server.logging.PgLog;

/**
 * pg_ident.conf, read as PostgreSQL 15 reads it (hba.c: load_ident, check_usermap): lines
 * {@code MAPNAME SYSTEM-USERNAME PG-USERNAME}; a system user name starting with {@code /} is a
 * regular expression, whose first parenthesized match replaces {@code \1} in the PG user name.
 * Without a map, the system user (the certificate's CN, the socket peer's name) must be the
 * requested user. Immutable once loaded; the postmaster reloads it with pg_hba.conf.
 */
final class IdentFile {

    record Mapping(int lineNumber, String mapName, String systemUser, Pattern regex, String pgUser) {
    }

    private final List<Mapping> mappings;

    private IdentFile(List<Mapping> mappings) {
        this.mappings = List.copyOf(mappings);
    }

    static final IdentFile EMPTY = new IdentFile(List.of());

    /** Reads a pg_ident.conf; a missing file is an empty one; a bad line is F0000 naming it. */
    static IdentFile load(Path path) {
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return EMPTY;
        } catch (IOException e) {
            throw new PgException(SqlState.CONFIG_FILE_ERROR,
                    "could not open usermap file \"" + path + "\": " + e.getMessage(), e);
        }
        return parse(text, path);
    }

    static IdentFile parse(String text, Path path) {
        List<Mapping> out = new ArrayList<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            List<List<HbaFile.Token>> fields = HbaTokenizer.tokenize(lines[i], i + 1, path);
            if (fields.isEmpty()) {
                continue;
            }
            if (fields.size() != 3) {
                throw HbaFile.error(fields.size() < 3 ? "missing entry at end of line" : "extra entry at end of line",
                        i + 1, path);
            }
            String system = fields.get(1).get(0).text();
            Pattern regex = null;
            if (system.startsWith("/")) {
                try {
                    regex = Pattern.compile(system.substring(1));
                } catch (PatternSyntaxException e) {
                    throw HbaFile.error("invalid regular expression \"" + system.substring(1) + "\": "
                            + e.getDescription(), i + 1, path);
                }
            }
            out.add(new Mapping(i + 1, fields.get(0).get(0).text(), system, regex, fields.get(2).get(0).text()));
        }
        return new IdentFile(out);
    }

    /**
     * check_usermap: true when {@code systemUser} may log in as {@code pgRole} under map
     * {@code mapName} (null: the two names must be equal). A refusal is logged as PostgreSQL
     * logs it; the caller sends the method's FATAL.
     */
    boolean permits(String mapName, String pgRole, String systemUser) {
        if (mapName == null) {
            if (pgRole.equals(systemUser)) {
                return true;
            }
            PgLog.log("provided user name (%s) and authenticated user name (%s) do not match", pgRole, systemUser);
            return false;
        }
        for (Mapping m : mappings) {
            if (m.mapName().equals(mapName) && matches(m, pgRole, systemUser)) {
                return true;
            }
        }
        PgLog.log("no match in usermap \"%s\" for user \"%s\" authenticated as \"%s\"", mapName, pgRole, systemUser);
        return false;
    }

    private static boolean matches(Mapping m, String pgRole, String systemUser) {
        if (m.regex() == null) {
            return m.systemUser().equals(systemUser) && m.pgUser().equals(pgRole);
        }
        Matcher matcher = m.regex().matcher(systemUser);
        if (!matcher.find()) {
            return false;
        }
        String expected = m.pgUser();
        if (expected.contains("\\1")) {
            expected = expected.replace("\\1", matcher.groupCount() >= 1 && matcher.group(1) != null
                    ? matcher.group(1) : "");
        }
        return expected.equals(pgRole);
    }
}
