package org.walden.protocol;

import static org.walden.protocol.PgProtocol.*;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.walden.common.PgException;
import org.walden.common.SqlState;

/**
 * Encoders for every backend (server to client) message Walden sends, each with its byte
 * layout from the protocol documentation ("Message Formats", PostgreSQL 15 docs 55.7), and
 * the decoders a client needs. Notation: Byte1('R') a type byte; Int32 / Int16 big-endian
 * integers; String a NUL-terminated UTF-8 string; Byten raw bytes. The Int32 length counts
 * itself and the body, not the type byte.
 */
public final class BackendMessages {

    private BackendMessages() {
    }

    // ------------------------------------------------------------------ authentication

    /** AuthenticationOk: Byte1('R') Int32(8) Int32(0). */
    public static byte[] authenticationOk() {
        return MessageBuilder.typed(B_AUTHENTICATION).int32(AUTH_REQ_OK).build();
    }

    /** AuthenticationCleartextPassword: Byte1('R') Int32(8) Int32(3). */
    public static byte[] authenticationCleartextPassword() {
        return MessageBuilder.typed(B_AUTHENTICATION).int32(AUTH_REQ_PASSWORD).build();
    }

    /** AuthenticationMD5Password: Byte1('R') Int32(12) Int32(5) Byte4(salt). */
    public static byte[] authenticationMd5Password(byte[] salt) {
        if (salt.length != 4) {
            throw new IllegalArgumentException("md5 salt is 4 bytes");
        }
        return MessageBuilder.typed(B_AUTHENTICATION).int32(AUTH_REQ_MD5).bytes(salt).build();
    }

    /**
     * AuthenticationSASL: Byte1('R') Int32(len) Int32(10) { String(mechanism) }* Byte1(0).
     * PostgreSQL 15 without TLS: "SCRAM-SHA-256\0\0".
     */
    public static byte[] authenticationSasl(List<String> mechanisms) {
        MessageBuilder b = MessageBuilder.typed(B_AUTHENTICATION).int32(AUTH_REQ_SASL);
        for (String m : mechanisms) {
            b.cstring(m);
        }
        return b.int8(0).build();
    }

    /** AuthenticationSASLContinue: Byte1('R') Int32(len) Int32(11) Byten(server-first-message). */
    public static byte[] authenticationSaslContinue(byte[] data) {
        return MessageBuilder.typed(B_AUTHENTICATION).int32(AUTH_REQ_SASL_CONTINUE).bytes(data).build();
    }

    /** AuthenticationSASLFinal: Byte1('R') Int32(len) Int32(12) Byten(server-final-message). */
    public static byte[] authenticationSaslFinal(byte[] data) {
        return MessageBuilder.typed(B_AUTHENTICATION).int32(AUTH_REQ_SASL_FINAL).bytes(data).build();
    }

    // ------------------------------------------------------------------ session start

    /** ParameterStatus: Byte1('S') Int32(len) String(name) String(value). */
    public static byte[] parameterStatus(String name, String value) {
        return MessageBuilder.typed(B_PARAMETER_STATUS).cstring(name).cstring(value).build();
    }

    /** BackendKeyData: Byte1('K') Int32(12) Int32(process id) Int32(secret key). */
    public static byte[] backendKeyData(int pid, int secretKey) {
        return MessageBuilder.typed(B_BACKEND_KEY_DATA).int32(pid).int32(secretKey).build();
    }

    /** ReadyForQuery: Byte1('Z') Int32(5) Byte1(status: 'I' idle, 'T' in block, 'E' failed block). */
    public static byte[] readyForQuery(char transactionStatus) {
        if (transactionStatus != TX_IDLE && transactionStatus != TX_IN_BLOCK && transactionStatus != TX_FAILED) {
            throw new IllegalArgumentException("transaction status " + transactionStatus);
        }
        return new byte[] {(byte) B_READY_FOR_QUERY, 0, 0, 0, 5, (byte) transactionStatus};
    }

