package org.walden.protocol;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * libpq's password file (~/.pgpass, PGPASSFILE, or the conninfo's passfile): lines
 * {@code hostname:port:database:username:password}, {@code *} matching anything, {@code \:}
 * and {@code \\} escaping, {@code #} comments; the first matching line wins. As libpq does,
 * a file readable by group or others is ignored, and a Unix-socket host matches "localhost".
 */
public final class PgPassFile {

    private PgPassFile() {
    }

    /** libpq's environment variables and the conninfo keys they supply when the conninfo lacks them. */
    private static final Map<String, String> ENVIRONMENT = Map.ofEntries(
            Map.entry("PGHOST", "host"), Map.entry("PGHOSTADDR", "hostaddr"), Map.entry("PGPORT", "port"),
            Map.entry("PGDATABASE", "dbname"), Map.entry("PGUSER", "user"), Map.entry("PGPASSWORD", "password"),
            Map.entry("PGPASSFILE", "passfile"), Map.entry("PGAPPNAME", "application_name"),
            Map.entry("PGCONNECT_TIMEOUT", "connect_timeout"), Map.entry("PGOPTIONS", "options"),
            Map.entry("PGSSLMODE", "sslmode"), Map.entry("PGSSLROOTCERT", "sslrootcert"),
            Map.entry("PGSSLCERT", "sslcert"), Map.entry("PGSSLKEY", "sslkey"), Map.entry("PGSSLCRL", "sslcrl"),
            Map.entry("PGSSLSNI", "sslsni"), Map.entry("PGCHANNELBINDING", "channel_binding"),
            Map.entry("PGSSLMINPROTOCOLVERSION", "ssl_min_protocol_version"),
            Map.entry("PGSSLMAXPROTOCOLVERSION", "ssl_max_protocol_version"));

    /** {@code info} with libpq's environment defaults filled in for missing keys. */
    public static ConnInfo withEnvironment(ConnInfo info, Map<String, String> env) {
        ConnInfo out = info;
        for (Map.Entry<String, String> e : ENVIRONMENT.entrySet()) {
            String v = env.get(e.getKey());
            if (v != null && !v.isEmpty() && out.get(e.getValue()) == null) {
                out = out.with(e.getValue(), v);
            }
        }
        return out;
    }

    /** The password file libpq would read for this conninfo. */
    public static Path fileFor(ConnInfo info, Map<String, String> env) {
        String explicit = info.get("passfile");
        if (explicit != null && !explicit.isEmpty()) {
            return Path.of(explicit);
        }
        String fromEnv = env.get("PGPASSFILE");
        if (fromEnv != null && !fromEnv.isEmpty()) {
            return Path.of(fromEnv);
        }
        return Path.of(System.getProperty("user.home"), ".pgpass");
    }

    /** The password for host/port/database/user from {@code file}, or null. */
    public static String lookup(Path file, String host, String port, String database, String user) {
        if (!Files.isRegularFile(file) || tooOpen(file)) {
            return null;
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        }
        String h = host == null || host.isEmpty() || host.startsWith("/") ? "localhost" : host;
        for (String line : lines) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            List<String> f = split(line);
            if (f.size() < 5) {
                continue;
            }
            if (matches(f.get(0), h) && matches(f.get(1), port) && matches(f.get(2), database)
                    && matches(f.get(3), user)) {
                return f.get(4);
            }
        }
        return null;
    }

    private static boolean matches(String pattern, String value) {
        return pattern.equals("*") || pattern.equals(value);
    }

    /** Splits on unescaped ':' into at most five fields (the password keeps its colons). */
    static List<String> split(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\' && i + 1 < line.length()) {
                cur.append(line.charAt(++i));
            } else if (c == ':' && out.size() < 4) {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        out.add(cur.toString());
        return out;
    }

    private static boolean tooOpen(Path file) {
        try {
            Set<PosixFilePermission> p = Files.getPosixFilePermissions(file);
            return p.contains(PosixFilePermission.GROUP_READ) || p.contains(PosixFilePermission.OTHERS_READ)
                    || p.contains(PosixFilePermission.GROUP_WRITE) || p.contains(PosixFilePermission.OTHERS_WRITE);
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
