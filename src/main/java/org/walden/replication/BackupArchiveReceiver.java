package org.walden.replication;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.function.LongConsumer;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.protocol.PgClient;

/**
 * The client side of BASE_BACKUP's CopyOut stream (pg_basebackup's astreamer chain, in one
 * class): 'n' starts an archive, 'd' carries its bytes (or, after 'm', the manifest's), 'p'
 * reports progress. Plain format extracts the ustar members under the target directory
 * (refusing names that climb out of it); tar format re-writes them into base.tar, holding
 * postgresql.auto.conf back so that -R can append to it, and ends the file with the trailer.
 */
final class BackupArchiveReceiver {

    private final Path pgdata;
    private final java.util.Map<String, String> tablespaceMapping;
    private final boolean tarFormat;
    private final LongConsumer progress;
    private final boolean reportProgress;
    private OutputStream manifestOut;
    private boolean manifestSeen;
    private OutputStream tarOut;
    private byte[] heldAutoConf;
    private long heldAutoConfMtime;
    private String recoveryConf;
    /** The archives ('n' messages) begun so far. */
    private int archivesStarted;
    /** Tar format: tarOut is a tablespace's OID.tar (not base.tar, which finish() ends). */
    private boolean tablespaceArchiveOpen;
    private long bytesReceived;

    BackupArchiveReceiver(Path pgdata, boolean tarFormat, LongConsumer progress, boolean reportProgress) {
        this(pgdata, tarFormat, progress, reportProgress, java.util.Map.of());
    }

    /** {@code tablespaceMapping}: -T OLDDIR=NEWDIR, a tablespace's directory on the server to the one written here. */
    BackupArchiveReceiver(Path pgdata, boolean tarFormat, LongConsumer progress, boolean reportProgress,
                          java.util.Map<String, String> tablespaceMapping) {
        this.tablespaceMapping = tablespaceMapping;
        this.pgdata = pgdata;
        this.tarFormat = tarFormat;
        this.progress = progress;
        this.reportProgress = reportProgress;
    }

    int archivesStarted() {
        return archivesStarted;
    }

    boolean hasManifest() {
        return manifestSeen;
    }

    /**
     * Reads CopyData until the server's CopyDone. The manifest file is closed on every way out
     * (a failure included), so no half-written backup_manifest.tmp stays open.
     */
    void receive(PgClient conn) throws IOException {
        try {
            receiveMessages(conn);
        } finally {
            closeManifest();
        }
    }

    private void receiveMessages(PgClient conn) throws IOException {
        Ustar.Reader reader = null;
        while (true) {
            PgClient.CopyEvent ev = conn.readCopyData(600_000);
            if (ev instanceof PgClient.CopyEvent.Done) {
                break;
            }
            if (ev instanceof PgClient.CopyEvent.Timeout) {
                throw new IOException("timed out waiting for the base backup stream");
            }
            byte[] p = ((PgClient.CopyEvent.Data) ev).payload();
            switch (p[0]) {
                case 'n' -> {
                    archivesStarted++;
                    endTablespaceArchive();
                    String location = archiveLocation(p);
                    Path root = location.isEmpty() ? pgdata : tablespaceDirectory(location);
                    reader = new Ustar.Reader(tarFormat ? new TarRewriter() : new Extractor(root));
                    if (tarFormat) {
                        tarOut = new BufferedOutputStream(Files.newOutputStream(pgdata.resolve(archiveName(p))),
                                1 << 16);
                        tablespaceArchiveOpen = !location.isEmpty();
                    }
                }
                case 'd' -> {
                    if (manifestOut != null) {
                        writeManifest(p);
                    } else if (reader == null) {
                        throw new PgException(SqlState.PROTOCOL_VIOLATION, "archive data before an archive started");
                    } else {
                        reader.feed(p, 1, p.length - 1);
                        bytesReceived += p.length - 1;
                        if (reportProgress) {
                            progress.accept(bytesReceived);
                        }
                    }
                }
                case 'p' -> {
                    if (reportProgress) {
                        progress.accept(ByteBuffer.wrap(p, 1, 8).getLong());
                    }
                }
                case 'm' -> {
                    if (manifestSeen) {
                        throw new PgException(SqlState.PROTOCOL_VIOLATION, "received more than one backup manifest");
                    }
                    manifestSeen = true;
                    manifestOut = new BufferedOutputStream(createFile(manifestTmpPath()));
                }
                default -> throw new PgException(SqlState.PROTOCOL_VIOLATION,
                        "unrecognized archive stream message type " + (char) p[0]);
            }
        }
    }

