package org.walden.txn;

import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.storage.UnloggedRanges;

/**
 * pg_class.relpersistence as storage sees it: a relation's rows live under its relfilenode, and
 * the relfilenode of an unlogged or temporary relation carries that in its top byte (see
 * {@link UnloggedRanges}), so the commit path knows from a key alone that it is not WAL-logged.
 * A permanent relation's relfilenode is a plain OID.
 */
public final class RelPersistence {

    public static final char PERMANENT = 'p';
    public static final char UNLOGGED = 'u';
    public static final char TEMPORARY = 't';

    /** The keyspace of temporary objects' catalog records (see {@link UnloggedRanges#LOCAL_CATALOG}). */
    public static final byte LOCAL_CATALOG_KEYSPACE = UnloggedRanges.LOCAL_CATALOG;

    private static final int OID_MASK = 0x00FF_FFFF;

    private RelPersistence() {
    }

    /** The relfilenode for fresh storage numbered {@code oid} of a relation of that persistence. */
    public static int relfilenode(int oid, char persistence) {
        if (persistence == PERMANENT) {
            return oid;
        }
        if ((oid & ~OID_MASK) != 0) {
            throw new PgException(SqlState.PROGRAM_LIMIT_EXCEEDED, "cannot allocate storage for an unlogged or "
                    + "temporary relation: OID " + Integer.toUnsignedString(oid) + " is above 16777215");
        }
        int tag = persistence == TEMPORARY ? UnloggedRanges.TEMP_TAG : UnloggedRanges.UNLOGGED_TAG;
        return tag << 24 | oid;
    }

    /** The persistence a relfilenode was made for (0, no storage: permanent). */
    public static char of(int relfilenode) {
        int tag = relfilenode >>> 24;
        return tag == UnloggedRanges.TEMP_TAG ? TEMPORARY : tag == UnloggedRanges.UNLOGGED_TAG ? UNLOGGED : PERMANENT;
    }

    /** pg_class.relfilenode as shown: the storage's OID without the persistence tag. */
    public static int fileNumber(int relfilenode) {
        return of(relfilenode) == PERMANENT ? relfilenode : relfilenode & OID_MASK;
    }
}
