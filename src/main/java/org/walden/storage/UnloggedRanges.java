package org.walden.storage;

/**
 * The key ranges whose rows are never WAL-logged: those of unlogged relations
 * (pg_class.relpersistence 'u') and of temporary ones ('t'). A relation's rows are keyed
 * {@code 02 relfilenode:4 ...}; an unlogged relation's relfilenode has {@link #UNLOGGED_TAG} as
 * its top byte and a temporary one's {@link #TEMP_TAG} (the OID in the low three bytes), so every
 * unlogged row lies in [02 7E, 02 7F) and every temporary row in [02 7F, 02 80). The commit path
 * writes such rows to storage without a WAL record, and a standby therefore never has them.
 *
 * <p>At every start, before redo, {@link #resetAtStartup} plays PostgreSQL's
 * RemovePgTempFiles and ResetUnloggedRelations: temporary rows all go (their sessions are gone),
 * and unlogged rows go unless the server was shut down cleanly (a crash may have left any part
 * of them in storage, as RocksDB's own WAL is off; PostgreSQL resets them to their init fork).
 * A base backup's copy starts with a backup label, never clean, so it starts with them empty too.
 */
public final class UnloggedRanges {

    /** The top byte of an unlogged relation's relfilenode. */
    public static final int UNLOGGED_TAG = 0x7E;
    /** The top byte of a temporary relation's relfilenode. */
    public static final int TEMP_TAG = 0x7F;
    /** The data keyspace's first byte (Transaction.DATA_KEYSPACE). */
    private static final byte DATA = 0x02;
    /**
     * The first byte of the catalog records of temporary objects (pg_temp_N and what is in it):
     * laid out as the catalog keyspace (01) is, but never WAL-logged, so a standby has no trace of
     * another server's sessions and the records of a crashed server's sessions go at the start.
     */
    public static final byte LOCAL_CATALOG = 0x03;

    private UnloggedRanges() {
    }

    /** True for a key of an unlogged or temporary relation: its writes are not WAL-logged. */
    public static boolean isUnlogged(byte[] key) {
        return key.length >= 1 && key[0] == LOCAL_CATALOG || key.length >= 2 && key[0] == DATA && ((key[1] & 0xFF) == UNLOGGED_TAG || (key[1] & 0xFF) == TEMP_TAG);
    }

    /** True for a key of a temporary relation. */
    public static boolean isTemporary(byte[] key) {
        return key.length >= 1 && key[0] == LOCAL_CATALOG || key.length >= 2 && key[0] == DATA && (key[1] & 0xFF) == TEMP_TAG;
    }

    /** Empties the temporary rows and records, and the unlogged rows unless the last shutdown was clean. */
    public static void resetAtStartup(Store store, boolean cleanShutdown) {
        store.deleteRange(new byte[] {LOCAL_CATALOG}, new byte[] {LOCAL_CATALOG + 1});
        store.deleteRange(new byte[] {DATA, (byte) TEMP_TAG}, new byte[] {DATA, (byte) (TEMP_TAG + 1)});
        if (!cleanShutdown) {
            store.deleteRange(new byte[] {DATA, (byte) UNLOGGED_TAG}, new byte[] {DATA, (byte) (UNLOGGED_TAG + 1)});
        }
    }
}
