package org.walden.replication;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.storage.TablespaceDirectories;
import org.walden.wal.Lsn;
import org.walden.wal.TimelineId;

/**
 * BASE_BACKUP on the walsender's connection (PostgreSQL 15 basebackup.c with the client
 * target of basebackup_copy.c). The answer, in order:
 *
 * <pre>
 *  result set (recptr text, tli int8)            the start: the backup checkpoint's redo
 *  result set (spcoid oid, spclocation text, size int8)   a row per tablespace linked from
 *                                                pg_tblspc (OID, its directory, size in kB), then
 *                                                the data directory's: NULL, NULL, size in kB
 *  CopyOutResponse
 *    CopyData 'n' "OID.tar\0" "LOCATION\0"       per tablespace, first: its directory's files
 *                                                (PG_15_.../...), a ustar archive of its own
 *    CopyData 'n' "base.tar\0" "\0"              the data directory's archive; pg_tblspc/OID
 *                                                in it are the links (or, with TABLESPACE_MAP,
 *                                                a tablespace_map file says "OID LOCATION")
 *    CopyData 'd' ...                            ustar bytes: backup_label first, then the files,
 *                                                pg_control once the backup has ended, the WAL
 *    CopyData 'p' int64                          bytes done so far (with PROGRESS)
 *    CopyData 'm', then 'd' ...                  the backup_manifest (with MANIFEST 'yes')
 *  CopyDone
 *  result set (recptr text, tli int8)            the end LSN
 * </pre>
 * The caller sends CommandComplete BASE_BACKUP. Files come from the data directory, except
 * what PostgreSQL leaves out (postmaster.pid/.opts, pg_wal's and pg_replslot's contents, the
 * temporary-state directories' contents, recovery signal files, log/); the storage engine's
 * files come from the backup checkpoint's snapshot instead of the live directory.
 */
final class BaseBackupSender {

    private static final Logger log = LoggerFactory.getLogger(BaseBackupSender.class);

    private static final List<PgWire.Column> START_END_COLUMNS = List.of(
            new PgWire.Column("recptr", PgWire.TEXT), new PgWire.Column("tli", PgWire.INT8_VARLEN));
    private static final List<PgWire.Column> TABLESPACE_COLUMNS = List.of(
            new PgWire.Column("spcoid", PgWire.OID), new PgWire.Column("spclocation", PgWire.TEXT),
            new PgWire.Column("size", PgWire.INT8));

    /** Directories sent empty (basebackup.c excludeDirContents, plus pg_wal and pg_replslot). */
    private static final Set<String> EXCLUDE_DIR_CONTENTS = Set.of("pg_stat_tmp", "pg_replslot", "pg_dynshmem",
            "pg_notify", "pg_serial", "pg_snapshots", "pg_subtrans", "pg_wal");
    /** Files never sent (basebackup.c excludeFiles, plus the recovery signals). */
    private static final Set<String> EXCLUDE_FILES = Set.of("postmaster.pid", "postmaster.opts",
            "postgresql.auto.conf.tmp", "current_logfiles.tmp", "backup_label", "tablespace_map",
            "standby.signal", "recovery.signal", "promote.signal", "backup_manifest");
    /** Top-level directories never sent. */
    private static final Set<String> EXCLUDE_TOP_DIRS = Set.of("log", "pg_backup_snapshots");

    /** pg_control's size, for the progress estimate before its image exists. */
    private static final int CONTROL_FILE_BYTES = 8192;
    /** CopyData payloads carry at most this much archive data (PostgreSQL uses 32 kB blocks too). */
    private static final int CHUNK_BYTES = 32 * 1024;

    private static final DateTimeFormatter LABEL_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

    private final WalSenderContext ctx;
    private final PgWire.Writer out;
    private final int pid;
    private long bytesDone;
    private long lastProgressBytes;
    private BaseBackupOptions options;
    private long throttleStartNanos;
    /** The storage snapshot of the backup being sent (never archived as itself). */
    private Path snapshotDir;

    BaseBackupSender(WalSenderContext ctx, PgWire.Writer out, int pid) {
        this.ctx = ctx;
        this.out = out;
        this.pid = pid;
    }

