package org.walden.sql.catalog;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.walden.common.Invariants;
import org.walden.sql.types.PgType;
import org.walden.txn.KvCursor;
import org.walden.txn.Transaction;

/**
 * The catalog's rows in the key-value space, all under {@link Transaction#CATALOG_KEYSPACE}:
 * <pre>
 *   01 'd' name   → database: int32 oid, int32 owner oid
 *   01 'r' name   → role (pg_authid): oid, flags, connection limit, password verifier, valid until
 *   01 't' name   → table (pg_class + pg_attribute): oid, columns (name, type oid, typmod,
 *                   not null, default SQL), primary key column indexes
 *   01 's' name   → tablespace (pg_tablespace): oid, owner oid, location, ACL (null: the default)
 *   01 'o'        → the next OID to hand out (int32), locked while allocating
 * </pre>
 * Each value starts with a format version byte (1).
 */
public final class CatalogStore {

    public static final int FIRST_NORMAL_OID = 16384;
    public static final int BOOTSTRAP_SUPERUSER_OID = 10;
    public static final int POSTGRES_DATABASE_OID = 5;
    public static final int TEMPLATE1_DATABASE_OID = 1;

    private static final byte DATABASE = 'd';
    private static final byte ROLE = 'r';
    private static final byte NEXT_OID = 'o';
    private static final byte TABLESPACE = 's';
    private static final int FORMAT = 1;

    private CatalogStore() {
    }

    public static byte[] databaseKey(String name) {
        return key(DATABASE, name);
    }

    public static byte[] roleKey(String name) {
        return key(ROLE, name);
    }

    public static byte[] tablespaceKey(String name) {
        return key(TABLESPACE, name);
    }

    public static byte[] nextOidKey() {
        return new byte[] {Transaction.CATALOG_KEYSPACE, NEXT_OID};
    }

