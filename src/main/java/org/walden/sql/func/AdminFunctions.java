package org.walden.sql.func;

import static org.walden.sql.types.PgType.BOOL;
import static org.walden.sql.types.PgType.BYTEA;
import static org.walden.sql.types.PgType.INT4;
import static org.walden.sql.types.PgType.INT8;
import static org.walden.sql.types.PgType.OID;
import static org.walden.sql.types.PgType.PG_LSN;
import static org.walden.sql.types.PgType.RECORD;
import static org.walden.sql.types.PgType.REGCLASS;
import static org.walden.sql.types.PgType.TEXT;
import static org.walden.sql.types.PgType.TIMESTAMPTZ;
import static org.walden.sql.types.PgType.VOID;
import static org.walden.sql.types.PgType.XID;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.ServerStatus;
import org.walden.sql.catalog.Relation;
import org.walden.sql.catalog.RoleDef;
import org.walden.sql.types.PgType;
import org.walden.wal.ControlFile;
import org.walden.wal.Lsn;
import org.walden.wal.WalSegments;

/**
 * PostgreSQL 15's administration functions (genfile.c, pg_controldata's SQL face, the backup
 * and statistics-reset functions):
 * <ul>
 * <li>pg_ls_dir, pg_stat_file, pg_read_file, pg_read_binary_file: files of the server, relative
 *     paths from the data directory. Their EXECUTE is revoked from PUBLIC, so only superusers may
 *     call them (Walden has no GRANT on functions); paths then follow convert_and_check_filename
 *     (anything for the members of pg_read_server_files, else only under the data directory or
 *     log_directory).</li>
 * <li>pg_control_checkpoint / _system / _init / _recovery: pg_control as it stands.</li>
 * <li>pg_relation_filepath: the path PostgreSQL would give (base/DBOID/RELFILENODE, or
 *     pg_tblspc/TSOID/PG_15_.../DBOID/RELFILENODE); Walden keeps a relation's rows in its
 *     tablespace's storage engine files, so no file of that name exists.</li>
 * <li>pg_current_logfile, pg_walfile_name_offset, pg_backup_start / pg_backup_stop,
 *     pg_stat_reset and pg_stat_reset_shared / _single_table_counters.</li>
 * </ul>
 */
final class AdminFunctions {

    /** pg_control's version and the catalog version Walden reports (pg_controldata's too). */
    private static final int PG_CONTROL_VERSION = 1300;
    private static final int CATALOG_VERSION_NO = 202209061;
    private static final long MAX_ALLOC_BYTES = 0x3fffffffL;

    private AdminFunctions() {
    }

