package org.walden.sql;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.catalog.RowCodec;
import org.walden.sql.types.PgType;

/**
 * The rows an SQL cursor keeps so that it can move backward or outlive its transaction
 * (PostgreSQL's tuplestore under a scrollable or holdable portal): rows numbered from
 * {@code base + 1}, read back by number in any order. The first rows stay in memory up to
 * {@code memoryLimitBytes} (work_mem) of their stored encoding; the rest go to a temporary file
 * with their offsets kept, and are read from there. Used by the session thread only; {@link #close}
 * deletes the file.
 */
final class CursorRowStore implements AutoCloseable {

    private static final int WRITE_BUFFER_BYTES = 64 * 1024;

    private final PgType[] types;
    private final Path tempDirectory;
    private final long memoryLimitBytes;
    /** Row number of the row before the first kept one. */
    private long base;
    private final List<Object[]> inMemory = new ArrayList<>();
    private long memoryBytes;
    /** Spilled rows: file offsets of rows inMemory.size() + 1 ... in order. */
    private long[] offsets = new long[0];
    private int spilled;
    private Path file;
    private RandomAccessFile raf;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private long fileEnd;

    CursorRowStore(PgType[] types, Path tempDirectory, long memoryLimitBytes) {
        this.types = types;
        this.tempDirectory = tempDirectory;
        this.memoryLimitBytes = memoryLimitBytes;
    }

    /** Forgets every row kept and numbers the next one added {@code newBase + 1}. */
    void restartAt(long newBase) {
        inMemory.clear();
        memoryBytes = 0;
        spilled = 0;
        pending.reset();
        fileEnd = 0;
        base = newBase;
    }

    /** The number of the last row kept (base when none). */
    long last() {
        return base + inMemory.size() + spilled;
    }

    /** True when row {@code number} is kept here. */
    boolean holds(long number) {
        return number > base && number <= last();
    }

    void add(Object[] row) {
        byte[] encoded = RowCodec.encode(types, row);
        if (spilled == 0 && memoryBytes + encoded.length <= memoryLimitBytes) {
            inMemory.add(row);
            memoryBytes += encoded.length;
            return;
        }
        if (spilled == offsets.length) {
            offsets = Arrays.copyOf(offsets, Math.max(1024, spilled * 2));
        }
        offsets[spilled++] = fileEnd + pending.size();
        try {
            DataOutputStream out = new DataOutputStream(pending);
            out.writeInt(encoded.length);
            out.write(encoded);
            if (pending.size() >= WRITE_BUFFER_BYTES) {
                flush();
            }
        } catch (IOException e) {
            throw failed(e);
        }
    }

    /** Row {@code number}, which {@link #holds} must be true of. */
    Object[] get(long number) {
        int i = (int) (number - base - 1);
        if (i < inMemory.size()) {
            return inMemory.get(i);
        }
        try {
            flush();
            raf.seek(offsets[i - inMemory.size()]);
            byte[] b = new byte[raf.readInt()];
            raf.readFully(b);
            return RowCodec.decode(types, b);
        } catch (IOException e) {
            throw failed(e);
        }
    }

    private void flush() throws IOException {
        if (pending.size() == 0) {
            return;
        }
        if (raf == null) {
            file = Files.createTempFile(tempDirectory, "cursor", ".rows");
            raf = new RandomAccessFile(file.toFile(), "rw");
        }
        raf.seek(fileEnd);
        raf.write(pending.toByteArray());
        fileEnd += pending.size();
        pending.reset();
    }

    private static PgException failed(IOException e) {
        return new PgException(SqlState.IO_ERROR, "could not write to cursor's temporary file: " + e.getMessage(), e);
    }

    @Override
    public void close() {
        inMemory.clear();
        try {
            if (raf != null) {
                raf.close();
            }
            if (file != null) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            raf = null;
            file = null;
        }
    }
}
