package org.walden.sql.exec;

import org.walden.sql.catalog.TableDef;
import org.walden.txn.Transaction;

/** Hands out hidden row ids for tables without a primary key (one counter per table, engine-wide). */
public interface RowIds {

    /** The next unused row id of {@code table}; {@code txn} may be used to find the largest existing one. */
    long next(TableDef table, Transaction txn);
}
