package org.walden.protocol;

import java.nio.charset.StandardCharsets;
import org.walden.common.PgException;
import org.walden.common.SqlState;

/**
 * One received typed message: its type byte and its body (the bytes after the length word).
 * {@link #reader()} decodes the body field by field.
 */
public record Message(char type, byte[] body) {

    public Reader reader() {
        return new Reader(type, body);
    }

    /**
     * Sequential decoder over a message body. A field that runs past the end raises 08P01,
     * as PostgreSQL's pq_getmsg* functions do ("insufficient data left in message").
     */
    public static final class Reader {
        private final char type;
        private final byte[] data;
        private int pos;

        Reader(char type, byte[] data) {
            this.type = type;
            this.data = data;
        }

        public int remaining() {
            return data.length - pos;
        }

        public int int8() {
            need(1);
            return data[pos++] & 0xff;
        }

        public short int16() {
            need(2);
            short v = (short) (((data[pos] & 0xff) << 8) | (data[pos + 1] & 0xff));
            pos += 2;
            return v;
        }

        public int int32() {
            need(4);
            int v = ((data[pos] & 0xff) << 24) | ((data[pos + 1] & 0xff) << 16)
                    | ((data[pos + 2] & 0xff) << 8) | (data[pos + 3] & 0xff);
            pos += 4;
            return v;
        }

        public long int64() {
            long high = int32() & 0xffffffffL;
            long low = int32() & 0xffffffffL;
            return (high << 32) | low;
        }

        /** A NUL-terminated UTF-8 string. */
        public String cstring() {
            int end = pos;
            while (end < data.length && data[end] != 0) {
                end++;
            }
            if (end >= data.length) {
                throw new PgException(SqlState.PROTOCOL_VIOLATION, "invalid string in message");
            }
            String s = new String(data, pos, end - pos, StandardCharsets.UTF_8);
            pos = end + 1;
            return s;
        }

        public byte[] bytes(int length) {
            if (length < 0) {
                throw new PgException(SqlState.PROTOCOL_VIOLATION, "insufficient data left in message");
            }
            need(length);
            byte[] out = new byte[length];
            System.arraycopy(data, pos, out, 0, length);
            pos += length;
            return out;
        }

        /** Everything not yet read. */
        public byte[] rest() {
            return bytes(remaining());
        }

        /** PostgreSQL's pq_getmsgend: trailing bytes are a protocol violation. */
        public void end() {
            if (pos != data.length) {
                throw new PgException(SqlState.PROTOCOL_VIOLATION,
                        "invalid message format");
            }
        }

        private void need(int n) {
            if (data.length - pos < n) {
                throw new PgException(SqlState.PROTOCOL_VIOLATION, "insufficient data left in message");
            }
        }

        @Override
        public String toString() {
            return "Reader[" + PgProtocol.typeName(type) + " at " + pos + "/" + data.length + "]";
        }
    }
}
