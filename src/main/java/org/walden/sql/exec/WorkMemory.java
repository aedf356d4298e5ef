package org.walden.sql.exec;

import java.math.BigDecimal;
import java.util.List;
import org.walden.common.PgException;
import org.walden.common.SqlState;

/**
 * Memory accounting for the nodes that hold rows (sort, hash join, hash aggregation, window,
 * materialize): roughly how many bytes a row takes on the heap, and the 53200 error a node
 * raises when it cannot spill and would exceed its limit.
 */
public final class WorkMemory {

    private WorkMemory() {
    }

    /** An estimate of the heap bytes of a row of values. */
    public static long rowBytes(Object[] row) {
        long n = 16L + 8L * row.length;
        for (Object v : row) {
            n += valueBytes(v);
        }
        return n;
    }

    static long valueBytes(Object v) {
        if (v == null) {
            return 0;
        }
        if (v instanceof String s) {
            return 40L + 2L * s.length();
        }
        if (v instanceof byte[] b) {
            return 16L + b.length;
        }
        if (v instanceof BigDecimal b) {
            return 48L + b.precision() / 2;
        }
        if (v instanceof List<?> l) {
            long n = 24L + 8L * l.size();
            for (Object o : l) {
                n += valueBytes(o);
            }
            return n;
        }
        return 16;
    }

    /** 53200 for a node over its limit that cannot spill. */
    public static PgException outOfMemory(String what, long limitBytes) {
        return new PgException(SqlState.OUT_OF_MEMORY, "out of memory").withDetail(what + " needs more than "
                + (limitBytes / 1024) + " kB of work_mem and cannot spill to disk.")
                .withHint("Increase work_mem or rewrite the query to need less memory.");
    }
}