    /** Tar format: a tablespace's OID.tar ends (its trailer) when the next archive starts. */
    private void endTablespaceArchive() throws IOException {
        if (tablespaceArchiveOpen) {
            tarOut.write(new byte[2 * Ustar.BLOCK_BYTES]);
            tarOut.close();
            tarOut = null;
            tablespaceArchiveOpen = false;
        }
    }

    /**
     * Plain format: the directory a tablespace's archive is extracted to (its server location, or
     * the NEWDIR of a -T mapping), which must be missing or empty, as pg_basebackup requires.
     */
    private Path tablespaceDirectory(String location) throws IOException {
        if (tarFormat) {
            return null;
        }
        Path dir = Path.of(mappedLocation(location));
        if (Files.isDirectory(dir)) {
            try (java.util.stream.Stream<Path> s = Files.list(dir)) {
                if (s.findAny().isPresent()) {
                    throw new IOException("directory \"" + dir + "\" exists but is not empty");
                }
            }
        }
        Files.createDirectories(dir);
        return dir;
    }

    /** A tablespace location after -T: NEWDIR when OLDDIR is mapped, else unchanged. */
    private String mappedLocation(String location) {
        return tablespaceMapping.getOrDefault(location, location);
    }

    /** The archive name of an 'n' message ("base.tar", "16385.tar"), refusing any path in it. */
    private static String archiveName(byte[] p) {
        int end = 1;
        while (end < p.length && p[end] != 0) {
            end++;
        }
        String name = new String(p, 1, end - 1, StandardCharsets.UTF_8);
        if (name.contains("/") || name.startsWith(".")) {
            throw new PgException(SqlState.PROTOCOL_VIOLATION, "invalid archive name \"" + name + "\"");
        }
        return name;
    }

    private Path manifestTmpPath() {
        return pgdata.resolve("backup_manifest.tmp");
    }

    private void writeManifest(byte[] p) throws IOException {
        try {
            manifestOut.write(p, 1, p.length - 1);
        } catch (IOException e) {
            throw new IOException("could not write to file \"" + manifestTmpPath() + "\": " + osReason(e), e);
        }
    }

    private void closeManifest() throws IOException {
        OutputStream out = manifestOut;
        if (out == null) {
            return;
        }
        manifestOut = null;
        try {
            out.close();
        } catch (IOException e) {
            throw new IOException("could not close file \"" + manifestTmpPath() + "\": " + osReason(e), e);
        }
    }

    /** Opens a new file for writing (truncating one left there); pg_basebackup's words when it cannot. */
    static OutputStream createFile(Path path) throws IOException {
        try {
            return Files.newOutputStream(path);
        } catch (IOException e) {
            throw new IOException("could not create file \"" + path + "\": " + osReason(e), e);
        }
    }

