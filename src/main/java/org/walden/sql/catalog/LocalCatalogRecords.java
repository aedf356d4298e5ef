package org.walden.sql.catalog;

import org.walden.txn.KvCursor;
import org.walden.txn.RelPersistence;
import org.walden.txn.Transaction;

/**
 * Where the catalog records of temporary objects live: a session's pg_temp_N and the relations,
 * indexes, constraints, statistics, comments and ACLs in it are kept under
 * {@link RelPersistence#LOCAL_CATALOG_KEYSPACE} with the catalog keyspace's layout, and the
 * commit path writes that keyspace without WAL records. Other sessions of this server read them
 * (as PostgreSQL's pg_class shows every session's temporary tables); a standby never receives
 * them, and the next start empties the keyspace (what a crashed server's sessions left goes).
 */
public final class LocalCatalogRecords {

    private LocalCatalogRecords() {
    }

    /** The same record's key among the temporary objects' records. */
    public static byte[] local(byte[] key) {
        byte[] k = key.clone();
        k[0] = RelPersistence.LOCAL_CATALOG_KEYSPACE;
        return k;
    }

    /** One database's records, those of the catalog keyspace then those of temporary objects, as one cursor. */
    static KvCursor scanDatabase(Transaction txn, int dbOid) {
        byte[] from = CatalogStorage.databasePrefix(dbOid);
        byte[] to = CatalogStorage.databaseEnd(dbOid);
        KvCursor first = txn.scan(from, to);
        return new KvCursor() {
            private KvCursor current = first;
            private boolean second;

            @Override
            public boolean next() {
                if (current.next()) {
                    return true;
                }
                if (second) {
                    return false;
                }
                current.close();
                second = true;
                current = txn.scan(local(from), local(to));
                return current.next();
            }

            @Override
            public byte[] key() {
                return current.key();
            }

            @Override
            public byte[] value() {
                return current.value();
            }

            @Override
            public void close() {
                current.close();
            }
        };
    }
}