    /** One file or directory of the archive: its name inside it and where it is on disk. */
    private record Member(String name, Path source, boolean directory, long size, Instant mtime, String linkTarget) {
        Member(String name, Path source, boolean directory, long size, Instant mtime) {
            this(name, source, directory, size, mtime, null);
        }
    }

    /** perform_base_backup. */
    void sendBaseBackup(BaseBackupOptions opts) throws IOException {
        this.options = opts;
        BackupSource source = ctx.backupSource();
        BackupSource.StartedBackup backup = source.startBackup(opts.label(), opts.fastCheckpoint());
        long holdId = ctx.slots().holdForBackup(backup.startLsn());
        boolean stopped = false;
        try {
            out.singleRowResult(START_END_COLUMNS, backup.startLsn().toString(),
                    Integer.toString(backup.timeline().value()));
            List<TablespaceDirectories.Tablespace> tablespaces = TablespaceDirectories.list(source.dataDirectory())
                    .stream().filter(t -> !t.inPlace()).toList();
            List<List<Member>> tablespaceMembers = new ArrayList<>();
            Path storageFiles = backup.storageSnapshotDir() == null ? null
                    : backup.storageSnapshotDir().resolve(TablespaceDirectories.SNAPSHOT_DIR);
            for (TablespaceDirectories.Tablespace t : tablespaces) {
                List<Member> ms = new ArrayList<>();
                walkDir(t.link(), "", ms, null);
                // the rows stored in the tablespace: its column family's files as the storage
                // snapshot has them (the live directory changes under RocksDB's compactions)
                Path snapshotFiles = storageFiles == null ? null : storageFiles.resolve(Integer.toUnsignedString(t.oid()));
                if (snapshotFiles != null && Files.isDirectory(snapshotFiles)) {
                    walkDir(snapshotFiles, TablespaceDirectories.VERSION_DIRECTORY + "/"
                            + TablespaceDirectories.STORAGE_DIR + "/", ms, null);
                }
                tablespaceMembers.add(ms);
            }
            List<Member> members = collectMembers(source.dataDirectory(), backup);
            for (TablespaceDirectories.Tablespace t : tablespaces) {
                // sent in the tablespace's own archive above
                String inSnapshot = backup.storageRelativePath() + "/" + TablespaceDirectories.SNAPSHOT_DIR + "/"
                        + Integer.toUnsignedString(t.oid());
                members.removeIf(m -> m.name().equals(inSnapshot) || m.name().startsWith(inSnapshot + "/"));
            }
            String label = backupLabel(backup, opts.label(), ctx.walSource().walSegmentSizeBytes());
            byte[] labelBytes = label.getBytes(StandardCharsets.UTF_8);
            byte[] mapBytes = TablespaceDirectories.tablespaceMap(tablespaces).getBytes(StandardCharsets.UTF_8);
            long totalBytes = labelBytes.length + 512 + 512 + CONTROL_FILE_BYTES + archivedBytes(members);
            out.rowDescription(TABLESPACE_COLUMNS);
            for (int i = 0; i < tablespaces.size(); i++) {
                long size = archivedBytes(tablespaceMembers.get(i));
                out.dataRow(Integer.toUnsignedString(tablespaces.get(i).oid()), tablespaces.get(i).directory().toString(),
                        opts.progress() ? Long.toString(size / 1024) : null);
                totalBytes += size;
            }
            out.dataRow(null, null, opts.progress() ? Long.toString(totalBytes / 1024) : null);
            out.commandComplete("SELECT");
            out.copyResponse('H');
            throttleStartNanos = System.nanoTime();
            BackupManifest manifest = new BackupManifest(opts.manifestChecksums().equals("CRC32C"));
            for (int i = 0; i < tablespaces.size(); i++) {
                TablespaceDirectories.Tablespace t = tablespaces.get(i);
                String oid = Integer.toUnsignedString(t.oid());
                out.copyData(new PgWire.Body().byte1('n').cstring(oid + ".tar").cstring(t.directory().toString())
                        .bytes());
                sendMembers(tablespaceMembers.get(i), TablespaceDirectories.TBLSPC_DIR + "/" + oid + "/", manifest);
                archive(new byte[2 * Ustar.BLOCK_BYTES]);
            }
            out.copyData(new PgWire.Body().byte1('n').cstring("base.tar").cstring("").bytes());
            Instant now = ctx.clock().instant();
            sendFileWithContent("backup_label", labelBytes, now, manifest);
            if (opts.tablespaceMap()) {
                sendFileWithContent("tablespace_map", mapBytes, now, manifest);
            }
            sendMembers(members, "", manifest);
            BackupSource.StoppedBackup stop = source.stopBackup(backup);
            stopped = true;
            Lsn endLsn = stop.endLsn();
            sendFileWithContent(BackupSource.CONTROL_FILE, stop.controlFile(), ctx.clock().instant(), manifest);
            if (opts.includeWal()) {
                sendWal(backup.timeline(), backup.startLsn(), endLsn);
            }
            archive(new byte[2 * Ustar.BLOCK_BYTES]);
            progress(true);
            if (opts.manifest()) {
                out.copyData(new byte[] {'m'});
                byte[] manifestBytes = manifest.finish(backup.timeline(), backup.startLsn(), endLsn);
                archiveChunks(manifestBytes, 0, manifestBytes.length);
            }
            out.copyDone();
            out.singleRowResult(START_END_COLUMNS, endLsn.toString(), Integer.toString(backup.timeline().value()));
            log.info("walsender {}: base backup \"{}\" sent, {} bytes, WAL {} .. {}", pid, opts.label(), bytesDone,
                    backup.startLsn(), endLsn);
        } finally {
            if (!stopped) {
                try {
                    source.stopBackup(backup);
                } catch (IOException | RuntimeException e) {
                    log.warn("walsender {}: could not end the failed backup: {}", pid, e.getMessage());
                }
            }
            ctx.slots().releaseBackupHold(holdId);
        }
    }

