package org.walden.sql;

/**
 * A COPY ... FROM STDIN in progress (PostgreSQL's CopyFrom with the frontend as source). The
 * backend sends CopyInResponse (text format, {@link #columnCount()} columns of format 0),
 * passes each CopyData payload to {@link #data}, and ends with {@link #done()} on CopyDone
 * (CommandComplete with the returned tag) or {@link #fail} on CopyFail. Any error thrown
 * aborts the transaction like a statement error; the backend then discards CopyData until
 * CopyDone/CopyFail, as PostgreSQL does.
 */
public interface CopyIn {

    int columnCount();

    /** Whether the copy reads PostgreSQL's binary format (CopyInResponse's overall format 1). */
    default boolean binary() {
        return false;
    }

    /** One CopyData payload: any slice of the text stream (rows may span payloads). */
    void data(byte[] chunk);

    /** CopyDone: checks the last row, returns "COPY n". */
    String done();

    /** CopyFail from the client: raises 57014 "COPY from stdin failed: message". */
    void fail(String message);
}
