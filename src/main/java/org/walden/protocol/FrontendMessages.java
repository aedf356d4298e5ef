package org.walden.protocol;

import static org.walden.protocol.PgProtocol.*;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Encoders for frontend (client to server) messages, used by {@link PgClient} and by tests,
 * and decoders for the ones a backend reads. Layouts as in the protocol documentation;
 * notation as in {@link BackendMessages}.
 */
public final class FrontendMessages {

    private FrontendMessages() {
    }

    /** Parse: a statement name ("" = unnamed), its text and the declared parameter type OIDs (0 = infer). */
    public record Parse(String statementName, String query, int[] paramTypeOids) {
    }

    /** Bind: portal and statement names, parameter formats and values (null = NULL), result formats. */
    public record Bind(String portalName, String statementName, short[] paramFormats, byte[][] params,
                       short[] resultFormats) {
    }

    /** Describe or Close: target 'S' (statement) or 'P' (portal) and its name. */
    public record Target(char kind, String name) {
    }

    /** Execute: portal name and row limit (0 = no limit). */
    public record Execute(String portalName, int maxRows) {
    }

    // ------------------------------------------------------------------ startup phase

    /** SSLRequest: Int32(8) Int32(80877103). */
    public static byte[] sslRequest() {
        return MessageBuilder.untyped().int32(SSL_REQUEST_CODE).build();
    }

    /** GSSENCRequest: Int32(8) Int32(80877104). */
    public static byte[] gssEncRequest() {
        return MessageBuilder.untyped().int32(GSSENC_REQUEST_CODE).build();
    }

    /** CancelRequest: Int32(16) Int32(80877102) Int32(backend pid) Int32(secret key). */
    public static byte[] cancelRequest(int pid, int secretKey) {
        return MessageBuilder.untyped().int32(CANCEL_REQUEST_CODE).int32(pid).int32(secretKey).build();
    }

    /** StartupMessage: Int32(len) Int32(196608) { String(name) String(value) }* Byte1(0). */
    public static byte[] startupMessage(Map<String, String> parameters) {
        MessageBuilder b = MessageBuilder.untyped().int32(PROTOCOL_3_0);
        parameters.forEach((k, v) -> b.cstring(k).cstring(v));
        return b.int8(0).build();
    }

    /** PasswordMessage: Byte1('p') Int32(len) String(password, or "md5" + 32 hex digits). */
    public static byte[] passwordMessage(String password) {
        return MessageBuilder.typed(F_PASSWORD).cstring(password).build();
    }

    /**
     * SASLInitialResponse: Byte1('p') Int32(len) String(mechanism) Int32(length of data, -1
     * for none) Byten(client-first-message).
     */
    public static byte[] saslInitialResponse(String mechanism, byte[] data) {
        MessageBuilder b = MessageBuilder.typed(F_PASSWORD).cstring(mechanism);
        if (data == null) {
            return b.int32(-1).build();
        }
        return b.int32(data.length).bytes(data).build();
    }

    /** SASLResponse: Byte1('p') Int32(len) Byten(client-final-message). */
    public static byte[] saslResponse(byte[] data) {
        return MessageBuilder.typed(F_PASSWORD).bytes(data).build();
    }

    // ------------------------------------------------------------------ queries

    /** Query: Byte1('Q') Int32(len) String(query text, possibly several statements). */
    public static byte[] query(String sql) {
        return MessageBuilder.typed(F_QUERY).cstring(sql).build();
    }

    /** Parse: Byte1('P') Int32(len) String(statement) String(query) Int16(n) { Int32(type OID) }*n. */
    public static byte[] parse(String statementName, String sql, int[] paramTypeOids) {
        MessageBuilder b = MessageBuilder.typed(F_PARSE).cstring(statementName).cstring(sql)
                .int16(paramTypeOids.length);
        for (int oid : paramTypeOids) {
            b.int32(oid);
        }
        return b.build();
    }

