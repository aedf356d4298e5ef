package org.walden.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.walden.common.PgException;
import org.walden.common.SqlState;

/**
 * The first packet on a connection: an encryption request, a cancel request or a
 * StartupMessage. Layouts (no type byte; Int32 length counts itself):
 * <pre>
 * SSLRequest      Int32(8) Int32(80877103)
 * GSSENCRequest   Int32(8) Int32(80877104)
 * CancelRequest   Int32(16) Int32(80877102) Int32(backend pid) Int32(secret key)
 * StartupMessage  Int32(len) Int32(196608 = 3.0) { String(name) String(value) }* Byte1(0)
 * </pre>
 */
public sealed interface StartupPacket {

    /** SSLRequest: answered {@link PgProtocol#ENCRYPTION_REFUSED}, then a new packet follows. */
    record SslRequest() implements StartupPacket {
    }

    /** GSSENCRequest: answered {@link PgProtocol#ENCRYPTION_REFUSED}, then a new packet follows. */
    record GssEncRequest() implements StartupPacket {
    }

    /** CancelRequest: the connection closes after it, with no answer. */
    record CancelRequest(int backendPid, int secretKey) implements StartupPacket {
    }

    /** StartupMessage with protocol version and parameters in the order sent. */
    record StartupMessage(int protocolVersion, Map<String, String> parameters) implements StartupPacket {
        public StartupMessage {
            parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
        }

        public int majorVersion() {
            return protocolVersion >>> 16;
        }

        public int minorVersion() {
            return protocolVersion & 0xffff;
        }
    }

    /**
     * Decodes a startup packet body (after the length word). Raises 08P01 for a malformed
     * packet and 0A000 for an unsupported protocol version, with PostgreSQL's wording.
     */
    static StartupPacket decode(byte[] body) {
        Message.Reader r = new Message(' ', body).reader();
        int code = r.int32();
        switch (code) {
            case PgProtocol.SSL_REQUEST_CODE:
                return new SslRequest();
            case PgProtocol.GSSENC_REQUEST_CODE:
                return new GssEncRequest();
            case PgProtocol.CANCEL_REQUEST_CODE:
                if (body.length != 12) {
                    throw PgException.fatal(SqlState.PROTOCOL_VIOLATION, "invalid length of startup packet");
                }
                return new CancelRequest(r.int32(), r.int32());
            default:
                break;
        }
        int major = code >>> 16;
        int minor = code & 0xffff;
        // A 3.x client with x > 0 is served 3.0 (PostgreSQL would add NegotiateProtocolVersion).
        if (major != 3) {
            throw PgException.fatal(SqlState.FEATURE_NOT_SUPPORTED, String.format(
                    "unsupported frontend protocol %d.%d: server supports 3.0 to 3.0", major, minor));
        }
        return new StartupMessage(code, decodeParameters(body));
    }

    private static Map<String, String> decodeParameters(byte[] body) {
        Map<String, String> params = new LinkedHashMap<>();
        int pos = 4;
        while (pos < body.length && body[pos] != 0) {
            int nameEnd = indexOfNul(body, pos);
            int valueEnd = nameEnd < 0 ? -1 : indexOfNul(body, nameEnd + 1);
            if (valueEnd < 0) {
                throw PgException.fatal(SqlState.PROTOCOL_VIOLATION, "invalid startup packet layout: expected terminator as last byte");
            }
            params.put(new String(body, pos, nameEnd - pos, StandardCharsets.UTF_8),
                    new String(body, nameEnd + 1, valueEnd - nameEnd - 1, StandardCharsets.UTF_8));
            pos = valueEnd + 1;
        }
        if (pos != body.length - 1) {
            throw PgException.fatal(SqlState.PROTOCOL_VIOLATION,
                    "invalid startup packet layout: expected terminator as last byte");
        }
        return params;
    }

    private static int indexOfNul(byte[] b, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == 0) {
                return i;
            }
        }
        return -1;
    }
}
