package org.walden.replication;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import org.walden.common.PgException;
import org.walden.common.SqlState;

/**
 * The few v3 protocol messages replication needs, both directions (PostgreSQL's protocol
 * message formats). A message is {@code Byte1 type, Int32 length (self included), body};
 * the startup packet has no type byte. Kept here rather than in {@code protocol} while that
 * codec is written; the layouts are the documented ones.
 */
final class PgWire {

    /** Text, int4, int8 and oid type OIDs with their typlen, as RowDescription carries them. */
    static final Column.Type TEXT = new Column.Type(25, -1);
    static final Column.Type INT4 = new Column.Type(23, 4);
    static final Column.Type INT8 = new Column.Type(20, 8);
    /** BASE_BACKUP's tli columns say int8 with typlen -1 (basebackup_copy.c), and so do we. */
    static final Column.Type INT8_VARLEN = new Column.Type(20, -1);
    static final Column.Type OID = new Column.Type(26, 4);

    static final int PROTOCOL_VERSION_3 = 196608;
    static final int SSL_REQUEST_CODE = 80877103;

    /** The largest message accepted from a peer (a CopyData of WAL is ≤ 128 KiB + header). */
    static final int MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

    record Column(String name, Type type) {
        record Type(int oid, int typlen) {
        }
    }

    /** One received message. */
    record Message(byte type, byte[] body) {
        String cstring() {
            int end = body.length > 0 && body[body.length - 1] == 0 ? body.length - 1 : body.length;
            return new String(body, 0, end, StandardCharsets.UTF_8);
        }
    }

    private PgWire() {
    }

    /** Reads one typed message; null at a clean EOF before its first byte. */
    static Message readMessage(DataInputStream in) throws IOException {
        int type = in.read();
        if (type < 0) {
            return null;
        }
        int length = in.readInt();
        if (length < 4 || length - 4 > MAX_MESSAGE_BYTES) {
            throw new PgException(SqlState.PROTOCOL_VIOLATION, "invalid message length");
        }
        byte[] body = new byte[length - 4];
        in.readFully(body);
        return new Message((byte) type, body);
    }

    static Message readMessageOrThrow(DataInputStream in) throws IOException {
        Message m = readMessage(in);
        if (m == null) {
            throw new EOFException("server closed the connection unexpectedly");
        }
        return m;
    }

    /** Parses an ErrorResponse/NoticeResponse body into field code → value. */
    static Map<Character, String> errorFields(byte[] body) {
        Map<Character, String> fields = new java.util.LinkedHashMap<>();
        int i = 0;
        while (i < body.length && body[i] != 0) {
            char code = (char) body[i++];
            int end = i;
            while (end < body.length && body[end] != 0) {
                end++;
            }
            fields.put(code, new String(body, i, end - i, StandardCharsets.UTF_8));
            i = end + 1;
        }
        return fields;
    }