    static void register(Builtins r) {
        files(r);
        control(r);
        r.f("pg_relation_filepath", TEXT, REGCLASS).stable().ctx((c, a) -> relationFilepath(c, (Long) a[0]));
        r.f("pg_current_logfile", TEXT).nonStrict().volatile_().ctx((c, a) -> currentLogfile(c, null));
        r.f("pg_current_logfile", TEXT, TEXT).nonStrict().volatile_().ctx((c, a) -> currentLogfile(c, (String) a[0]));
        r.f("pg_walfile_name_offset", RECORD, PG_LSN).argNames("lsn").volatile_()
                .out("file_name", TEXT, "file_offset", INT4).ctx(AdminFunctions::walfileNameOffset);
        r.f("pg_backup_start", PG_LSN, TEXT, BOOL).defaultValues(false).argNames("label", "fast").volatile_()
                .ctx((c, a) -> {
                    requireExecute(c, "pg_backup_start");
                    return c.serverStatus().backupStart(c.backendPid(), (String) a[0],
                            a.length > 1 && Boolean.TRUE.equals(a[1]));
                });
        r.f("pg_backup_stop", RECORD, BOOL).defaultValues(true).argNames("wait_for_archive").volatile_()
                .out("lsn", PG_LSN, "labelfile", TEXT, "spcmapfile", TEXT).ctx(AdminFunctions::backupStop);
        r.f("pg_stat_reset", VOID).nonStrict().volatile_().ctx((c, a) -> {
            requireExecute(c, "pg_stat_reset");
            c.resetTableActivity(null);
            return null;
        });
        r.f("pg_stat_reset_single_table_counters", VOID, OID).volatile_().ctx((c, a) -> {
            requireExecute(c, "pg_stat_reset_single_table_counters");
            c.resetTableActivity((int) (long) (Long) a[0]);
            return null;
        });
        r.f("pg_stat_reset_shared", VOID, TEXT).volatile_().ctx((c, a) -> {
            requireExecute(c, "pg_stat_reset_shared");
            if (!List.of("archiver", "bgwriter", "recovery_prefetch", "wal").contains((String) a[0])) {
                throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "unrecognized reset target: \"" + a[0] + "\"")
                        .withHint("Target must be \"archiver\", \"bgwriter\", \"recovery_prefetch\", or \"wal\".");
            }
            c.serverStatus().resetSharedStats((String) a[0]); // recovery_prefetch: always zero here
            return null;
        });
    }

    // ------------------------------------------------------------------ files

    private static void files(Builtins r) {
        r.f("pg_ls_dir", TEXT, TEXT).volatile_().srf((c, a, t) -> lsDir(c, (String) a[0], false, false));
        r.f("pg_ls_dir", TEXT, TEXT, BOOL, BOOL).volatile_()
                .srf((c, a, t) -> lsDir(c, (String) a[0], (Boolean) a[1], (Boolean) a[2]));
        Object[] statOut = {"size", INT8, "access", TIMESTAMPTZ, "modification", TIMESTAMPTZ, "change", TIMESTAMPTZ,
                "creation", TIMESTAMPTZ, "isdir", BOOL};
        r.f("pg_stat_file", RECORD, TEXT).argNames("filename").volatile_().out(statOut)
                .ctx((c, a) -> statFile(c, (String) a[0], false));
        r.f("pg_stat_file", RECORD, TEXT, BOOL).argNames("filename", "missing_ok").volatile_().out(statOut)
                .ctx((c, a) -> statFile(c, (String) a[0], (Boolean) a[1]));
        for (boolean binary : new boolean[] {false, true}) {
            String name = binary ? "pg_read_binary_file" : "pg_read_file";
            PgType result = binary ? BYTEA : TEXT;
            r.f(name, result, TEXT).volatile_().ctx((c, a) -> readFile(c, name, a, binary));
            r.f(name, result, TEXT, INT8, INT8).volatile_().ctx((c, a) -> readFile(c, name, a, binary));
            r.f(name, result, TEXT, INT8, INT8, BOOL).volatile_().ctx((c, a) -> readFile(c, name, a, binary));
        }
    }

    /**
     * convert_and_check_filename: the path, canonicalized, resolved against the data directory.
     * Roles with pg_read_server_files' privileges may name any file; others only relative paths
     * below the data directory, or absolute ones inside it or inside log_directory.
     */
    private static Path convertAndCheckFilename(FnContext c, String filename, String canonical) {
        Path dataDir = c.serverStatus().dataDirectory();
        if (dataDir == null) {
            throw new PgException(SqlState.FEATURE_NOT_SUPPORTED, "the server's files are not available here");
        }
        RoleDef me = c.catalog().role(c.currentUser());
        RoleDef readers = c.catalog().role("pg_read_server_files");
        boolean privileged = me != null && (me.superuser()
                || readers != null && c.catalog().shared().isMemberOf(me.oid(), readers.oid()));
        boolean absolute = canonical.startsWith("/");
        if (!privileged) {
            if (absolute) {
                Path p = Path.of(canonical);
                Path logDir = c.serverStatus().logDirectory();
                if (!p.startsWith(dataDir) && (logDir == null || !p.startsWith(logDir))) {
                    throw new PgException(SqlState.INSUFFICIENT_PRIVILEGE, "absolute path not allowed");
                }
            } else if (canonical.equals("..") || canonical.startsWith("../") || canonical.contains("/../")
                    || canonical.endsWith("/..")) {
                throw new PgException(SqlState.INSUFFICIENT_PRIVILEGE,
                        "path must be in or below the current directory");
            }
        }
        return absolute ? Path.of(canonical) : dataDir.resolve(canonical);
    }

    /** canonicalize_path: no doubled or trailing slashes, no "." components, "x/.." folded away. */
    static String canonicalize(String path) {
        boolean absolute = path.startsWith("/");
        List<String> parts = new ArrayList<>();
        for (String part : path.split("/+")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..") && !parts.isEmpty() && !parts.get(parts.size() - 1).equals("..")) {
                parts.remove(parts.size() - 1);
            } else if (!(part.equals("..") && absolute && parts.isEmpty())) {
                parts.add(part);
            }
        }
        String joined = String.join("/", parts);
        return absolute ? "/" + joined : joined.isEmpty() ? "." : joined;
    }

    private static Path checkedPath(FnContext c, String function, String filename) {
        requireExecute(c, function);
        return convertAndCheckFilename(c, filename, canonicalize(filename));
    }

    private static java.util.Iterator<Object[]> lsDir(FnContext c, String dir, boolean missingOk,
                                                      boolean includeDotDirs) {
        Path p = checkedPath(c, "pg_ls_dir", dir);
        String shown = canonicalize(dir);
        List<Object[]> rows = new ArrayList<>();
        if (includeDotDirs && Files.isDirectory(p)) {
            rows.add(new Object[] {"."});
            rows.add(new Object[] {".."});
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(p)) {
            for (Path e : entries) {
                rows.add(new Object[] {e.getFileName().toString()});
            }
        } catch (NoSuchFileException e) {
            if (missingOk) {
                return List.<Object[]>of().iterator();
            }
            throw fileError("could not open directory \"" + shown + "\"", e);
        } catch (IOException e) {
            throw fileError("could not open directory \"" + shown + "\"", e);
        }
        return rows.iterator();
    }

    private static Object statFile(FnContext c, String filename, boolean missingOk) {
        Path p = checkedPath(c, "pg_stat_file", filename);
        try {
            Map<String, Object> unix;
            try {
                unix = Files.readAttributes(p, "unix:size,lastAccessTime,lastModifiedTime,ctime,isDirectory");
            } catch (UnsupportedOperationException e) {
                BasicFileAttributes b = Files.readAttributes(p, BasicFileAttributes.class);
                unix = Map.of("size", b.size(), "lastAccessTime", b.lastAccessTime(), "lastModifiedTime",
                        b.lastModifiedTime(), "ctime", b.lastModifiedTime(), "isDirectory", b.isDirectory());
            }
            Object[] row = {unix.get("size"), instant(unix.get("lastAccessTime")),
                    instant(unix.get("lastModifiedTime")), instant(unix.get("ctime")), null,
                    unix.get("isDirectory")};
            return SystemFunctions.record(row, List.of(INT8, TIMESTAMPTZ, TIMESTAMPTZ, TIMESTAMPTZ, TIMESTAMPTZ, BOOL));
        } catch (NoSuchFileException e) {
            if (missingOk) {
                return null;
            }
            throw fileError("could not stat file \"" + canonicalize(filename) + "\"", e);
        } catch (IOException e) {
            throw fileError("could not stat file \"" + canonicalize(filename) + "\"", e);
        }
    }

    private static Instant instant(Object fileTime) {
        return ((FileTime) fileTime).toInstant();
    }

    /** pg_read_file / pg_read_binary_file (filename [, offset, length [, missing_ok]]). */
    private static Object readFile(FnContext c, String function, Object[] a, boolean binary) {
        long offset = a.length > 1 ? (Long) a[1] : 0;
        long length = a.length > 1 ? (Long) a[2] : -1;
        boolean missingOk = a.length > 3 && (Boolean) a[3];
        if (a.length > 1 && length < 0) {
            throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "requested length cannot be negative");
        }
        Path p = checkedPath(c, function, (String) a[0]);
        String shown = canonicalize((String) a[0]);
        if (length > MAX_ALLOC_BYTES) {
            throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "requested length too large");
        }
        byte[] data;
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "r")) {
            long size = f.length();
            long start = offset >= 0 ? offset : size + offset;
            if (start < 0) {
                throw new PgException(SqlState.IO_ERROR, "could not seek in file \"" + shown + "\": Invalid argument");
            }
            long available = Math.max(0, size - start);
            long n = length < 0 ? available : Math.min(length, available);
            if (n > MAX_ALLOC_BYTES) {
                throw new PgException(SqlState.PROGRAM_LIMIT_EXCEEDED, "file length too large");
            }
            data = new byte[(int) n];
            f.seek(start);
            f.readFully(data);
        } catch (java.io.FileNotFoundException e) {
            if (Files.isDirectory(p)) {
                throw new PgException(SqlState.WRONG_OBJECT_TYPE, "could not read file \"" + shown
                        + "\": Is a directory");
            }
            if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                if (missingOk) {
                    return null;
                }
                throw new PgException(SqlState.UNDEFINED_FILE, "could not open file \"" + shown
                        + "\" for reading: No such file or directory");
            }
            throw new PgException(SqlState.INSUFFICIENT_PRIVILEGE, "could not open file \"" + shown
                    + "\" for reading: Permission denied");
        } catch (IOException e) {
            throw fileError("could not read file \"" + shown + "\"", e);
        }
        return binary ? data : verifiedText(data);
    }

    /** pg_verifymbstr: the bytes as UTF-8 text, or 22021 naming the first bad byte. */
    private static String verifiedText(byte[] data) {
        for (int i = 0; i < data.length; i++) {
            if (data[i] == 0) {
                throw invalidByte(data, i);
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(data)).toString();
        } catch (CharacterCodingException e) {
            String s = new String(data, StandardCharsets.UTF_8);
            int bad = s.indexOf('\uFFFD');
            int at = bad < 0 ? 0 : s.substring(0, bad).getBytes(StandardCharsets.UTF_8).length;
            throw invalidByte(data, at);
        }
    }

    private static PgException invalidByte(byte[] data, int at) {
        return new PgException(SqlState.CHARACTER_NOT_IN_REPERTOIRE, String.format(
                "invalid byte sequence for encoding \"UTF8\": 0x%02x", data[at] & 0xff));
    }

    /** errcode_for_file_access's SQLSTATEs, with the C library's words for the cause. */
    private static PgException fileError(String what, IOException e) {
        if (e instanceof NoSuchFileException) {
            return new PgException(SqlState.UNDEFINED_FILE, what + ": No such file or directory");
        }
        if (e instanceof NotDirectoryException) {
            return new PgException(SqlState.WRONG_OBJECT_TYPE, what + ": Not a directory");
        }
        if (e instanceof AccessDeniedException) {
            return new PgException(SqlState.INSUFFICIENT_PRIVILEGE, what + ": Permission denied");
        }
        return new PgException(SqlState.IO_ERROR, what + ": " + e.getMessage());
    }

    // ------------------------------------------------------------------ pg_control

    private static void control(Builtins r) {
        r.f("pg_control_checkpoint", RECORD).volatile_().out("checkpoint_lsn", PG_LSN, "redo_lsn", PG_LSN,
                "redo_wal_file", TEXT, "timeline_id", INT4, "prev_timeline_id", INT4, "full_page_writes", BOOL,
                "next_xid", TEXT, "next_oid", OID, "next_multixact_id", XID, "next_multi_offset", XID,
                "oldest_xid", XID, "oldest_xid_dbid", OID, "oldest_active_xid", XID, "oldest_multi_xid", XID,
                "oldest_multi_dbid", OID, "oldest_commit_ts_xid", XID, "newest_commit_ts_xid", XID,
                "checkpoint_time", TIMESTAMPTZ).ctx((c, a) -> controlCheckpoint(c.serverStatus().controlFile()));
        r.f("pg_control_system", RECORD).volatile_().out("pg_control_version", INT4, "catalog_version_no", INT4,
                "system_identifier", INT8, "pg_control_last_modified", TIMESTAMPTZ).ctx((c, a) -> {
                    ControlFile.Data d = c.serverStatus().controlFile();
                    return SystemFunctions.record(new Object[] {PG_CONTROL_VERSION, CATALOG_VERSION_NO,
                            d.systemIdentifier(), Instant.ofEpochSecond(d.timeEpochSeconds())},
                            List.of(INT4, INT4, INT8, TIMESTAMPTZ));
                });
        r.f("pg_control_init", RECORD).volatile_().out("max_data_alignment", INT4, "database_block_size", INT4,
                "blocks_per_segment", INT4, "wal_block_size", INT4, "bytes_per_wal_segment", INT4,
                "max_identifier_length", INT4, "max_index_columns", INT4, "max_toast_chunk_size", INT4,
                "large_object_chunk_size", INT4, "float8_pass_by_value", BOOL, "data_page_checksum_version", INT4)
                .ctx((c, a) -> {
                    ControlFile.Data d = c.serverStatus().controlFile();
                    Object[] row = {8, 8192, 131072, 8192, (int) d.walSegmentSizeBytes(), 64, 32, 1996, 2048, true, 1};
                    return SystemFunctions.record(row, List.of(INT4, INT4, INT4, INT4, INT4, INT4, INT4, INT4, INT4,
                            BOOL, INT4));
                });
        r.f("pg_control_recovery", RECORD).volatile_().out("min_recovery_end_lsn", PG_LSN,
                "min_recovery_end_timeline", INT4, "backup_start_lsn", PG_LSN, "backup_end_lsn", PG_LSN,
                "end_of_backup_record_required", BOOL).ctx((c, a) -> {
                    ControlFile.Data d = c.serverStatus().controlFile();
                    Object[] row = {d.minRecoveryPoint(), d.minRecoveryPoint().isValid()
                            ? d.minRecoveryPointTimeline().value() : 0, d.backupStartPoint(), d.backupEndPoint(),
                            d.backupEndRequired()};
                    return SystemFunctions.record(row, List.of(PG_LSN, INT4, PG_LSN, PG_LSN, BOOL));
                });
    }

    private static Object controlCheckpoint(ControlFile.Data d) {
        ControlFile.Counters k = d.counters();
        String redoFile = WalSegments.fileName(d.timeline(), d.redo().segmentNo(d.walSegmentSizeBytes()),
                d.walSegmentSizeBytes());
        Object[] row = {d.checkPoint(), d.redo(), redoFile, d.timeline().value(), d.prevTimeline().value(), true,
                Integer.toUnsignedString(k.nextXidEpoch()) + ":" + Integer.toUnsignedString(d.nextXid()),
                null, u(k.nextMulti()), u(k.nextMultiOffset()), u(k.oldestXid()), u(k.oldestXidDb()), 0L,
                u(k.oldestMulti()), u(k.oldestMultiDb()), u(k.oldestCommitTsXid()), u(k.newestCommitTsXid()),
                Instant.ofEpochSecond(d.checkPointTimeEpochSeconds())};
        return SystemFunctions.record(row, List.of(PG_LSN, PG_LSN, TEXT, INT4, INT4, BOOL, TEXT, OID, XID, XID, XID,
                OID, XID, XID, OID, XID, XID, TIMESTAMPTZ));
    }

    private static long u(int v) {
        return Integer.toUnsignedLong(v);
    }

    // ------------------------------------------------------------------ the rest

    /** pg_relation_filepath: base/DBOID/RELFILENODE as PostgreSQL names the file; NULL without storage. */
    private static Object relationFilepath(FnContext c, long oid) {
        Relation rel = c.lookup().relation((int) oid);
        int filenode;
        if (rel != null) {
            if (rel.isView()) {
                return null;
            }
            filenode = rel.relfilenode() != 0 ? rel.relfilenode() : rel.oid();
        } else {
            org.walden.sql.catalog.IndexInfo idx = c.catalog().index((int) oid);
            if (idx == null) {
                return null;
            }
            filenode = idx.relfilenode() != 0 ? idx.relfilenode() : idx.oid();
        }
        String db = Integer.toUnsignedString(c.catalog().database().oid());
        int tablespace = c.catalog().relationTablespace((int) oid);
        if (tablespace != 0) { // GetRelationPath's form for a relation outside the default tablespace
            return "pg_tblspc/" + Integer.toUnsignedString(tablespace) + "/"
                    + org.walden.storage.TablespaceDirectories.VERSION_DIRECTORY + "/" + db + "/"
                    + Integer.toUnsignedString(filenode);
        }
        return "base/" + db + "/" + Integer.toUnsignedString(filenode);
    }

    private static Object currentLogfile(FnContext c, String format) {
        requireExecute(c, "pg_current_logfile");
        if (format != null && !List.of("stderr", "csvlog", "jsonlog").contains(format)) {
            throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "log format \"" + format + "\" is not supported")
                    .withHint("The supported log formats are \"stderr\", \"csvlog\", and \"jsonlog\".");
        }
        return c.serverStatus().currentLogfile(format);
    }

    /** pg_walfile_name_offset(lsn): the segment holding the byte at lsn, and its offset there. */
    private static Object walfileNameOffset(FnContext c, Object[] a) {
        if (c.serverStatus().inRecovery()) {
            throw new PgException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "recovery is in progress")
                    .withHint("pg_walfile_name_offset() cannot be executed during recovery.");
        }
        Lsn lsn = (Lsn) a[0];
        long segSize = c.serverStatus().controlFile().walSegmentSizeBytes();
        String name = c.serverStatus().walFileName(lsn); // XLByteToPrevSeg: 0/2000000 is in segment 1
        int offset = (int) Long.remainderUnsigned(lsn.value(), segSize);
        return SystemFunctions.record(new Object[] {name, offset}, List.of(TEXT, INT4));
    }

    private static Object backupStop(FnContext c, Object[] a) {
        requireExecute(c, "pg_backup_stop");
        boolean wait = a.length == 0 || Boolean.TRUE.equals(a[0]);
        ServerStatus.BackupStopped s = c.serverStatus().backupStop(c.backendPid(), wait, c::checkCancel,
                m -> c.notice(new PgException(PgException.Severity.NOTICE, SqlState.SUCCESSFUL_COMPLETION, m, null,
                        null, null)));
        if (s == null) {
            throw new PgException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "backup is not in progress")
                    .withHint("Did you call pg_backup_start()?");
        }
        return SystemFunctions.record(new Object[] {s.lsn(), s.labelFile(), c.serverStatus().tablespaceMap()},
                List.of(PG_LSN, TEXT, TEXT));
    }

    /** A function whose EXECUTE PostgreSQL revokes from PUBLIC: superusers and the roles granted it. */
    private static void requireExecute(FnContext c, String function) {
        BuiltinExecute.require(c, function);
    }
}
