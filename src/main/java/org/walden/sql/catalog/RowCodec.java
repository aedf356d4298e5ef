package org.walden.sql.catalog;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.walden.sql.types.PgType;

/**
 * Row values in a compact binary encoding: int16 column count, a null bitmap (one bit per
 * column, LSB first), then each non-null value in its {@link ValueCodec} form. A stored row
 * with fewer columns than the table reads the missing ones as NULL (ADD COLUMN rewrites no row).
 */
public final class RowCodec {

    private RowCodec() {
    }

    /**
     * A growable buffer without ByteArrayOutputStream's locking, one per thread and reused by
     * every row it encodes (a bulk load encodes millions); a nested encode takes a fresh one.
     */
    private static final class Sink extends OutputStream {
        private byte[] buf = new byte[256];
        private int size;
        private boolean busy;

        @Override
        public void write(int b) {
            if (size == buf.length) {
                buf = Arrays.copyOf(buf, buf.length * 2);
            }
            buf[size++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            if (size + len > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + len));
            }
            System.arraycopy(b, off, buf, size, len);
            size += len;
        }
    }

    private static final ThreadLocal<Sink> SINKS = ThreadLocal.withInitial(Sink::new);

    public static byte[] encode(PgType[] types, Object[] row) {
        Sink sink = SINKS.get();
        if (sink.busy) {
            sink = new Sink();
        }
        sink.busy = true;
        sink.size = 0;
        try {
            DataOutputStream out = new DataOutputStream(sink);
            int n = types.length;
            out.writeShort(n);
            byte[] nulls = new byte[(n + 7) / 8];
            for (int i = 0; i < n; i++) {
                if (row[i] == null) {
                    nulls[i / 8] |= (byte) (1 << (i % 8));
                }
            }
            out.write(nulls);
            for (int i = 0; i < n; i++) {
                if (row[i] != null) {
                    ValueCodec.write(out, types[i], row[i]);
                }
            }
            return Arrays.copyOf(sink.buf, sink.size);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            sink.busy = false;
            if (sink.buf.length > 1 << 20) {
                sink.buf = new byte[256]; // a huge row's buffer is not kept
            }
        }
    }

    public static Object[] decode(PgType[] types, byte[] bytes) {
        return decodePrefix(types, bytes, types.length);
    }

    /**
     * Decodes only the first {@code columnCount} columns (the rest stay null): a scan that needs
     * the leading columns need not build every row's strings.
     */
    public static Object[] decodePrefix(PgType[] types, byte[] bytes, int columnCount) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        int stored = in.getShort();
        byte[] nulls = new byte[(stored + 7) / 8];
        in.get(nulls);
        Object[] row = new Object[types.length];
        int limit = Math.min(columnCount, row.length);
        for (int i = 0; i < stored && i < limit; i++) {
            if ((nulls[i / 8] & (1 << (i % 8))) == 0) {
                row[i] = ValueCodec.read(in, types[i]);
            }
        }
        return row;
    }
}