    /** Parses a DataRow body: each value as a string, null for SQL NULL. */
    static String[] dataRow(byte[] body) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(body);
        int n = b.getShort();
        String[] values = new String[n];
        for (int k = 0; k < n; k++) {
            int len = b.getInt();
            if (len >= 0) {
                values[k] = new String(body, b.position(), len, StandardCharsets.UTF_8);
                b.position(b.position() + len);
            }
        }
        return values;
    }

    /**
     * Writes messages to one stream; its lock makes each message atomic when a reader thread
     * and a sending thread share the stream. flush() pushes them out.
     */
    static final class Writer {
        private final OutputStream out;
        /** Guards {@link #out}: one message at a time. */
        private final ReentrantLock lock = new ReentrantLock();

        Writer(OutputStream out) {
            this.out = out;
        }

        void message(char type, byte[] body) throws IOException {
            lock.lock();
            try {
                out.write(type);
                writeInt(body.length + 4);
                out.write(body);
            } finally {
                lock.unlock();
            }
        }

        void flush() throws IOException {
            lock.lock();
            try {
                out.flush();
            } finally {
                lock.unlock();
            }
        }

        private void writeInt(int v) throws IOException {
            out.write(v >>> 24);
            out.write(v >>> 16);
            out.write(v >>> 8);
            out.write(v);
        }

        /** StartupMessage: Int32 length, Int32 196608, (name\0 value\0)*, \0. No type byte. */
        void startupMessage(Map<String, String> params) throws IOException {
            Body b = new Body().int32(PROTOCOL_VERSION_3);
            params.forEach((k, v) -> b.cstring(k).cstring(v));
            b.byte1(0);
            byte[] body = b.bytes();
            lock.lock();
            try {
                writeInt(body.length + 4);
                out.write(body);
            } finally {
                lock.unlock();
            }
        }

        /** RowDescription 'T': Int16 n, per field name\0 Int32 table 0 Int16 attnum 0 Int32 type Int16 typlen Int32 typmod -1 Int16 format 0. */
        void rowDescription(List<Column> columns) throws IOException {
            Body b = new Body().int16(columns.size());
            for (Column c : columns) {
                b.cstring(c.name()).int32(0).int16(0).int32(c.type().oid()).int16(c.type().typlen()).int32(-1).int16(0);
            }
            message('T', b.bytes());
        }

        /** DataRow 'D': Int16 n, per value Int32 length (-1 = NULL) and the text bytes. */
        void dataRow(String... values) throws IOException {
            Body b = new Body().int16(values.length);
            for (String v : values) {
                if (v == null) {
                    b.int32(-1);
                } else {
                    byte[] bytes = v.getBytes(StandardCharsets.UTF_8);
                    b.int32(bytes.length).raw(bytes);
                }
            }
            message('D', b.bytes());
        }

        /** A one-row result set: RowDescription, DataRow, CommandComplete "SELECT" (no row count, as walsender sends). */
        void singleRowResult(List<Column> columns, String... values) throws IOException {
            rowDescription(columns);
            dataRow(values);
            commandComplete("SELECT");
        }

        void commandComplete(String tag) throws IOException {
            message('C', new Body().cstring(tag).bytes());
        }

        void readyForQuery() throws IOException {
            message('Z', new byte[] {'I'});
        }

        /** ErrorResponse 'E' (or NoticeResponse 'N'): (code byte, value\0)*, \0 — S, V, C, M, D, H. */
        void errorResponse(PgException e) throws IOException {
            String severity = e.severity().name();
            Body b = new Body();
            b.byte1('S').cstring(severity).byte1('V').cstring(severity);
            b.byte1('C').cstring(e.sqlState().code());
            b.byte1('M').cstring(e.getMessage() == null ? "" : e.getMessage());
            if (e.detail() != null) {
                b.byte1('D').cstring(e.detail());
            }
            if (e.hint() != null) {
                b.byte1('H').cstring(e.hint());
            }
            b.byte1(0);
            message('E', b.bytes());
        }

        /** CopyBothResponse 'W' / CopyOutResponse 'H': Int8 format 0, Int16 0 columns. */
        void copyResponse(char type) throws IOException {
            message(type, new byte[] {0, 0, 0});
        }

        void copyData(byte[] payload) throws IOException {
            message('d', payload);
        }

        void copyDone() throws IOException {
            message('c', new byte[0]);
        }

        void query(String sql) throws IOException {
            message('Q', new Body().cstring(sql).bytes());
        }

        void terminate() throws IOException {
            message('X', new byte[0]);
        }
    }

    /** A little builder of message bodies. */
    static final class Body {
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();

        Body byte1(int v) {
            buf.write(v);
            return this;
        }

        Body int16(int v) {
            buf.write(v >>> 8);
            buf.write(v);
            return this;
        }

        Body int32(int v) {
            buf.write(v >>> 24);
            buf.write(v >>> 16);
            buf.write(v >>> 8);
            buf.write(v);
            return this;
        }

        Body int64(long v) {
            int32((int) (v >>> 32));
            return int32((int) v);
        }

        Body cstring(String s) {
            buf.writeBytes(s.getBytes(StandardCharsets.UTF_8));
            buf.write(0);
            return this;
        }

        Body raw(byte[] bytes) {
            buf.writeBytes(bytes);
            return this;
        }

        byte[] bytes() {
            return buf.toByteArray();
        }
    }

    /** Wraps a raw stream for reading messages. */
    static DataInputStream input(InputStream in) {
        return in instanceof DataInputStream d ? d : new DataInputStream(new java.io.BufferedInputStream(in, 65536));
    }
}