    /**
     * NegotiateProtocolVersion: Byte1('v') Int32(len) Int32(newest minor version supported)
     * Int32(number of unrecognized protocol options) { String(option name) }*. Sent when a
     * client asks for 3.x, x &gt; 0, or sends "_pq_." options.
     */
    public static byte[] negotiateProtocolVersion(int newestMinorVersion, List<String> unrecognizedOptions) {
        MessageBuilder b = MessageBuilder.typed(B_NEGOTIATE_PROTOCOL_VERSION).int32(newestMinorVersion)
                .int32(unrecognizedOptions.size());
        for (String o : unrecognizedOptions) {
            b.cstring(o);
        }
        return b.build();
    }

    // ------------------------------------------------------------------ query results

    /**
     * RowDescription: Byte1('T') Int32(len) Int16(field count), then per field: String(name)
     * Int32(table OID or 0) Int16(column attnum or 0) Int32(type OID) Int16(type size,
     * negative = variable) Int32(type modifier) Int16(format code: 0 text, 1 binary).
     */
    public static byte[] rowDescription(List<FieldDescription> fields) {
        MessageBuilder b = MessageBuilder.typed(B_ROW_DESCRIPTION).int16(fields.size());
        for (FieldDescription f : fields) {
            b.cstring(f.name()).int32(f.tableOid()).int16(f.columnNumber()).int32(f.typeOid())
                    .int16(f.typeSize()).int32(f.typeModifier()).int16(f.format());
        }
        return b.build();
    }

    /**
     * DataRow: Byte1('D') Int32(len) Int16(column count), then per column: Int32(value
     * length, -1 for NULL) Byten(value, in the column's format).
     */
    public static byte[] dataRow(byte[][] values) {
        int size = 2;
        for (byte[] v : values) {
            size += 4 + (v == null ? 0 : v.length);
        }
        byte[] frame = new byte[5 + size];
        frame[0] = (byte) B_DATA_ROW;
        putInt32(frame, 1, size + 4);
        frame[5] = (byte) (values.length >>> 8);
        frame[6] = (byte) values.length;
        int pos = 7;
        for (byte[] v : values) {
            if (v == null) {
                putInt32(frame, pos, -1);
                pos += 4;
            } else {
                putInt32(frame, pos, v.length);
                System.arraycopy(v, 0, frame, pos + 4, v.length);
                pos += 4 + v.length;
            }
        }
        return frame;
    }

    /** CommandComplete: Byte1('C') Int32(len) String(command tag, e.g. "SELECT 1", "INSERT 0 1"). */
    public static byte[] commandComplete(String tag) {
        byte[] text = tag.getBytes(StandardCharsets.UTF_8);
        byte[] frame = new byte[6 + text.length]; // one per statement: written without a MessageBuilder
        frame[0] = (byte) B_COMMAND_COMPLETE;
        putInt32(frame, 1, 5 + text.length);
        System.arraycopy(text, 0, frame, 5, text.length);
        return frame;
    }

    /** A message of no body: Byte1(type) Int32(4). */
    private static byte[] bodiless(char type) {
        return new byte[] {(byte) type, 0, 0, 0, 4};
    }

    /** EmptyQueryResponse: Byte1('I') Int32(4). Replaces CommandComplete for an empty query. */
    public static byte[] emptyQueryResponse() {
        return bodiless(B_EMPTY_QUERY_RESPONSE);
    }

    /**
     * ErrorResponse: Byte1('E') Int32(len) { Byte1(field code) String(value) }* Byte1(0).
     * Walden sends, in PostgreSQL's order: S severity (localized), V severity, C SQLSTATE,
     * M message, D detail, H hint, P position (decimal, 1-based), s schema, t table, c column,
     * d data type, n constraint.
     */
    public static byte[] errorResponse(ErrorFields fields) {
        return noticeOrError(B_ERROR_RESPONSE, fields);
    }

