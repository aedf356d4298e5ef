package org.walden.wal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The segment file one WAL reader keeps open between its reads (PostgreSQL's WALRead with the
 * walsender's open segment, the startup process's readFile): a walsender, the startup
 * process's read-ahead or a waldump opens the segment it reads once, not once per read.
 *
 * <p>Life: created closed by its reader; {@link SegmentFiles#read} opens the file of the
 * segment being read, and closes it and opens the next one when the reads move to another
 * segment or another timeline's file; a file removed, renamed or replaced in pg_wal (checkpoint
 * removal, promotion's {@code .partial}, a restored segment, a truncated timeline; counted by
 * {@link WalSegments#changes()}) is checked by its file key before the next read, so a removed
 * segment is never held open and a replaced one is never read as the old file. {@link #close}
 * at the reader's end.
 *
 * <p>Not thread-safe: one per reader.
 */
public final class WalReadCursor implements AutoCloseable {

    private Path path;
    private long segNo = -1;
    private TimelineId tli;
    private FileChannel channel;
    private Object fileKey;
    /** {@link WalSegments#changes()} when the file was last known to be the one at {@link #path}. */
    private long changesSeen;

    /** The channel when it holds {@code segNo} and no segment file changed since; null otherwise. */
    FileChannel current(long wantedSegNo) {
        if (channel == null || segNo != wantedSegNo) {
            return null;
        }
        long changes = WalSegments.changes();
        if (changes != changesSeen) {
            if (!sameFile()) {
                close();
                return null;
            }
            changesSeen = changes;
        }
        return channel;
    }

    TimelineId timeline() {
        return tli;
    }

    Path path() {
        return path;
    }

    /** Whether the file read is still the one at its path (false: a segment file changed meanwhile). */
    boolean stillValid() {
        return channel != null && (WalSegments.changes() == changesSeen || sameFile());
    }

    /** Opens {@code p} (segment {@code no} of {@code timeline}), closing the file held before. */
    FileChannel open(Path p, long no, TimelineId timeline) throws IOException {
        close();
        while (true) {
            long changes = WalSegments.changes();
            Object before = Files.readAttributes(p, BasicFileAttributes.class).fileKey();
            FileChannel ch = FileChannel.open(p, StandardOpenOption.READ);
            if (changes != WalSegments.changes() || before == null
                    || !before.equals(Files.readAttributes(p, BasicFileAttributes.class).fileKey())) {
                ch.close(); // the file at p changed while it was being opened: which one is open is unknown
                continue;
            }
            fileKey = before;
            channel = ch;
            changesSeen = changes;
            break;
        }
        path = p;
        segNo = no;
        tli = timeline;
        return channel;
    }

    private boolean sameFile() {
        try {
            Object key = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
            return key != null && key.equals(fileKey);
        } catch (IOException e) {
            return false; // removed
        }
    }

    @Override
    public void close() {
        FileChannel ch = channel;
        channel = null;
        path = null;
        segNo = -1;
        tli = null;
        fileKey = null;
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // read-only
            }
        }
    }
}
