package org.walden.wal;

/**
 * Resource managers, as PostgreSQL's rmgr table: each owns a family of WAL records and has
 * exactly one redo function (registered by {@code recovery}). The id is the byte stored in
 * every record header; never renumber.
 */
public enum RmgrId {
    /** Checkpoints, WAL switch, no-op, backup end, restore points, end of recovery: the log's own bookkeeping. */
    XLOG(0, "XLOG"),
    /** Transaction commit and abort, and two-phase commit's PREPARE, COMMIT PREPARED and ABORT PREPARED. */
    XACT(1, "Transaction"),
    /** Row-level key-value changes with after- and before-images (tables and catalogs alike). */
    KV(2, "KV"),
    /** CREATE and DROP TABLESPACE: the directories under pg_tblspc (PostgreSQL's Tablespace rmgr). */
    TBLSPC(3, "Tablespace");

    // XLOG info codes
    public static final byte XLOG_CHECKPOINT_SHUTDOWN = 0x00;
    public static final byte XLOG_CHECKPOINT_ONLINE = 0x10;
    public static final byte XLOG_NOOP = 0x20;
    public static final byte XLOG_SWITCH = 0x40;
    public static final byte XLOG_BACKUP_END = 0x50;
    /** A named point recovery can stop at (pg_create_restore_point). */
    public static final byte XLOG_RESTORE_POINT = 0x70;
    /** The first record of a new timeline after promotion: the switch, and when. */
    public static final byte XLOG_END_OF_RECOVERY = (byte) 0x90;

    // XACT info codes
    public static final byte XACT_COMMIT = 0x00;
    public static final byte XACT_ABORT = 0x20;
    /** PREPARE TRANSACTION: the transaction's KV records precede it; it ends with one of the two below. */
    public static final byte XACT_PREPARE = 0x10;
    /** COMMIT PREPARED: the prepared transaction's writes take effect. */
    public static final byte XACT_COMMIT_PREPARED = 0x30;
    /** ROLLBACK PREPARED: the prepared transaction's writes are dropped. */
    public static final byte XACT_ABORT_PREPARED = 0x40;

    // KV info codes
    public static final byte KV_PUT = 0x00;
    public static final byte KV_DELETE = 0x10;
    /** A fresh key range of the transaction, empty from here (see {@link KvBulk}). */
    public static final byte KV_NEW_RANGE = 0x20;
    /** Many rows of a fresh key range, applied at once by redo (see {@link KvBulk}). */
    public static final byte KV_ROWS = 0x30;
    /** A key range emptied when the transaction commits (see {@link KvBulk}). */
    public static final byte KV_DELETE_RANGE = 0x40;
    /**
     * A ROWS record whose payload is Snappy-compressed (see {@link KvBulk#compressed}): the same
     * rows, fewer WAL bytes to write, send and receive; redo decompresses it and replays a ROWS.
     */
    public static final byte KV_ROWS_SNAPPY = 0x50;

    // TBLSPC info codes (PostgreSQL's XLOG_TBLSPC_CREATE and XLOG_TBLSPC_DROP)
    public static final byte TBLSPC_CREATE = 0x00;
    public static final byte TBLSPC_DROP = 0x10;
    /** Walden's own: a relfilenode's rows are stored in a tablespace from here on (see TablespaceRecords). */
    public static final byte TBLSPC_PLACE = 0x20;

    private final int id;
    private final String displayName;

    RmgrId(int id, String displayName) {
        this.id = id;
        this.displayName = displayName;
    }

    public byte id() {
        return (byte) id;
    }

    /** The name pg_waldump prints in its {@code rmgr:} column. */
    public String displayName() {
        return displayName;
    }

    /** The resource manager with this id, or null when the byte names none. */
    public static RmgrId fromId(int id) {
        // an array by id, not values() (a fresh copy each call): the reader asks for every record
        return id >= 0 && id < BY_ID.length ? BY_ID[id] : null;
    }

    private static final RmgrId[] BY_ID = byId();

    private static RmgrId[] byId() {
        int max = 0;
        for (RmgrId r : values()) {
            max = Math.max(max, r.id);
        }
        RmgrId[] byId = new RmgrId[max + 1];
        for (RmgrId r : values()) {
            byId[r.id] = r;
        }
        return byId;
    }
}
