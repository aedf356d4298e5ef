package org.walden.sql.exec;

import java.util.ArrayList;
import java.util.List;

/**
 * A CTE's result shared by its readers (PostgreSQL's tuplestore behind CteScan): filled lazily
 * from the CTE's plan as the furthest reader needs rows, so a reader that stops early (LIMIT)
 * does not force the whole CTE to run. Held in memory; 53200 past work_mem.
 */
final class SharedRows {

    private final ExecNode source;
    private final List<Object[]> rows = new ArrayList<>();
    private final long limitBytes;
    private long bytes;
    private boolean done;

    SharedRows(ExecNode source, long limitBytes) {
        this.source = source;
        this.limitBytes = limitBytes;
    }

    /** Row {@code i} (0-based), reading more from the source as needed; null past the end. */
    Object[] get(int i) {
        while (i >= rows.size() && !done) {
            Object[] r = source.next();
            if (r == null) {
                done = true;
                source.close();
            } else {
                bytes += WorkMemory.rowBytes(r);
                if (bytes > limitBytes) {
                    throw WorkMemory.outOfMemory("A WITH query's result", limitBytes);
                }
                rows.add(r);
            }
        }
        return i < rows.size() ? rows.get(i) : null;
    }
}