    private static byte[] key(byte kind, String name) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(2 + n.length).put(Transaction.CATALOG_KEYSPACE).put(kind).put(n).array();
    }

    /** Reads the roles and databases as {@code txn} sees them. */
    private static void loadRolesAndDatabases(Transaction txn, Map<String, RoleDef> roles,
                                              Map<String, DatabaseDef> databases) {
        byte[] from = {Transaction.CATALOG_KEYSPACE, DATABASE};
        byte[] to = {Transaction.CATALOG_KEYSPACE, ROLE + 1};
        try (KvCursor c = txn.scan(from, to)) {
            while (c.next()) {
                byte[] k = c.key();
                String name = new String(k, 2, k.length - 2, StandardCharsets.UTF_8);
                switch (k[1]) {
                    case ROLE -> roles.put(name, decodeRole(name, c.value()));
                    case DATABASE -> databases.put(name, decodeDatabase(name, c.value()));
                    default -> {
                    }
                }
            }
        }
    }

    /**
     * Allocates the next OID. The caller's transaction holds the counter's row lock until it
     * ends, which serialises DDL (as PostgreSQL's catalog locks do, more coarsely).
     */
    public static int allocateOid(Transaction txn, long lockTimeoutMs) {
        byte[] current = txn.lockForUpdate(nextOidKey(), lockTimeoutMs);
        int next = current == null ? FIRST_NORMAL_OID : ByteBuffer.wrap(current).getInt();
        txn.put(nextOidKey(), ByteBuffer.allocate(4).putInt(next + 1).array());
        return next;
    }

    // ---------------------------------------------------------------- encoding

    public static byte[] encodeRole(RoleDef r) {
        return write(out -> {
            out.writeInt(r.oid());
            int flags = (r.superuser() ? 1 : 0) | (r.inherit() ? 2 : 0) | (r.createRole() ? 4 : 0)
                    | (r.createDb() ? 8 : 0) | (r.canLogin() ? 16 : 0) | (r.replication() ? 32 : 0)
                    | (r.bypassRls() ? 64 : 0);
            out.writeInt(flags);
            out.writeInt(r.connectionLimit());
            writeNullable(out, r.passwordVerifier());
            out.writeLong(r.validUntil() == null ? Long.MIN_VALUE : r.validUntil().toEpochMilli());
        });
    }

    private static RoleDef decodeRole(String name, byte[] value) {
        return read(value, in -> {
            int oid = in.readInt();
            int f = in.readInt();
            int limit = in.readInt();
            String password = readNullable(in);
            long valid = in.readLong();
            return new RoleDef(oid, name, (f & 1) != 0, (f & 2) != 0, (f & 4) != 0, (f & 8) != 0, (f & 16) != 0,
                    (f & 32) != 0, (f & 64) != 0, limit, password,
                    valid == Long.MIN_VALUE ? null : Instant.ofEpochMilli(valid));
        });
    }

    public static byte[] encodeDatabase(DatabaseDef d) {
        return write(out -> {
            out.writeInt(d.oid());
            out.writeInt(d.ownerOid());
            out.writeBoolean(d.allowConnections());
            out.writeBoolean(d.template());
            out.writeInt(d.connectionLimit());
        });
    }

    private static DatabaseDef decodeDatabase(String name, byte[] value) {
        return read(value, in -> {
            int oid = in.readInt();
            int owner = in.readInt();
            if (in.available() == 0) {
                return new DatabaseDef(oid, name, owner);
            }
            return new DatabaseDef(oid, name, owner, in.readBoolean(), in.readBoolean(), in.readInt());
        });
    }

    public static byte[] encodeTablespace(TablespaceDef t) {
        return write(out -> {
            out.writeInt(t.oid());
            out.writeInt(t.ownerOid());
            out.writeUTF(t.location());
            out.writeBoolean(t.acl() != null);
            if (t.acl() != null) {
                out.writeShort(t.acl().size());
                for (Acl.Item i : t.acl()) {
                    out.writeInt(i.grantee());
                    out.writeInt(i.grantor());
                    out.writeInt(i.privileges());
                    out.writeInt(i.grantOptions());
                }
            }
        });
    }

    private static TablespaceDef decodeTablespace(String name, byte[] value) {
        return read(value, in -> {
            int oid = in.readInt();
            int owner = in.readInt();
            String location = in.readUTF();
            List<Acl.Item> acl = null;
            if (in.readBoolean()) {
                List<Acl.Item> items = new ArrayList<>();
                for (int n = in.readShort(); n > 0; n--) {
                    items.add(new Acl.Item(in.readInt(), in.readInt(), in.readInt(), in.readInt()));
                }
                acl = List.copyOf(items);
            }
            return new TablespaceDef(oid, name, owner, location, acl);
        });
    }

    /** The tablespaces as {@code txn} sees them, pg_default and pg_global included. */
    private static Map<String, TablespaceDef> loadTablespaces(Transaction txn) {
        Map<String, TablespaceDef> out = new HashMap<>();
        out.put(TablespaceDef.PG_DEFAULT.name(), TablespaceDef.PG_DEFAULT);
        out.put(TablespaceDef.PG_GLOBAL.name(), TablespaceDef.PG_GLOBAL);
        byte[] from = {Transaction.CATALOG_KEYSPACE, TABLESPACE};
        byte[] to = {Transaction.CATALOG_KEYSPACE, TABLESPACE + 1};
        try (KvCursor c = txn.scan(from, to)) {
            while (c.next()) {
                byte[] k = c.key();
                String name = new String(k, 2, k.length - 2, StandardCharsets.UTF_8);
                out.put(name, decodeTablespace(name, c.value()));
            }
        }
        return out;
    }

    /**
     * PostgreSQL 15's predefined roles (pg_database_owner, pg_monitor, ...): always present,
     * never stored, not able to log in. The public schema belongs to pg_database_owner.
     */
    public static final List<RoleDef> PREDEFINED_ROLES = List.of(
            predefined(6171, "pg_database_owner"), predefined(6181, "pg_read_all_data"),
            predefined(6182, "pg_write_all_data"), predefined(3373, "pg_monitor"),
            predefined(3374, "pg_read_all_settings"), predefined(3375, "pg_read_all_stats"),
            predefined(3377, "pg_stat_scan_tables"), predefined(4569, "pg_read_server_files"),
            predefined(4570, "pg_write_server_files"), predefined(4571, "pg_execute_server_program"),
            predefined(4200, "pg_signal_backend"), predefined(4544, "pg_checkpoint"));

    public static final int DATABASE_OWNER_ROLE_OID = 6171;

    private static RoleDef predefined(int oid, String name) {
        return new RoleDef(oid, name, false, true, false, false, false, false, false, -1, null, null);
    }

    /** Roles, databases, memberships and tablespaces as {@code txn} sees them (the predefined roles included). */
    public static SharedCatalog loadShared(Transaction txn) {
        Map<String, RoleDef> roles = new HashMap<>();
        Map<String, DatabaseDef> databases = new HashMap<>();
        loadRolesAndDatabases(txn, roles, databases);
        for (RoleDef r : PREDEFINED_ROLES) {
            roles.putIfAbsent(r.name(), r);
        }
        return new SharedCatalog(Map.copyOf(roles), Map.copyOf(databases), CatalogStorage.loadMemberships(txn),
                Map.copyOf(CatalogStorage.loadDatabaseAcls(txn)), Map.copyOf(loadTablespaces(txn)));
    }

    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private interface Reader<T> {
        T read(DataInputStream in) throws IOException;
    }

    private static byte[] write(Writer w) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(FORMAT);
            w.write(out);
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static <T> T read(byte[] value, Reader<T> r) {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(value));
            int format = in.readByte();
            Invariants.check(format == FORMAT, "catalog row format " + format);
            return r.read(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeNullable(DataOutputStream out, String s) throws IOException {
        out.writeBoolean(s != null);
        if (s != null) {
            out.writeUTF(s);
        }
    }

    private static String readNullable(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }
}