    /** The bytes an archive of {@code members} takes: a header each, and the files' padded data. */
    private static long archivedBytes(List<Member> members) {
        long total = 0;
        for (Member m : members) {
            total += 512 + m.size() + Ustar.paddingBytes(m.size());
        }
        return total;
    }

    /**
     * The members of one archive, in order; the manifest names each file with {@code manifestPrefix}
     * before its archive name (a tablespace's files are pg_tblspc/OID/... in it).
     */
    private void sendMembers(List<Member> members, String manifestPrefix, BackupManifest manifest) throws IOException {
        for (Member m : members) {
            if (m.linkTarget() != null) {
                archive(Ustar.header(m.name(), 0777, 0, m.mtime().getEpochSecond(), Ustar.TYPE_SYMLINK, m.linkTarget()));
            } else if (m.directory()) {
                archive(Ustar.header(m.name(), 0700, 0, m.mtime().getEpochSecond(), Ustar.TYPE_DIRECTORY, null));
            } else {
                sendFile(m, manifestPrefix, manifest);
            }
        }
    }

    /** backup_label's text, as do_pg_backup_start writes it. */
    static String backupLabel(BackupSource.StartedBackup b, String label, long segSize) {
        return "START WAL LOCATION: " + b.startLsn() + " (file " + segmentFileName(b.timeline(), b.startLsn(), segSize)
                + ")\n"
                + "CHECKPOINT LOCATION: " + b.checkpointLsn() + "\n"
                + "BACKUP METHOD: streamed\n"
                + "BACKUP FROM: " + (b.fromStandby() ? "standby" : "primary") + "\n"
                + "START TIME: " + LABEL_TIME.format(b.startTime()) + "\n"
                + "LABEL: " + label + "\n"
                + "START TIMELINE: " + b.timeline().value() + "\n";
    }

    /** A segment file name for 16 MB segments unless {@code segSize} says otherwise (0 = 16 MB). */
    static String segmentFileName(TimelineId tli, Lsn lsn, long segSize) {
        long size = segSize > 0 ? segSize : 16L * 1024 * 1024;
        long segNo = lsn.segmentNo(size);
        long segsPerXLogId = 0x1_0000_0000L / size;
        return String.format("%08X%08X%08X", tli.value(), segNo / segsPerXLogId, segNo % segsPerXLogId);
    }

