package org.walden.server;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.walden.common.PgException;
import org.walden.common.guc.ServerSettings;

/** The postmaster's reading of its connection settings (listen_addresses, unix_socket_directories, hba_file). */
final class ServerConfig {

    private ServerConfig() {
    }

    /** listen_addresses: "*", "localhost", or a comma list of host names and IP addresses; "" for none. */
    static List<String> listenAddresses(ServerSettings settings) {
        return splitList(settings.getString("listen_addresses"));
    }

    /** unix_socket_directories: a comma list; "" for none. */
    static List<String> socketDirectories(ServerSettings settings) {
        return splitList(settings.getString("unix_socket_directories"));
    }

    /** hba_file if set, else DATA/pg_hba.conf. */
    static Path hbaFile(ServerSettings settings, Path dataDir) {
        try {
            String f = settings.getString("hba_file");
            if (f != null && !f.isBlank()) {
                Path p = Path.of(f);
                return p.isAbsolute() ? p : dataDir.resolve(p);
            }
        } catch (PgException e) {
            // no such setting in this configuration: the default applies
        }
        return dataDir.resolve("pg_hba.conf");
    }

    /** A comma-separated GUC list; double quotes protect commas and spaces, as SplitDirectoriesString does. */
    static List<String> splitList(String value) {
        List<String> out = new ArrayList<>();
        if (value == null) {
            return out;
        }
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (c == ',' && !quoted) {
                add(out, cur);
            } else {
                cur.append(c);
            }
        }
        add(out, cur);
        return out;
    }

    private static void add(List<String> out, StringBuilder cur) {
        String s = cur.toString().strip();
        if (!s.isEmpty()) {
            out.add(s);
        }
        cur.setLength(0);
    }
}
