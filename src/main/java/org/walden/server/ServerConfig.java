package org.walden.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.EnumSet;
import java.util.Set;
import java.util.ArrayList;
import java.util.List;
import org.walden.common.PgException;
import org.walden.common.guc.ServerSettings;
import org.walden.server.logging.PgLog;

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

    /**
     * PostgreSQL's Setup_AF_UNIX: the socket's owning group (unix_socket_group: a name or a
     * number; empty keeps the default) and its mode (unix_socket_permissions, default 0777).
     * False, after PostgreSQL's LOG line, when either cannot be set: the socket is not used.
     */
    static boolean setSocketAccess(ServerSettings settings, Path socket) {
        String group = settings.getString("unix_socket_group");
        if (group != null && !group.isBlank()) {
            try {
                GroupPrincipal principal = socket.getFileSystem().getUserPrincipalLookupService()
                        .lookupPrincipalByGroupName(group.strip());
                Files.getFileAttributeView(socket, PosixFileAttributeView.class).setGroup(principal);
            } catch (UserPrincipalNotFoundException e) {
                PgLog.log("group \"%s\" does not exist", group);
                return false;
            } catch (IOException e) {
                PgLog.log("could not set group of file \"%s\": %s", socket, e.getMessage());
                return false;
            }
        }
        int mode = settings.getInt("unix_socket_permissions");
        try {
            Files.setPosixFilePermissions(socket, permissions(mode));
        } catch (IOException e) {
            PgLog.log("could not set permissions of file \"%s\": %s", socket, e.getMessage());
            return false;
        }
        return true;
    }

    /** A numeric mode (0600) as a permission set. */
    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> out = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] bits = {PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.GROUP_READ, PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
            PosixFilePermission.OWNER_READ};
        for (int i = 0; i < bits.length; i++) {
            if ((mode & (1 << i)) != 0) {
                out.add(bits[i]);
            }
        }
        return out;
    }

    /** hba_file if set, else DATA/pg_hba.conf. */
    static Path hbaFile(ServerSettings settings, Path dataDir) {
        return configFile(settings, dataDir, "hba_file", "pg_hba.conf");
    }

    /** ident_file if set, else DATA/pg_ident.conf. */
    static Path identFile(ServerSettings settings, Path dataDir) {
        return configFile(settings, dataDir, "ident_file", "pg_ident.conf");
    }

    private static Path configFile(ServerSettings settings, Path dataDir, String setting, String defaultName) {
        try {
            String f = settings.getString(setting);
            if (f != null && !f.isBlank()) {
                Path p = Path.of(f);
                return p.isAbsolute() ? p : dataDir.resolve(p);
            }
        } catch (PgException e) {
            // no such setting in this configuration: the default applies
        }
        return dataDir.resolve(defaultName);
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