    private List<Member> collectMembers(Path dataDir, BackupSource.StartedBackup backup) throws IOException {
        List<Member> members = new ArrayList<>();
        String storage = backup.storageRelativePath();
        snapshotDir = backup.storageSnapshotDir() == null ? null : backup.storageSnapshotDir().toAbsolutePath().normalize();
        walkDir(dataDir, "", members, storage);
        if (backup.storageSnapshotDir() != null) {
            members.add(dirMember(storage, backup.storageSnapshotDir()));
            walkDir(backup.storageSnapshotDir(), storage + "/", members, null);
        }
        return members;
    }

    private void walkDir(Path dir, String prefix, List<Member> out, String skipTopDir) throws IOException {
        List<Path> children;
        try (Stream<Path> s = Files.list(dir)) {
            children = s.sorted(Comparator.comparing(p -> p.getFileName().toString())).toList();
        }
        for (Path p : children) {
            String name = p.getFileName().toString();
            String rel = prefix + name;
            if (prefix.isEmpty() && (EXCLUDE_TOP_DIRS.contains(name) || name.equals(skipTopDir))) {
                continue;
            }
            if (EXCLUDE_FILES.contains(name) || name.startsWith("pgsql_tmp") || name.startsWith("pg_internal.init")) {
                continue;
            }
            if (rel.equals(BackupSource.CONTROL_FILE)) {
                continue; // sent last, as the backup ended
            }
            if (snapshotDir != null && p.toAbsolutePath().normalize().equals(snapshotDir)) {
                continue; // the backup's own storage snapshot, when the engine keeps it inside the data directory
            }
            BasicFileAttributes attrs;
            try {
                attrs = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (java.nio.file.NoSuchFileException e) {
                continue;
            }
            if (attrs.isDirectory()) {
                out.add(dirMember(rel, p));
                if (name.equals(TablespaceDirectories.STORAGE_DIR)
                        && prefix.endsWith(TablespaceDirectories.VERSION_DIRECTORY + "/")) {
                    continue; // a tablespace's live column family: its snapshot's files are sent instead
                }
                if (prefix.isEmpty() && EXCLUDE_DIR_CONTENTS.contains(name)) {
                    if (name.equals("pg_wal")) {
                        out.add(new Member("pg_wal/archive_status", p, true, 0, attrs.lastModifiedTime().toInstant()));
                    }
                    continue;
                }
                walkDir(p, rel + "/", out, null);
            } else if (attrs.isRegularFile()) {
                out.add(new Member(rel, p, false, attrs.size(), attrs.lastModifiedTime().toInstant()));
            } else if (attrs.isSymbolicLink() && prefix.equals(TablespaceDirectories.TBLSPC_DIR + "/")
                    && !options.tablespaceMap()) {
                // a tablespace's link, sent as one (with TABLESPACE_MAP, tablespace_map says it instead)
                out.add(new Member(rel, p, false, 0, attrs.lastModifiedTime().toInstant(),
                        Files.readSymbolicLink(p).toString()));
            }
        }
    }

    private static Member dirMember(String rel, Path p) throws IOException {
        return new Member(rel, p, true, 0, Files.getLastModifiedTime(p).toInstant());
    }

    private void sendFileWithContent(String name, byte[] content, Instant mtime, BackupManifest manifest)
            throws IOException {
        archive(Ustar.header(name, 0600, content.length, mtime.getEpochSecond(), Ustar.TYPE_FILE, null));
        archiveChunks(content, 0, content.length);
        archive(new byte[Ustar.paddingBytes(content.length)]);
        CRC32C crc = BackupManifest.newChecksum();
        crc.update(content);
        manifest.addFile(name, content.length, mtime, crc);
    }

    /** sendFile: the size taken at listing time is what goes out (a file that grew is cut, one that shrank padded with zeros). */
    private void sendFile(Member m, String manifestPrefix, BackupManifest manifest) throws IOException {
        archive(Ustar.header(m.name(), 0600, m.size(), m.mtime().getEpochSecond(), Ustar.TYPE_FILE, null));
        CRC32C crc = BackupManifest.newChecksum();
        long left = m.size();
        byte[] buf = new byte[CHUNK_BYTES];
        try (InputStream in = Files.newInputStream(m.source())) {
            while (left > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    break;
                }
                crc.update(buf, 0, n);
                archiveChunks(buf, 0, n);
                left -= n;
            }
        } catch (java.nio.file.NoSuchFileException e) {
            log.debug("walsender {}: {} vanished during the backup", pid, m.name());
        }
        while (left > 0) {
            int n = (int) Math.min(buf.length, left);
            java.util.Arrays.fill(buf, 0, n, (byte) 0);
            crc.update(buf, 0, n);
            archiveChunks(buf, 0, n);
            left -= n;
        }
        archive(new byte[Ustar.paddingBytes(m.size())]);
        manifest.addFile(manifestPrefix + m.name(), m.size(), m.mtime(), crc);
        progress(false);
    }

