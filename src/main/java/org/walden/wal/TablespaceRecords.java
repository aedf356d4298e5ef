package org.walden.wal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The Tablespace resource manager's records (PostgreSQL's xl_tblspc_create_rec and
 * xl_tblspc_drop_rec): CREATE carries the tablespace's OID and its location as given ("" for an
 * in-place tablespace), DROP its OID. Neither belongs to a transaction (xid 0): the directories
 * exist from the record on, as PostgreSQL's do, whether or not the catalog row commits.
 * PLACE is Walden's own (PostgreSQL finds a relation's tablespace in the file path of each
 * block reference): the rows of a relfilenode are stored in that tablespace from the record on,
 * so that redo routes them there before the catalog row naming the relation is replayed; it
 * precedes every row of the relfilenode.
 * <pre>
 *   CREATE: oid:uint32 (little-endian)  location: UTF-8 bytes to the end
 *   DROP:   oid:uint32 (little-endian)
 *   PLACE:  relfilenode:uint32 tablespace oid:uint32 (little-endian)
 * </pre>
 */
public final class TablespaceRecords {

    private TablespaceRecords() {
    }

    /** A CREATE or DROP TABLESPACE as redo reads it ({@code location} null for DROP). */
    public record Change(int oid, String location) {
    }

    /**
     * A LOCATION as PostgreSQL's canonicalize_path leaves it and as it is recorded: doubled
     * slashes made single, trailing ones removed ("/srv/ts//a/" is "/srv/ts/a").
     */
    public static String canonicalLocation(String location) {
        String p = location.replaceAll("/{2,}", "/");
        while (p.length() > 1 && p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p;
    }

    public static WalRecord create(int oid, String location) {
        byte[] l = location.getBytes(StandardCharsets.UTF_8);
        byte[] p = ByteBuffer.allocate(4 + l.length).order(ByteOrder.LITTLE_ENDIAN).putInt(oid).put(l).array();
        return WalRecord.of(0, RmgrId.TBLSPC, RmgrId.TBLSPC_CREATE, p);
    }

    public static WalRecord drop(int oid) {
        byte[] p = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(oid).array();
        return WalRecord.of(0, RmgrId.TBLSPC, RmgrId.TBLSPC_DROP, p);
    }

    public static WalRecord place(int relfilenode, int tablespaceOid) {
        byte[] p = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(relfilenode).putInt(tablespaceOid).array();
        return WalRecord.of(0, RmgrId.TBLSPC, RmgrId.TBLSPC_PLACE, p);
    }

    /** A PLACE record's relfilenode and tablespace. */
    public record Placement(int relfilenode, int tablespaceOid) {
    }

    public static boolean isPlace(WalRecord r) {
        return r.rmgr() == RmgrId.TBLSPC && r.info() == RmgrId.TBLSPC_PLACE;
    }

    public static Placement decodePlacement(WalRecord r) {
        ByteBuffer b = ByteBuffer.wrap(r.payload()).order(ByteOrder.LITTLE_ENDIAN);
        return new Placement(b.getInt(), b.getInt());
    }

    public static boolean isCreate(WalRecord r) {
        return r.rmgr() == RmgrId.TBLSPC && r.info() == RmgrId.TBLSPC_CREATE;
    }

    public static Change decode(WalRecord r) {
        byte[] p = r.payload();
        int oid = ByteBuffer.wrap(p).order(ByteOrder.LITTLE_ENDIAN).getInt();
        return new Change(oid, isCreate(r) ? new String(p, 4, p.length - 4, StandardCharsets.UTF_8) : null);
    }

    /** pg_waldump's description: "CREATE 16384 \"/path\"" or "DROP 16384". */
    static String describe(WalRecord r) {
        if (isPlace(r)) {
            Placement p = decodePlacement(r);
            return "PLACE rel " + Integer.toUnsignedString(p.relfilenode()) + " in "
                    + Integer.toUnsignedString(p.tablespaceOid());
        }
        Change c = decode(r);
        return isCreate(r) ? "CREATE " + Integer.toUnsignedString(c.oid()) + " \"" + c.location() + "\""
                : "DROP " + Integer.toUnsignedString(c.oid());
    }
}