    /** ErrorResponse for an exception (its severity, SQLSTATE, message, detail and hint). */
    public static byte[] errorResponse(PgException e) {
        return errorResponse(ErrorFields.of(e));
    }

    /** NotificationResponse: Byte1('A') Int32(len) Int32(sender's pid) String(channel) String(payload). */
    public static byte[] notificationResponse(int senderPid, String channel, String payload) {
        return MessageBuilder.typed(B_NOTIFICATION_RESPONSE).int32(senderPid).cstring(channel).cstring(payload).build();
    }

    /** NoticeResponse: Byte1('N') Int32(len), then fields exactly as ErrorResponse. */
    public static byte[] noticeResponse(ErrorFields fields) {
        return noticeOrError(B_NOTICE_RESPONSE, fields);
    }

    private static byte[] noticeOrError(char type, ErrorFields f) {
        MessageBuilder b = MessageBuilder.typed(type);
        b.int8(FIELD_SEVERITY).cstring(f.severity());
        b.int8(FIELD_SEVERITY_NONLOCALIZED).cstring(f.severity());
        b.int8(FIELD_SQLSTATE).cstring(f.sqlState());
        b.int8(FIELD_MESSAGE).cstring(f.message());
        if (f.detail() != null) {
            b.int8(FIELD_DETAIL).cstring(f.detail());
        }
        if (f.hint() != null) {
            b.int8(FIELD_HINT).cstring(f.hint());
        }
        if (f.position() > 0) {
            b.int8(FIELD_POSITION).cstring(Integer.toString(f.position()));
        }
        if (f.context() != null) {
            b.int8(FIELD_CONTEXT).cstring(f.context());
        }
        PgException.ErrorObject o = f.object();
        if (o != null) {
            optionalField(b, FIELD_SCHEMA_NAME, o.schema());
            optionalField(b, FIELD_TABLE_NAME, o.table());
            optionalField(b, FIELD_COLUMN_NAME, o.column());
            optionalField(b, FIELD_DATA_TYPE_NAME, o.dataType());
            optionalField(b, FIELD_CONSTRAINT_NAME, o.constraint());
        }
        return b.int8(0).build();
    }

    private static void optionalField(MessageBuilder b, char code, String value) {
        if (value != null) {
            b.int8(code).cstring(value);
        }
    }

    // ------------------------------------------------------------------ extended protocol

    /** ParseComplete: Byte1('1') Int32(4). */
    public static byte[] parseComplete() {
        return bodiless(B_PARSE_COMPLETE);
    }

    /** BindComplete: Byte1('2') Int32(4). */
    public static byte[] bindComplete() {
        return bodiless(B_BIND_COMPLETE);
    }

    /** CloseComplete: Byte1('3') Int32(4). */
    public static byte[] closeComplete() {
        return bodiless(B_CLOSE_COMPLETE);
    }

    /** NoData: Byte1('n') Int32(4). Describe of a statement or portal that returns no rows. */
    public static byte[] noData() {
        return bodiless(B_NO_DATA);
    }

    /** ParameterDescription: Byte1('t') Int32(len) Int16(parameter count) { Int32(type OID) }*. */
    public static byte[] parameterDescription(int[] typeOids) {
        MessageBuilder b = MessageBuilder.typed(B_PARAMETER_DESCRIPTION).int16(typeOids.length);
        for (int oid : typeOids) {
            b.int32(oid);
        }
        return b.build();
    }

    /** PortalSuspended: Byte1('s') Int32(4). Execute's row limit was reached. */
    public static byte[] portalSuspended() {
        return bodiless(B_PORTAL_SUSPENDED);
    }

    // ------------------------------------------------------------------ COPY

    /**
     * CopyInResponse: Byte1('G') Int32(len) Int8(overall format: 0 text, 1 binary)
     * Int16(column count) { Int16(column format) }*.
     */
    public static byte[] copyInResponse(int overallFormat, short[] columnFormats) {
        return copyResponse(B_COPY_IN_RESPONSE, overallFormat, columnFormats);
    }