    /** WAL option (-X fetch): the segments from the start to the end LSN, under pg_wal/. */
    private void sendWal(TimelineId tli, Lsn start, Lsn end) throws IOException {
        WalSource wal = ctx.walSource();
        long segSize = wal.walSegmentSizeBytes();
        long firstSeg = start.segmentNo(segSize);
        long lastSeg = end.isAfter(start) ? new Lsn(end.value() - 1).segmentNo(segSize) : firstSeg;
        byte[] buf = new byte[CHUNK_BYTES];
        for (long seg = firstSeg; seg <= lastSeg; seg++) {
            Lsn segStart = new Lsn(seg * segSize);
            String name = "pg_wal/" + segmentFileName(tli, segStart, segSize);
            archive(Ustar.header(name, 0600, segSize, ctx.clock().instant().getEpochSecond(), Ustar.TYPE_FILE, null));
            long done = 0;
            while (done < segSize) {
                int want = (int) Math.min(buf.length, segSize - done);
                int n = wal.readWal(tli, segStart.plus(done), buf, 0, want);
                if (n < want) {
                    java.util.Arrays.fill(buf, Math.max(n, 0), want, (byte) 0);
                }
                archiveChunks(buf, 0, want);
                done += want;
            }
        }
    }

    private void archive(byte[] bytes) throws IOException {
        if (bytes.length > 0) {
            archiveChunks(bytes, 0, bytes.length);
        }
    }

    /** CopyData 'd' messages of at most CHUNK_BYTES, throttled to MAX_RATE. */
    private void archiveChunks(byte[] bytes, int offset, int length) throws IOException {
        int i = offset;
        while (i < offset + length) {
            int n = Math.min(CHUNK_BYTES, offset + length - i);
            byte[] payload = new byte[n + 1];
            payload[0] = 'd';
            System.arraycopy(bytes, i, payload, 1, n);
            out.copyData(payload);
            bytesDone += n;
            i += n;
            throttle();
        }
    }

    /** MAX_RATE: sleeps so that bytesDone stays under the rate since the archive started. */
    private void throttle() throws IOException {
        if (options.maxRateKbPerSec() <= 0) {
            return;
        }
        long elapsedNanos = System.nanoTime() - throttleStartNanos;
        long allowedNanos = bytesDone * 1_000_000_000L / (options.maxRateKbPerSec() * 1024);
        long sleepMs = (allowedNanos - elapsedNanos) / 1_000_000;
        if (sleepMs > 0) {
            try {
                out.flush();
                Thread.sleep(Math.min(sleepMs, 10_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PgException(SqlState.QUERY_CANCELED, "canceling statement due to user request");
            }
        }
    }

    /** A 'p' message with the bytes done, when PROGRESS was asked and enough has changed. */
    private void progress(boolean force) throws IOException {
        if (!options.progress() || (!force && bytesDone - lastProgressBytes < CHUNK_BYTES)) {
            return;
        }
        lastProgressBytes = bytesDone;
        out.copyData(new PgWire.Body().byte1('p').int64(bytesDone).bytes());
    }
}