    /**
     * The strerror text (%m) of a failed file operation. Java's FileSystemException messages
     * are the bare path for the common errno values (NoSuchFileException says only the path),
     * which made a failed backup report a file name and no reason.
     */
    static String osReason(IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "No such file or directory";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "Permission denied";
        }
        if (e instanceof java.nio.file.FileAlreadyExistsException) {
            return "File exists";
        }
        if (e instanceof java.nio.file.NotDirectoryException) {
            return "Not a directory";
        }
        if (e instanceof java.nio.file.DirectoryNotEmptyException) {
            return "Directory not empty";
        }
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }

    private static String archiveLocation(byte[] p) {
        int i = 1;
        while (i < p.length && p[i] != 0) {
            i++;
        }
        int start = i + 1;
        int end = start;
        while (end < p.length && p[end] != 0) {
            end++;
        }
        return start >= p.length ? "" : new String(p, start, end - start, StandardCharsets.UTF_8);
    }

    /** backup_manifest.tmp becomes backup_manifest once the backup is complete (durable_rename). */
    void renameManifest() throws IOException {
        Path from = manifestTmpPath();
        Path to = pgdata.resolve("backup_manifest");
        try {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new IOException("could not rename file \"" + from + "\" to \"" + to + "\": " + osReason(e), e);
        }
    }

    /** -R: standby.signal and the primary_conninfo lines (injected into base.tar for tar format). */
    void writeRecoveryConf(String contents, boolean tar) throws IOException {
        if (tar) {
            recoveryConf = contents;
            return;
        }
        BaseBackupClient.writeFile(pgdata.resolve("postgresql.auto.conf"), BaseBackupClient.utf8(contents), true);
        BaseBackupClient.writeFile(pgdata.resolve("standby.signal"), new byte[0], false);
    }

    /** Tar format: pg_wal.tar from the streamed segment files. */
    void writeWalTar(List<Path> segments, String name) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(pgdata.resolve(name)), 1 << 16)) {
            long now = System.currentTimeMillis() / 1000;
            for (Path seg : segments) {
                long size = Files.size(seg);
                out.write(Ustar.header(seg.getFileName().toString(), 0600, size, now, Ustar.TYPE_FILE, null));
                Files.copy(seg, out);
                out.write(new byte[Ustar.paddingBytes(size)]);
            }
            out.write(Ustar.header("archive_status", 0700, 0, now, Ustar.TYPE_DIRECTORY, null));
            out.write(new byte[2 * Ustar.BLOCK_BYTES]);
        }
    }

    /** Ends base.tar (tar format): the held postgresql.auto.conf (+ -R lines), standby.signal, trailer. */
    void finish() throws IOException {
        if (tarOut == null) {
            return;
        }
        long now = System.currentTimeMillis() / 1000;
        if (heldAutoConf != null || recoveryConf != null) {
            ByteArrayOutputStream conf = new ByteArrayOutputStream();
            if (heldAutoConf != null) {
                conf.writeBytes(heldAutoConf);
            }
            if (recoveryConf != null) {
                conf.writeBytes(BaseBackupClient.utf8(recoveryConf));
            }
            writeTarMember("postgresql.auto.conf", conf.toByteArray(), heldAutoConf != null ? heldAutoConfMtime : now);
        }
        if (recoveryConf != null) {
            writeTarMember("standby.signal", new byte[0], now);
        }
        tarOut.write(new byte[2 * Ustar.BLOCK_BYTES]);
        tarOut.close();
        tarOut = null;
    }

    private void writeTarMember(String name, byte[] data, long mtime) throws IOException {
        tarOut.write(Ustar.header(name, 0600, data.length, mtime, Ustar.TYPE_FILE, null));
        tarOut.write(data);
        tarOut.write(new byte[Ustar.paddingBytes(data.length)]);
    }

    /** Plain format: each member becomes a file, directory or symlink under pgdata. */
    private final class Extractor implements Ustar.MemberHandler {
        /** Where the archive's members go: the target directory, or a tablespace's. */
        private final Path root;
        private OutputStream file;
        private Path path;
        private long mtime;

        Extractor(Path root) {
            this.root = root;
        }

        @Override
        public void begin(Ustar.Entry e) throws IOException {
            path = safeResolve(e.name());
            mtime = e.mtimeSeconds();
            switch (e.typeflag()) {
                case Ustar.TYPE_DIRECTORY -> Files.createDirectories(path);
                case Ustar.TYPE_SYMLINK -> Files.createSymbolicLink(path, Path.of(mappedLocation(e.linkName())));
                default -> {
                    Files.createDirectories(path.getParent());
                    file = new BufferedOutputStream(createFile(path), 1 << 16);
                }
            }
        }

        @Override
        public void data(byte[] bytes, int offset, int length) throws IOException {
            file.write(bytes, offset, length);
        }

        @Override
        public void end() throws IOException {
            if (file != null) {
                file.close();
                file = null;
                Files.setLastModifiedTime(path, FileTime.fromMillis(mtime * 1000));
            }
        }

        private Path safeResolve(String name) {
            String trimmed = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
            Path p = root.resolve(trimmed).normalize();
            if (!p.startsWith(root.normalize())) {
                throw new PgException(SqlState.PROTOCOL_VIOLATION, "archive member \"" + name
                        + "\" lies outside the target directory");
            }
            return p;
        }
    }

    /** Tar format: members are written again as they come, except postgresql.auto.conf (held for -R). */
    private final class TarRewriter implements Ustar.MemberHandler {
        private ByteArrayOutputStream held;
        private long size;

        @Override
        public void begin(Ustar.Entry e) throws IOException {
            if (e.name().equals("postgresql.auto.conf")) {
                held = new ByteArrayOutputStream();
                heldAutoConfMtime = e.mtimeSeconds();
                return;
            }
            size = e.size();
            tarOut.write(Ustar.header(e.name(), e.mode(), e.size(), e.mtimeSeconds(), e.typeflag(),
                    e.linkName().isEmpty() ? null : e.linkName()));
        }

        @Override
        public void data(byte[] bytes, int offset, int length) throws IOException {
            if (held != null) {
                held.write(bytes, offset, length);
            } else {
                tarOut.write(bytes, offset, length);
            }
        }

        @Override
        public void end() throws IOException {
            if (held != null) {
                heldAutoConf = held.toByteArray();
                held = null;
                return;
            }
            tarOut.write(new byte[Ustar.paddingBytes(size)]);
            size = 0;
        }
    }
}