    /**
     * Bind: Byte1('B') Int32(len) String(portal) String(statement) Int16(n) { Int16(format) }*n
     * Int16(m) { Int32(length, -1 = NULL) Byten(value) }*m Int16(r) { Int16(result format) }*r.
     */
    public static byte[] bind(String portal, String statement, short[] paramFormats, byte[][] params,
                              short[] resultFormats) {
        MessageBuilder b = MessageBuilder.typed(F_BIND).cstring(portal).cstring(statement)
                .int16(paramFormats.length);
        for (short f : paramFormats) {
            b.int16(f);
        }
        b.int16(params.length);
        for (byte[] p : params) {
            if (p == null) {
                b.int32(-1);
            } else {
                b.int32(p.length).bytes(p);
            }
        }
        b.int16(resultFormats.length);
        for (short f : resultFormats) {
            b.int16(f);
        }
        return b.build();
    }

    /** Describe: Byte1('D') Int32(len) Byte1('S' or 'P') String(name). */
    public static byte[] describe(char kind, String name) {
        return MessageBuilder.typed(F_DESCRIBE).int8(kind).cstring(name).build();
    }

    /** Execute: Byte1('E') Int32(len) String(portal) Int32(max rows, 0 = all). */
    public static byte[] execute(String portal, int maxRows) {
        return MessageBuilder.typed(F_EXECUTE).cstring(portal).int32(maxRows).build();
    }

    /** Close: Byte1('C') Int32(len) Byte1('S' or 'P') String(name). */
    public static byte[] close(char kind, String name) {
        return MessageBuilder.typed(F_CLOSE).int8(kind).cstring(name).build();
    }

    /** Sync: Byte1('S') Int32(4). */
    public static byte[] sync() {
        return MessageBuilder.typed(F_SYNC).build();
    }

    /** Flush: Byte1('H') Int32(4). */
    public static byte[] flush() {
        return MessageBuilder.typed(F_FLUSH).build();
    }

    /** Terminate: Byte1('X') Int32(4). */
    public static byte[] terminate() {
        return MessageBuilder.typed(F_TERMINATE).build();
    }

    /** CopyData: Byte1('d') Int32(len) Byten(data). */
    public static byte[] copyData(byte[] data) {
        return BackendMessages.copyData(data);
    }

    /** CopyDone: Byte1('c') Int32(4). */
    public static byte[] copyDone() {
        return MessageBuilder.typed(F_COPY_DONE).build();
    }

    /** CopyFail: Byte1('f') Int32(len) String(error message). */
    public static byte[] copyFail(String message) {
        return MessageBuilder.typed(F_COPY_FAIL).cstring(message).build();
    }

    // ------------------------------------------------------------------ decoders (server side)

    public static String decodeQuery(Message m) {
        Message.Reader r = m.reader();
        String sql = r.cstring();
        r.end();
        return sql;
    }

    public static Parse decodeParse(Message m) {
        Message.Reader r = m.reader();
        String name = r.cstring();
        String sql = r.cstring();
        int n = r.int16() & 0xffff;
        int[] oids = new int[n];
        for (int i = 0; i < n; i++) {
            oids[i] = r.int32();
        }
        r.end();
        return new Parse(name, sql, oids);
    }

    public static Bind decodeBind(Message m) {
        Message.Reader r = m.reader();
        String portal = r.cstring();
        String statement = r.cstring();
        short[] paramFormats = new short[r.int16() & 0xffff];
        for (int i = 0; i < paramFormats.length; i++) {
            paramFormats[i] = r.int16();
        }
        byte[][] params = new byte[r.int16() & 0xffff][];
        for (int i = 0; i < params.length; i++) {
            int len = r.int32();
            params[i] = len == -1 ? null : r.bytes(len);
        }
        short[] resultFormats = new short[r.int16() & 0xffff];
        for (int i = 0; i < resultFormats.length; i++) {
            resultFormats[i] = r.int16();
        }
        r.end();
        return new Bind(portal, statement, paramFormats, params, resultFormats);
    }

    /** Describe or Close. */
    public static Target decodeTarget(Message m) {
        Message.Reader r = m.reader();
        char kind = (char) r.int8();
        String name = r.cstring();
        r.end();
        return new Target(kind, name);
    }

    public static Execute decodeExecute(Message m) {
        Message.Reader r = m.reader();
        String portal = r.cstring();
        int maxRows = r.int32();
        r.end();
        return new Execute(portal, maxRows);
    }

    /** A cleartext or md5 PasswordMessage's string. */
    public static String decodePassword(Message m) {
        Message.Reader r = m.reader();
        String pw = r.cstring();
        r.end();
        return pw;
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
