package org.walden.sql;

import java.util.function.Consumer;

/**
 * A COPY ... TO STDOUT in progress (PostgreSQL's CopyTo with the frontend as destination). The
 * backend sends CopyOutResponse ({@link #binary()} as the overall format, {@link #columnCount()}
 * columns of that format), then {@link #run} hands it each CopyData payload as the rows come
 * from the query (one row per payload, as PostgreSQL sends them), and the backend ends with
 * CopyDone and CommandComplete with the returned tag. An error thrown aborts the transaction
 * like a statement error; the backend sends ErrorResponse instead of CopyDone.
 */
public interface CopyOut {

    boolean binary();

    int columnCount();

    /** Sends every CopyData payload to {@code sink} in order; returns "COPY n". */
    String run(Consumer<byte[]> sink);
}