    /** CopyOutResponse: Byte1('H') Int32(len), then as CopyInResponse. BASE_BACKUP: format 0, 0 columns. */
    public static byte[] copyOutResponse(int overallFormat, short[] columnFormats) {
        return copyResponse(B_COPY_OUT_RESPONSE, overallFormat, columnFormats);
    }

    /** CopyBothResponse: Byte1('W') Int32(len), then as CopyInResponse. START_REPLICATION: format 0, 0 columns. */
    public static byte[] copyBothResponse(int overallFormat, short[] columnFormats) {
        return copyResponse(B_COPY_BOTH_RESPONSE, overallFormat, columnFormats);
    }

    private static byte[] copyResponse(char type, int overallFormat, short[] columnFormats) {
        MessageBuilder b = MessageBuilder.typed(type).int8(overallFormat).int16(columnFormats.length);
        for (short f : columnFormats) {
            b.int16(f);
        }
        return b.build();
    }

    /** CopyData: Byte1('d') Int32(len) Byten(data). Same layout in both directions. */
    public static byte[] copyData(byte[] data) {
        return copyData(data, 0, data.length);
    }

    /** CopyData over a slice of {@code data}. */
    public static byte[] copyData(byte[] data, int offset, int length) {
        byte[] frame = new byte[5 + length];
        frame[0] = (byte) B_COPY_DATA;
        putInt32(frame, 1, length + 4);
        System.arraycopy(data, offset, frame, 5, length);
        return frame;
    }

    /** CopyDone: Byte1('c') Int32(4). Same layout in both directions. */
    public static byte[] copyDone() {
        return MessageBuilder.typed(B_COPY_DONE).build();
    }

    // ------------------------------------------------------------------ decoders (client side)

    /** The fields of an ErrorResponse or NoticeResponse, by field code, in the order sent. */
    public static Map<Character, String> decodeErrorFields(Message m) {
        Message.Reader r = m.reader();
        Map<Character, String> fields = new LinkedHashMap<>();
        while (true) {
            int code = r.int8();
            if (code == 0) {
                return fields;
            }
            fields.put((char) code, r.cstring());
        }
    }

    /** An ErrorResponse as an exception: a {@link PgServerError} with every field kept. */
    public static PgServerError decodeError(Message m) {
        return PgServerError.of(decodeErrorFields(m));
    }

    public static List<FieldDescription> decodeRowDescription(Message m) {
        Message.Reader r = m.reader();
        int n = r.int16();
        List<FieldDescription> fields = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            fields.add(new FieldDescription(r.cstring(), r.int32(), r.int16(), r.int32(), r.int16(), r.int32(),
                    r.int16()));
        }
        return fields;
    }

    /** DataRow values; null elements are SQL NULLs. */
    public static byte[][] decodeDataRow(Message m) {
        Message.Reader r = m.reader();
        int n = r.int16();
        byte[][] values = new byte[n][];
        for (int i = 0; i < n; i++) {
            int len = r.int32();
            values[i] = len < 0 ? null : r.bytes(len);
        }
        return values;
    }

    /** The command tag of a CommandComplete. */
    public static String decodeCommandComplete(Message m) {
        return m.reader().cstring();
    }

    static String utf8(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    /** Raises 08P01 unless {@code m} has the expected type. */
    static void expect(Message m, char type) {
        if (m.type() != type) {
            throw new PgException(SqlState.PROTOCOL_VIOLATION,
                    "unexpected message type " + typeName(m.type()) + ", expected " + typeName(type));
        }
    }

    private static void putInt32(byte[] b, int pos, int v) {
        b[pos] = (byte) (v >>> 24);
        b[pos + 1] = (byte) (v >>> 16);
        b[pos + 2] = (byte) (v >>> 8);
        b[pos + 3] = (byte) v;
    }
}
