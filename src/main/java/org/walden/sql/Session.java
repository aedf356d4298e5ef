package org.walden.sql;

import java.util.List;
import java.util.function.Consumer;
import org.walden.common.PgException;
import org.walden.common.guc.SessionSettings;

/**
 * One client's SQL session: what a backend drives for the simple and the extended query
 * protocol. Used by one thread (the backend), except {@link #cancel()}.
 *
 * <p>Transactions: outside BEGIN ... COMMIT, the statements of one simple Query message, or
 * of the extended-protocol messages up to a Sync, run in one implicit transaction that
 * {@link #sync()} ends (commit, or rollback after an error). Inside a block that failed,
 * every statement but ROLLBACK / COMMIT / END raises 25P02.
 */
public interface Session extends AutoCloseable {

    /** Splits and parses a simple Query message's text: one Prepared per statement. */
    List<Prepared> parseSimple(String sql);

    /**
     * Parses one statement for the extended protocol. {@code paramTypeOids} may be shorter
     * than the parameters used, or hold 0s: those types are inferred from the context.
     */
    Prepared prepare(String sql, int[] paramTypeOids);

    /**
     * {@link #prepare} for the unnamed statement, which a session may answer with the statement
     * of an earlier Parse of the same text and parameter types while nothing it depends on has
     * changed (the same errors, columns and parameter types as parsing again).
     */
    default Prepared prepareUnnamed(String sql, int[] paramTypeOids) {
        return prepare(sql, paramTypeOids);
    }

    /**
     * Binds parameters (null element = SQL NULL) given in text (0) or binary (1) format:
     * {@code paramFormats} of length 0 means all text, length 1 means all that one.
     * {@code resultFormats} likewise for the result columns.
     */
    Portal bind(Prepared statement, byte[][] params, short[] paramFormats, short[] resultFormats);

    /** 'I' idle, 'T' in a transaction block, 'E' in a failed transaction block. */
    char transactionStatus();

    /** Ends the implicit transaction: commits it, or rolls it back after an error. */
    void sync();

    /** Asks the running statement to stop with 57014 (CancelRequest). Any thread. */
    void cancel();

    /** Session-level settings (SET/SHOW), with the server-wide values underneath. */
    SessionSettings settings();

    /** Where NOTICE and WARNING messages go (e.g. "there is no transaction in progress"). */
    void setNoticeSink(Consumer<PgException> sink);

    /**
     * The SQL cursor {@code name} (DECLARE) as a portal of the extended protocol — in PostgreSQL
     * a cursor is a named portal — or null when there is none.
     */
    default Portal cursorPortal(String name) {
        return null;
    }

    /** Closes the SQL cursor {@code name}, if there is one (the Close message for a portal). */
    default void closeCursorPortal(String name) {
    }

    /**
     * The next notification committed for this session's LISTENs, or null; the backend sends it
     * when idle outside a transaction block.
     */
    default Notifications.Notification pollNotification() {
        return null;
    }

    /**
     * The connection's client and server ends (inet_client_addr, inet_server_port, ...); null
     * for a Unix-domain socket, as PostgreSQL's functions answer NULL there.
     */
    default void setConnection(java.net.InetSocketAddress client, java.net.InetSocketAddress server) {
    }

    /** What to call (from any thread) when a notification for this session arrives. */
    default void setNotificationWakeup(Runnable wakeup) {
    }

    /** Rolls back whatever is open; releases locks. */
    @Override
    void close();

    /** How a session ended, as pg_stat_database counts it (PostgreSQL's SessionEndType). */
    enum EndCause { NORMAL, ABANDONED, FATAL, KILLED }

    /** The connection is ending for {@code cause} (before {@link #close}). */
    default void ended(EndCause cause) {
    }

    /** The session spent {@code micros} in {@code state} (pg_stat_activity's), for pg_stat_database's times. */
    default void stateTime(String state, long micros) {
    }
}
