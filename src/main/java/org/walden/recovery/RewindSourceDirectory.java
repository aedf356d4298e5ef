package org.walden.recovery;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.function.BiConsumer;
import java.util.function.LongConsumer;
import java.util.stream.Stream;
import org.walden.storage.Store;
import org.walden.storage.StoreIterator;
import org.walden.storage.StoreSnapshot;
import org.walden.wal.ControlFile;
import org.walden.wal.DbState;
import org.walden.wal.Lsn;
import org.walden.wal.TimelineId;
import org.walden.wal.WalReader;
import org.walden.wal.WalSegments;

/**
 * A rewind's source given as a data directory ({@code --source-pgdata}): a cleanly stopped
 * server. Its pg_control, history files and end of WAL are read from its files, its rows from
 * its storage opened read-only; the target gets a copy of its WAL after the fork, so that it can
 * replay to consistency without the source running.
 */
public final class RewindSourceDirectory implements Rewind.Source {

    private final Path dir;
    private final ControlFile.Data control;
    private final Timelines timelines;
    private final Lsn end;
    private Store store;

    /** Refuses a source that is running or was not shut down cleanly, as pg_rewind does. */
    public RewindSourceDirectory(Path dir) {
        this.dir = dir;
        if (Rewind.runningServerPid(dir) > 0) {
            throw new Rewind.RewindError("source data directory must be shut down cleanly",
                    "A server is running in \"" + dir + "\".");
        }
        this.control = ControlFile.read(dir.resolve(ControlFile.RELATIVE_PATH));
        if (control.state() != DbState.SHUTDOWNED && control.state() != DbState.SHUTDOWNED_IN_RECOVERY) {
            throw new Rewind.RewindError("source data directory must be shut down cleanly", null);
        }
        this.timelines = new Timelines(dir.resolve(Engine.WAL_DIR));
        WalReader reader = new WalReader(dir.resolve(Engine.WAL_DIR), control.walSegmentSizeBytes(), control.timeline());
        reader.setReadTimelines(timelines.history(control.timeline()));
        reader.beginRead(control.redo(), Lsn.INVALID);
        while (reader.readNext() != null) {
            // to the end of its WAL
        }
        this.end = reader.nextLsn();
        reader.close();
    }

    @Override
    public long systemIdentifier() {
        return control.systemIdentifier();
    }

    @Override
    public TimelineId timeline() {
        return control.timeline();
    }

    @Override
    public String historyFile(TimelineId tli) {
        return timelines.localFile(tli);
    }

    @Override
    public Lsn currentLsn() {
        return end;
    }

    @Override
    public Lsn readKeyRange(byte[] from, byte[] to, BiConsumer<byte[], byte[]> sink) {
        if (store == null) {
            store = Store.openReadOnly(dir.resolve(Engine.BASE_DIR));
        }
        try (StoreSnapshot s = store.snapshot(); StoreIterator it = store.scan(s, from, to)) {
            while (it.next()) {
                sink.accept(it.key(), it.value());
            }
        }
        return end;
    }

    /**
     * Its storage (the tablespaces' storage files included), WAL and pg_control, file by file: a
     * clean copy needs no backup_label.
     */
    @Override
    public void copyDataDirectory(Path into, LongConsumer progressKb) throws IOException {
        long[] bytes = {0};
        for (String part : new String[] {Engine.BASE_DIR, Engine.WAL_DIR, Engine.GLOBAL_DIR}) {
            Path from = dir.resolve(part);
            try (Stream<Path> walk = Files.walk(from)) {
                for (Path p : walk.toList()) {
                    Path to = into.resolve(part).resolve(from.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(to);
                    } else {
                        Files.copy(p, to, StandardCopyOption.REPLACE_EXISTING);
                        bytes[0] += Files.size(p);
                        progressKb.accept(bytes[0] / 1024);
                    }
                }
            }
        }
        // the tablespaces' storage files go where a storage snapshot keeps them (base/tblspc_files/OID):
        // the target's storage moves them into its own tablespace directories when it opens
        for (org.walden.storage.TablespaceDirectories.Tablespace t : org.walden.storage.TablespaceDirectories.list(dir)) {
            Path files = t.link().resolve(org.walden.storage.TablespaceDirectories.VERSION_DIRECTORY)
                    .resolve(org.walden.storage.TablespaceDirectories.STORAGE_DIR);
            if (!Files.isDirectory(files)) {
                continue;
            }
            Path to = Files.createDirectories(into.resolve(Engine.BASE_DIR)
                    .resolve(org.walden.storage.TablespaceDirectories.SNAPSHOT_DIR).resolve(Integer.toUnsignedString(t.oid())));
            try (Stream<Path> list = Files.list(files)) {
                for (Path p : list.toList()) {
                    Files.copy(p, to.resolve(p.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                    bytes[0] += Files.size(p);
                    progressKb.accept(bytes[0] / 1024);
                }
            }
        }
    }

    /** Its segments of the timelines that began at or after the fork, which the target's history now names. */
    @Override
    public boolean copyWalFrom(Lsn from, Timelines.History history, Path walDir) throws IOException {
        long seg = control.walSegmentSizeBytes();
        for (Path p : WalSegments.list(dir.resolve(Engine.WAL_DIR))) {
            String name = p.getFileName().toString();
            Timelines.Entry e = history.entry(WalSegments.timeline(name));
            if (e != null && e.begin().isValid() && !e.begin().isBefore(from)
                    && WalSegments.segmentNo(name, seg) >= from.segmentNo(seg)) {
                Files.copy(p, walDir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return true;
    }

    @Override
    public String conninfo() {
        return null;
    }


    @Override
    public void close() {
        if (store != null) {
            store.close();
        }
    }
}
