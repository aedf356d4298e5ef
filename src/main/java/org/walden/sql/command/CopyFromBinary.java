package org.walden.sql.command;

import java.util.Arrays;
import java.util.function.Consumer;
import org.walden.common.PgException;
import org.walden.common.SqlState;

/**
 * The reader of COPY FROM's binary format (PostgreSQL's CopyReadBinaryTuple): the PGCOPY
 * signature, flags (the OID bit is refused) and header extension, then tuples of a field count
 * and length-prefixed fields (-1 for NULL) up to the -1 trailer. Bytes arrive in any slices;
 * whole tuples are handed on as they complete, and only an unfinished one is kept.
 */
final class CopyFromBinary {

    private static final byte[] SIGNATURE = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xff, '\r', '\n', 0};

    private final int columnCount;
    private byte[] buf = new byte[8192];
    private int len;
    private boolean headerRead;
    private boolean ended;

    CopyFromBinary(int columnCount) {
        this.columnCount = columnCount;
    }

    void data(byte[] chunk, Consumer<byte[][]> rowSink) {
        if (ended) {
            return;
        }
        if (len + chunk.length > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + chunk.length));
        }
        System.arraycopy(chunk, 0, buf, len, chunk.length);
        len += chunk.length;
        int pos = 0;
        if (!headerRead) {
            pos = readHeader();
            if (pos < 0) {
                return;
            }
            headerRead = true;
        }
        while (!ended) {
            int next = readTuple(pos, rowSink);
            if (next < 0) {
                break;
            }
            pos = next;
        }
        System.arraycopy(buf, pos, buf, 0, len - pos);
        len -= pos;
    }

    /** CopyDone: anything left unfinished is an unexpected end. */
    void done() {
        if (!headerRead || len > 0 && !ended) {
            throw new PgException(SqlState.BAD_COPY_FILE_FORMAT, headerRead ? "unexpected EOF in COPY data"
                    : "COPY file signature not recognized");
        }
    }

    /** The header's length, or -1 while incomplete. */
    private int readHeader() {
        if (len < SIGNATURE.length + 8) {
            return -1;
        }
        if (!Arrays.equals(buf, 0, SIGNATURE.length, SIGNATURE, 0, SIGNATURE.length)) {
            throw new PgException(SqlState.BAD_COPY_FILE_FORMAT, "COPY file signature not recognized");
        }
        int flags = readInt(SIGNATURE.length);
        if ((flags & (1 << 16)) != 0) {
            throw new PgException(SqlState.BAD_COPY_FILE_FORMAT, "invalid COPY file header (WITH OIDS)");
        }
        if ((flags & 0xfffe_ffff & ~0xffff) != 0) {
            throw new PgException(SqlState.BAD_COPY_FILE_FORMAT, "unrecognized critical flags in COPY file header");
        }
        int extension = readInt(SIGNATURE.length + 4);
        if (extension < 0) {
            throw new PgException(SqlState.BAD_COPY_FILE_FORMAT, "invalid COPY file header (wrong length)");
        }
        int end = SIGNATURE.length + 8 + extension;
        return len < end ? -1 : end;
    }

    /** Reads one tuple at {@code pos}; returns the position after it, or -1 while incomplete. */
    private int readTuple(int pos, Consumer<byte[][]> rowSink) {
        if (len - pos < 2) {
            return -1;
        }
        short count = (short) (((buf[pos] & 0xff) << 8) | (buf[pos + 1] & 0xff));
        if (count == -1) {
            ended = true;
            return pos + 2;
        }
        if (count != columnCount) {
            throw new PgException(SqlState.BAD_COPY_FILE_FORMAT, "row field count is " + count + ", expected "
                    + columnCount);
        }
        int p = pos + 2;
        byte[][] fields = new byte[count][];
        for (int i = 0; i < count; i++) {
            if (len - p < 4) {
                return -1;
            }
            int n = readInt(p);
            p += 4;
            if (n == -1) {
                continue;
            }
            if (n < 0) {
                throw new PgException(SqlState.BAD_COPY_FILE_FORMAT, "invalid field size");
            }
            if (len - p < n) {
                return -1;
            }
            fields[i] = Arrays.copyOfRange(buf, p, p + n);
            p += n;
        }
        rowSink.accept(fields);
        return p;
    }

    private int readInt(int at) {
        return ((buf[at] & 0xff) << 24) | ((buf[at + 1] & 0xff) << 16) | ((buf[at + 2] & 0xff) << 8)
                | (buf[at + 3] & 0xff);
    }
}
