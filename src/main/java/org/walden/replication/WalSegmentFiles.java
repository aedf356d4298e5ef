package org.walden.replication;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.walden.wal.Lsn;
import org.walden.wal.TimelineId;

/**
 * Writes streamed WAL into PostgreSQL-named segment files in one directory (what
 * pg_basebackup's background WAL receiver does): each file is created at full segment size
 * (zero-filled), bytes land at their offset, and {@link #sync} fsyncs everything written.
 * Single-threaded.
 */
final class WalSegmentFiles implements AutoCloseable {

    private final Path dir;
    private final long segmentSizeBytes;
    private TimelineId timeline;
    private FileChannel current;
    private long currentSegNo = -1;
    private final List<Path> written = new ArrayList<>();

    WalSegmentFiles(Path dir, long segmentSizeBytes, TimelineId timeline) {
        this.dir = dir;
        this.segmentSizeBytes = segmentSizeBytes;
        this.timeline = timeline;
    }

    static String fileName(TimelineId tli, long segNo, long segmentSizeBytes) {
        long perId = 0x1_0000_0000L / segmentSizeBytes;
        return String.format("%08X%08X%08X", tli.value(), segNo / perId, segNo % perId);
    }

    void setTimeline(TimelineId tli) throws IOException {
        closeCurrent();
        this.timeline = tli;
    }

    /** Writes {@code length} bytes of WAL starting at {@code at}, across segment boundaries. */
    void write(Lsn at, byte[] data, int offset, int length) throws IOException {
        long pos = at.value();
        int done = 0;
        while (done < length) {
            long segNo = pos / segmentSizeBytes;
            long segOff = pos % segmentSizeBytes;
            int n = (int) Math.min(length - done, segmentSizeBytes - segOff);
            FileChannel ch = open(segNo);
            ByteBuffer buf = ByteBuffer.wrap(data, offset + done, n);
            long p = segOff;
            while (buf.hasRemaining()) {
                p += ch.write(buf, p);
            }
            pos += n;
            done += n;
        }
    }

    private FileChannel open(long segNo) throws IOException {
        if (segNo == currentSegNo && current != null) {
            return current;
        }
        closeCurrent();
        Path f = dir.resolve(fileName(timeline, segNo, segmentSizeBytes));
        boolean fresh = !Files.exists(f);
        current = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        if (fresh || current.size() < segmentSizeBytes) {
            // pad to full size, as PostgreSQL's segment files always are
            current.write(ByteBuffer.wrap(new byte[1]), segmentSizeBytes - 1);
        }
        currentSegNo = segNo;
        if (!written.contains(f)) {
            written.add(f);
        }
        return current;
    }

    /** fsyncs the open segment (finished ones were forced when closed). */
    void sync() throws IOException {
        if (current != null) {
            current.force(false);
        }
    }

    List<Path> files() {
        return List.copyOf(written);
    }

    private void closeCurrent() throws IOException {
        if (current != null) {
            current.force(false);
            current.close();
            current = null;
            currentSegNo = -1;
        }
    }

    @Override
    public void close() throws IOException {
        closeCurrent();
    }
}
