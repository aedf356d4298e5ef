package org.walden.storage;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.walden.common.PgException;
import org.walden.common.SqlState;

/**
 * The directories of tablespaces, laid out as PostgreSQL 15 lays them out (its tablespace.c):
 * {@code DATA/pg_tblspc/OID} is a symbolic link to the LOCATION given to CREATE TABLESPACE, or,
 * for an in-place tablespace ({@code LOCATION ''} with allow_in_place_tablespaces), a directory
 * itself; under it, {@code PG_15_202209061} is the directory of this server version.
 *
 * <p>Used by CREATE and DROP TABLESPACE on a primary (through the engine, which WAL-logs them),
 * by their redo on a standby, by BASE_BACKUP (which sends each linked tablespace as its own
 * archive) and at startup, which turns a restored backup's {@code tablespace_map} into links as
 * PostgreSQL's read_tablespace_map does. Stateless: every method works on the file system.
 */
public final class TablespaceDirectories {

    public static final String TBLSPC_DIR = "pg_tblspc";
    /** TABLESPACE_VERSION_DIRECTORY: "PG_" major "_" catversion. */
    public static final String VERSION_DIRECTORY = "PG_15_202209061";
    public static final String TABLESPACE_MAP = "tablespace_map";
    /** Under the version directory: the SST files of the tablespace's column family (see TablespaceRouting). */
    public static final String STORAGE_DIR = "walden_kv";
    /** In a storage checkpoint: {@code tblspc_files/OID} holds the SST files of tablespace OID's family. */
    public static final String SNAPSHOT_DIR = "tblspc_files";

    private TablespaceDirectories() {
    }

    /** A tablespace found under pg_tblspc: its OID, its link (or in-place directory) and the directory it stands for. */
    public record Tablespace(int oid, Path link, Path directory, boolean inPlace) {
    }

    /**
     * create_tablespace_directories: makes {@code location/PG_15_...} (or the in-place directory
     * pg_tblspc/OID when {@code location} is empty) and links pg_tblspc/OID to the location. In
     * recovery an existing link is kept (a base backup's, remapped with -T or by tablespace_map),
     * and an existing version directory is reused.
     */
    public static void create(Path dataDir, int oid, String location, boolean inRecovery) {
        Path link = dataDir.resolve(TBLSPC_DIR).resolve(Integer.toUnsignedString(oid));
        boolean inPlace = location.isEmpty();
        try {
            Files.createDirectories(link.getParent());
            if (inRecovery && (Files.isSymbolicLink(link) || Files.isDirectory(link))) {
                Files.createDirectories(link.resolve(VERSION_DIRECTORY));
                return;
            }
            Path target = inPlace ? link : Path.of(location);
            if (inPlace) {
                Files.createDirectories(link);
            } else if (!Files.isDirectory(target)) {
                PgException e = new PgException(SqlState.UNDEFINED_FILE, "directory \"" + location + "\" does not exist");
                throw inRecovery ? e.withHint("Create this directory for the tablespace before restarting the server.") : e;
            } else {
                setPermissions(target, location);
            }
            Path versionDir = target.resolve(VERSION_DIRECTORY);
            try {
                Files.createDirectory(versionDir);
            } catch (FileAlreadyExistsException e) {
                if (!inRecovery) {
                    throw new PgException(SqlState.OBJECT_IN_USE, "directory \"" + versionDir
                            + "\" already in use as a tablespace");
                }
            }
            if (!inPlace) {
                Files.deleteIfExists(link);
                Files.createSymbolicLink(link, target);
            }
        } catch (IOException e) {
            throw new PgException(SqlState.IO_ERROR, "could not create tablespace directory for \"" + location
                    + "\": " + e.getMessage(), e);
        }
    }

    /** chmod(location, 0700), as PostgreSQL coerces the directory's permissions (it fails when not ours). */
    private static void setPermissions(Path target, String location) {
        try {
            Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException | UnsupportedOperationException e) {
            throw new PgException(SqlState.INSUFFICIENT_PRIVILEGE, "could not set permissions on directory \""
                    + location + "\": " + e.getMessage(), e);
        }
    }

    /**
     * destroy_tablespace_directories: removes the version directory (false, leaving everything in
     * place, when it holds files: the tablespace is not empty), then the link or the in-place
     * directory. A tablespace whose directories are already gone is dropped quietly (redo).
     */
    public static boolean drop(Path dataDir, int oid) {
        Path link = dataDir.resolve(TBLSPC_DIR).resolve(Integer.toUnsignedString(oid));
        try {
            Path versionDir = link.resolve(VERSION_DIRECTORY);
            if (Files.isDirectory(versionDir)) {
                removeEmptyDirectories(versionDir);
            }
            if (Files.isSymbolicLink(link)) {
                Files.delete(link);
            } else if (Files.isDirectory(link, LinkOption.NOFOLLOW_LINKS)) {
                Files.delete(link);
            }
            return true;
        } catch (DirectoryNotEmptyException e) {
            return false;
        } catch (IOException e) {
            throw new PgException(SqlState.IO_ERROR, "could not remove directory \"" + link + "\": " + e.getMessage(), e);
        }
    }

