package org.walden.sql;

import java.util.List;

/** A bound statement ready to run (PostgreSQL's portal). */
public interface Portal {

    /** The result columns with their output formats, or null if it returns no rows. */
    List<ColumnDesc> columns();

    /**
     * Runs (or resumes) the statement, sending at most {@code maxRows} rows (0 = all) to
     * {@code sink}, values already encoded in each column's format (null = SQL NULL).
     */
    Completion execute(int maxRows, RowSink sink);

    /**
     * Non-null when this portal is COPY ... FROM STDIN: the backend starts it with this
     * instead of {@link #execute} (see {@link CopyIn}). Added by the sql layer; null for
     * every other statement.
     */
    default CopyIn copyIn() {
        return null;
    }

    /**
     * Non-null when this portal is COPY ... TO STDOUT: the backend runs it with this instead of
     * {@link #execute} (see {@link CopyOut}); null for every other statement.
     */
    default CopyOut copyOut() {
        return null;
    }

    /** The outcome of one Execute: the CommandComplete tag, or suspended (PortalSuspended). */
    record Completion(String commandTag, boolean suspended) {
    }

    /** Receives DataRow contents. */
    @FunctionalInterface
    interface RowSink {
        void row(byte[][] values);
    }
}
