package org.walden.replication;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.protocol.BackendMessages;
import org.walden.protocol.FieldDescription;

/**
 * The walsender's side of the v3 protocol over plain streams: reading framed messages
 * ({@code Byte1 type, Int32 length (self included), body}) and writing them through the
 * shared encoders of {@code org.walden.protocol}, one whole message at a time. The server
 * hands a walsender InputStream/OutputStream, which the protocol package's PgStream (a
 * SocketChannel) does not wrap; so framing on the read side lives here.
 */
final class PgWire {

    /** Text, int4, int8 and oid type OIDs with their typlen, as RowDescription carries them. */
    static final Column.Type TEXT = new Column.Type(25, -1);
    static final Column.Type INT4 = new Column.Type(23, 4);
    static final Column.Type INT8 = new Column.Type(20, 8);
    /** BASE_BACKUP's tli columns say int8 with typlen -1 (basebackup_copy.c), and so do we. */
    static final Column.Type INT8_VARLEN = new Column.Type(20, -1);
    static final Column.Type OID = new Column.Type(26, 4);

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

    /**
     * Writes messages to one stream, encoded by the shared codec
     * ({@link org.walden.protocol.BackendMessages}); its lock makes each message atomic when a
     * reader thread and a sending thread share the stream. flush() pushes them out.
     */
    static final class Writer {
        private final OutputStream out;
        /** Guards {@link #out}: one message at a time. */
        private final ReentrantLock lock = new ReentrantLock();

        Writer(OutputStream out) {
            this.out = out;
        }

        /** Writes one whole frame (type byte, length, body). */
        void frame(byte[] frame) throws IOException {
            lock.lock();
            try {
                out.write(frame);
            } finally {
                lock.unlock();
            }
        }

        void message(char type, byte[] body) throws IOException {
            byte[] frame = new byte[5 + body.length];
            frame[0] = (byte) type;
            int len = body.length + 4;
            frame[1] = (byte) (len >>> 24);
            frame[2] = (byte) (len >>> 16);
            frame[3] = (byte) (len >>> 8);
            frame[4] = (byte) len;
            System.arraycopy(body, 0, frame, 5, body.length);
            frame(frame);
        }

        void flush() throws IOException {
            lock.lock();
            try {
                out.flush();
            } finally {
                lock.unlock();
            }
        }

        /** RowDescription 'T' (table 0, attnum 0, typmod -1, text format). */
        void rowDescription(List<Column> columns) throws IOException {
            List<FieldDescription> fields = new java.util.ArrayList<>();
            for (Column c : columns) {
                fields.add(FieldDescription.text(c.name(), c.type().oid(), (short) c.type().typlen()));
            }
            frame(BackendMessages.rowDescription(fields));
        }

        /** DataRow 'D' of text values (null = SQL NULL). */
        void dataRow(String... values) throws IOException {
            byte[][] raw = new byte[values.length][];
            for (int i = 0; i < values.length; i++) {
                raw[i] = values[i] == null ? null : values[i].getBytes(StandardCharsets.UTF_8);
            }
            frame(BackendMessages.dataRow(raw));
        }

        /** A one-row result set: RowDescription, DataRow, CommandComplete "SELECT" (no row count, as walsender sends). */
        void singleRowResult(List<Column> columns, String... values) throws IOException {
            rowDescription(columns);
            dataRow(values);
            commandComplete("SELECT");
        }

        void commandComplete(String tag) throws IOException {
            frame(BackendMessages.commandComplete(tag));
        }

        void readyForQuery() throws IOException {
            frame(BackendMessages.readyForQuery('I'));
        }

        /** ErrorResponse 'E': S, V, C, M, D, H. */
        void errorResponse(PgException e) throws IOException {
            frame(BackendMessages.errorResponse(e));
        }

        /** CopyBothResponse 'W' / CopyOutResponse 'H': format 0, 0 columns. */
        void copyResponse(char type) throws IOException {
            frame(type == 'W' ? BackendMessages.copyBothResponse(0, new short[0])
                    : BackendMessages.copyOutResponse(0, new short[0]));
        }

        void copyData(byte[] payload) throws IOException {
            frame(BackendMessages.copyData(payload));
        }

        void copyDone() throws IOException {
            frame(BackendMessages.copyDone());
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
