package org.walden.protocol;

/**
 * The numbers of PostgreSQL's v3 wire protocol: startup request codes, authentication
 * request codes, message type bytes and size limits. Named as PostgreSQL's pqcomm.h and
 * protocol.h name them.
 */
public final class PgProtocol {

    private PgProtocol() {
    }

    /** Protocol version 3.0 in a StartupMessage: major 3 in the high 16 bits, minor 0. */
    public static final int PROTOCOL_3_0 = 196608;
    /** SSLRequest code (1234 << 16 | 5679). */
    public static final int SSL_REQUEST_CODE = 80877103;
    /** GSSENCRequest code (1234 << 16 | 5680). */
    public static final int GSSENC_REQUEST_CODE = 80877104;
    /** CancelRequest code (1234 << 16 | 5678). */
    public static final int CANCEL_REQUEST_CODE = 80877102;
    /** A startup packet longer than this is refused (PostgreSQL's MAX_STARTUP_PACKET_LENGTH). */
    public static final int MAX_STARTUP_PACKET_LENGTH = 10000;
    /** The answer to SSLRequest / GSSENCRequest when encryption is not offered. */
    public static final byte ENCRYPTION_REFUSED = 'N';

    /** Upper bound for an authentication-phase message (PostgreSQL: PG_MAX_AUTH_TOKEN_LENGTH). */
    public static final int MAX_AUTH_MESSAGE_LENGTH = 65535;
    /** Upper bound for ordinary messages (PostgreSQL: PQ_LARGE_MESSAGE_LIMIT, 1 GB - 1). */
    public static final int MAX_MESSAGE_LENGTH = 0x3fffffff;
    /** Upper bound for small control messages (Sync, Flush, Terminate, ...: PQ_SMALL_MESSAGE_LIMIT). */
    public static final int MAX_SMALL_MESSAGE_LENGTH = 10000;

    // Authentication request codes (the int32 after 'R').
    public static final int AUTH_REQ_OK = 0;
    public static final int AUTH_REQ_PASSWORD = 3;
    public static final int AUTH_REQ_MD5 = 5;
    public static final int AUTH_REQ_SASL = 10;
    public static final int AUTH_REQ_SASL_CONTINUE = 11;
    public static final int AUTH_REQ_SASL_FINAL = 12;

    /** The SASL mechanism offered on every connection. */
    public static final String SCRAM_SHA_256 = "SCRAM-SHA-256";
    /** SCRAM with tls-server-end-point channel binding, offered (first) on TLS connections. */
    public static final String SCRAM_SHA_256_PLUS = "SCRAM-SHA-256-PLUS";
    /** The answer to SSLRequest when TLS is offered: the handshake follows. */
    public static final byte ENCRYPTION_ACCEPTED = 'S';

    // Frontend (client to server) message types.
    public static final char F_BIND = 'B';
    public static final char F_CLOSE = 'C';
    public static final char F_COPY_DATA = 'd';
    public static final char F_COPY_DONE = 'c';
    public static final char F_COPY_FAIL = 'f';
    public static final char F_DESCRIBE = 'D';
    public static final char F_EXECUTE = 'E';
    public static final char F_FLUSH = 'H';
    public static final char F_FUNCTION_CALL = 'F';
    public static final char F_PARSE = 'P';
    /** PasswordMessage, SASLInitialResponse and SASLResponse share the type 'p'. */
    public static final char F_PASSWORD = 'p';
    public static final char F_QUERY = 'Q';
    public static final char F_SYNC = 'S';
    public static final char F_TERMINATE = 'X';

    // Backend (server to client) message types.
    public static final char B_AUTHENTICATION = 'R';
    public static final char B_BACKEND_KEY_DATA = 'K';
    public static final char B_BIND_COMPLETE = '2';
    public static final char B_CLOSE_COMPLETE = '3';
    public static final char B_COMMAND_COMPLETE = 'C';
    public static final char B_COPY_DATA = 'd';
    public static final char B_COPY_DONE = 'c';
    public static final char B_COPY_IN_RESPONSE = 'G';
    public static final char B_COPY_OUT_RESPONSE = 'H';
    public static final char B_COPY_BOTH_RESPONSE = 'W';
    public static final char B_DATA_ROW = 'D';
    public static final char B_EMPTY_QUERY_RESPONSE = 'I';
    public static final char B_ERROR_RESPONSE = 'E';
    public static final char B_NO_DATA = 'n';
    public static final char B_NOTICE_RESPONSE = 'N';
    public static final char B_NEGOTIATE_PROTOCOL_VERSION = 'v';
    public static final char B_NOTIFICATION_RESPONSE = 'A';
    public static final char B_PARAMETER_DESCRIPTION = 't';
    public static final char B_PARAMETER_STATUS = 'S';
    public static final char B_PARSE_COMPLETE = '1';
    public static final char B_PORTAL_SUSPENDED = 's';
    public static final char B_READY_FOR_QUERY = 'Z';
    public static final char B_ROW_DESCRIPTION = 'T';

    // ErrorResponse / NoticeResponse field codes.
    public static final char FIELD_SEVERITY = 'S';
    /** Severity, never localized (PostgreSQL 9.6+). */
    public static final char FIELD_SEVERITY_NONLOCALIZED = 'V';
    public static final char FIELD_SQLSTATE = 'C';
    public static final char FIELD_MESSAGE = 'M';
    public static final char FIELD_DETAIL = 'D';
    public static final char FIELD_CONTEXT = 'W';
    public static final char FIELD_HINT = 'H';
    public static final char FIELD_POSITION = 'P';
    public static final char FIELD_SCHEMA_NAME = 's';
    public static final char FIELD_TABLE_NAME = 't';
    public static final char FIELD_COLUMN_NAME = 'c';
    public static final char FIELD_DATA_TYPE_NAME = 'd';
    public static final char FIELD_CONSTRAINT_NAME = 'n';

    // ReadyForQuery transaction status.
    public static final char TX_IDLE = 'I';
    public static final char TX_IN_BLOCK = 'T';
    public static final char TX_FAILED = 'E';

    // Describe / Close targets.
    public static final char TARGET_STATEMENT = 'S';
    public static final char TARGET_PORTAL = 'P';

    /** Printable name of a message type for logs and errors. */
    public static String typeName(char type) {
        return Character.isLetterOrDigit(type) ? "'" + type + "'" : Integer.toString(type);
    }
}
