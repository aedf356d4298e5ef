package org.walden.sql.catalog;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
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
     * every row it encodes (a bulk load encodes millions); a nested encode takes a fresh one. The
     * common fixed-width and string values are written straight into it (big-endian, as
     * {@link ValueCodec} writes them); the others go through a DataOutputStream over it.
     */
    private static final class Sink extends OutputStream {
        private byte[] buf = new byte[256];
        private int size;
        private boolean busy;
        private DataOutputStream data;

        @Override
        public void write(int b) {
            ensure(1);
            buf[size++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            ensure(len);
            System.arraycopy(b, off, buf, size, len);
            size += len;
        }

        void ensure(int more) {
            if (size + more > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
            }
        }

        void putShort(int v) {
            ensure(2);
            buf[size] = (byte) (v >>> 8);
            buf[size + 1] = (byte) v;
            size += 2;
        }

        void putInt(int v) {
            ensure(4);
            INT_BE.set(buf, size, v);
            size += 4;
        }

        void putLong(long v) {
            ensure(8);
            LONG_BE.set(buf, size, v);
            size += 8;
        }

        void putVarint(int v) {
            ensure(5);
            while ((v & ~0x7F) != 0) {
                buf[size++] = (byte) ((v & 0x7F) | 0x80);
                v >>>= 7;
            }
            buf[size++] = (byte) v;
        }

        DataOutputStream data() {
            if (data == null) {
                data = new DataOutputStream(this);
            }
            return data;
        }
    }

    private static final java.lang.invoke.VarHandle INT_BE = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(
            int[].class, java.nio.ByteOrder.BIG_ENDIAN);
    private static final java.lang.invoke.VarHandle LONG_BE = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(
            long[].class, java.nio.ByteOrder.BIG_ENDIAN);

    private static final ThreadLocal<Sink> SINKS = ThreadLocal.withInitial(Sink::new);

    public static byte[] encode(PgType[] types, Object[] row) {
        Sink sink = SINKS.get();
        if (sink.busy) {
            sink = new Sink();
        }
        sink.busy = true;
        sink.size = 0;
        try {
            int n = types.length;
            sink.putShort(n);
            int nullBytes = (n + 7) / 8;
            sink.ensure(nullBytes);
            int nullsAt = sink.size;
            Arrays.fill(sink.buf, nullsAt, nullsAt + nullBytes, (byte) 0);
            for (int i = 0; i < n; i++) {
                if (row[i] == null) {
                    sink.buf[nullsAt + i / 8] |= (byte) (1 << (i % 8));
                }
            }
            sink.size += nullBytes;
            for (int i = 0; i < n; i++) {
                if (row[i] != null) {
                    write(sink, types[i], row[i]);
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

    /** One value as {@link ValueCodec#write} writes it, the usual types without a stream. */
    private static void write(Sink sink, PgType type, Object v) throws IOException {
        switch (type) {
            case INT4 -> sink.putInt(((Number) v).intValue());
            case INT8 -> sink.putLong(((Number) v).longValue());
            case INT2 -> sink.putShort(((Number) v).shortValue());
            case BOOL -> sink.write(((Boolean) v) ? 1 : 0);
            case FLOAT8 -> sink.putLong(Double.doubleToLongBits(((Number) v).doubleValue()));
            case TEXT, VARCHAR, BPCHAR -> {
                if (v instanceof String text) {
                    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
                    sink.putVarint(bytes.length);
                    sink.write(bytes, 0, bytes.length);
                } else {
                    ValueCodec.write(sink.data(), type, v);
                }
            }
            default -> ValueCodec.write(sink.data(), type, v);
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