    /** Deletes {@code dir} and the empty directories under it; DirectoryNotEmptyException when a file is there. */
    private static void removeEmptyDirectories(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    removeEmptyDirectories(p);
                } else {
                    throw new DirectoryNotEmptyException(dir.toString());
                }
            }
        }
        Files.delete(dir);
    }

    /** The tablespaces under DATA/pg_tblspc, by OID (entries whose name is not an OID are skipped). */
    public static List<Tablespace> list(Path dataDir) {
        Path dir = dataDir.resolve(TBLSPC_DIR);
        List<Tablespace> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                int oid;
                try {
                    oid = Integer.parseUnsignedInt(p.getFileName().toString());
                } catch (NumberFormatException e) {
                    continue;
                }
                if (Files.isSymbolicLink(p)) {
                    out.add(new Tablespace(oid, p, Files.readSymbolicLink(p), false));
                } else if (Files.isDirectory(p)) {
                    out.add(new Tablespace(oid, p, p, true));
                }
            }
        } catch (IOException e) {
            throw new PgException(SqlState.IO_ERROR, "could not read directory \"" + dir + "\": " + e.getMessage(), e);
        }
        out.sort(Comparator.comparingLong(t -> Integer.toUnsignedLong(t.oid())));
        return out;
    }

    /**
     * pg_tablespace_location(oid): the link's target, or "pg_tblspc/OID" for an in-place
     * tablespace (as PostgreSQL 15 answers), "" when there is no such entry.
     */
    public static String location(Path dataDir, int oid) {
        Path link = dataDir.resolve(TBLSPC_DIR).resolve(Integer.toUnsignedString(oid));
        try {
            if (Files.isSymbolicLink(link)) {
                return Files.readSymbolicLink(link).toString();
            }
        } catch (IOException e) {
            throw new PgException(SqlState.IO_ERROR, "could not read symbolic link \"" + link + "\": " + e.getMessage(), e);
        }
        return Files.isDirectory(link) ? TBLSPC_DIR + "/" + Integer.toUnsignedString(oid) : "";
    }

    /** The bytes of the files under a tablespace's version directory. */
    public static long sizeBytes(Path dataDir, int oid) {
        Path dir = dataDir.resolve(TBLSPC_DIR).resolve(Integer.toUnsignedString(oid)).resolve(VERSION_DIRECTORY);
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0; // removed while walking
                }
            }).sum();
        } catch (IOException e) {
            throw new PgException(SqlState.IO_ERROR, "could not read directory \"" + dir + "\": " + e.getMessage(), e);
        }
    }

    /** The text of a tablespace_map: one "OID LOCATION" line per linked tablespace. */
    public static String tablespaceMap(List<Tablespace> tablespaces) {
        StringBuilder sb = new StringBuilder();
        for (Tablespace t : tablespaces) {
            if (!t.inPlace()) {
                sb.append(Integer.toUnsignedString(t.oid())).append(' ').append(t.directory()).append('\n');
            }
        }
        return sb.toString();
    }

    /**
     * read_tablespace_map at the start of recovery from a backup: each "OID LOCATION" line of
     * DATA/tablespace_map becomes the link pg_tblspc/OID to LOCATION (replacing what is there);
     * then the file is renamed tablespace_map.old. Returns the number of links made.
     */
    public static int applyTablespaceMap(Path dataDir) {
        Path map = dataDir.resolve(TABLESPACE_MAP);
        if (!Files.isRegularFile(map)) {
            return 0;
        }
        try {
            int n = 0;
            for (String line : Files.readAllLines(map, StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                int space = line.indexOf(' ');
                if (space <= 0) {
                    throw new PgException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE,
                            "invalid data in file \"" + TABLESPACE_MAP + "\"");
                }
                Path link = dataDir.resolve(TBLSPC_DIR).resolve(line.substring(0, space));
                Files.createDirectories(link.getParent());
                if (Files.isDirectory(link, LinkOption.NOFOLLOW_LINKS)) {
                    removeEmptyDirectories(link);
                }
                Files.deleteIfExists(link);
                Files.createSymbolicLink(link, Path.of(line.substring(space + 1)));
                n++;
            }
            Files.move(map, dataDir.resolve(TABLESPACE_MAP + ".old"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return n;
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            throw new PgException(SqlState.IO_ERROR, "could not apply \"" + map + "\": " + e.getMessage(), e);
        }
    }
}
