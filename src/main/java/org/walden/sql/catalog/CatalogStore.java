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
    private static final byte TABLE = 't';
    private static final byte NEXT_OID = 'o';
    private static final int FORMAT = 1;

    private CatalogStore() {
    }

    public static byte[] databaseKey(String name) {
        return key(DATABASE, name);
    }

    public static byte[] roleKey(String name) {
        return key(ROLE, name);
    }

    public static byte[] tableKey(String name) {
        return key(TABLE, name);
    }

    public static byte[] nextOidKey() {
        return new byte[] {Transaction.CATALOG_KEYSPACE, NEXT_OID};
    }

    private static byte[] key(byte kind, String name) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(2 + n.length).put(Transaction.CATALOG_KEYSPACE).put(kind).put(n).array();
    }

    /** Reads the whole catalog as {@code txn} sees it. */
    public static Catalog load(Transaction txn, long version) {
        Map<String, TableDef> tables = new HashMap<>();
        Map<String, RoleDef> roles = new HashMap<>();
        Map<String, DatabaseDef> databases = new HashMap<>();
        byte[] from = {Transaction.CATALOG_KEYSPACE};
        byte[] to = {(byte) (Transaction.CATALOG_KEYSPACE + 1)};
        try (KvCursor c = txn.scan(from, to)) {
            while (c.next()) {
                byte[] k = c.key();
                if (k.length < 2) {
                    continue;
                }
                String name = new String(k, 2, k.length - 2, StandardCharsets.UTF_8);
                switch (k[1]) {
                    case TABLE -> tables.put(name, decodeTable(name, c.value()));
                    case ROLE -> roles.put(name, decodeRole(name, c.value()));
                    case DATABASE -> databases.put(name, decodeDatabase(name, c.value()));
                    default -> {
                    }
                }
            }
        }
        return new Catalog(version, Map.copyOf(tables), Map.copyOf(roles), Map.copyOf(databases));
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

    public static byte[] encodeTable(TableDef t) {
        return write(out -> {
            out.writeInt(t.oid());
            out.writeShort(t.columns().size());
            for (Column c : t.columns()) {
                out.writeUTF(c.name());
                out.writeInt(c.type().oid);
                out.writeInt(c.typmod());
                out.writeBoolean(c.notNull());
                writeNullable(out, c.defaultSql());
            }
            out.writeShort(t.primaryKey().length);
            for (int i : t.primaryKey()) {
                out.writeShort(i);
            }
            out.writeInt(t.relfilenode());
        });
    }

    /** A table's catalog row as stored under {@link #tableKey}. */
    public static TableDef decodeTableRow(String name, byte[] value) {
        return decodeTable(name, value);
    }

    private static TableDef decodeTable(String name, byte[] value) {
        return read(value, in -> {
            int oid = in.readInt();
            int n = in.readShort();
            List<Column> columns = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                String col = in.readUTF();
                PgType type = PgType.byOid(in.readInt());
                Invariants.check(type != null, "catalog column of unknown type in table " + name);
                columns.add(new Column(col, type, in.readInt(), in.readBoolean(), readNullable(in)));
            }
            int[] pk = new int[in.readShort()];
            for (int i = 0; i < pk.length; i++) {
                pk[i] = in.readShort();
            }
            // rows written before relfilenodes existed end here: their rows are under the OID
            int relfilenode = in.available() >= 4 ? in.readInt() : oid;
            return new TableDef(oid, name, List.copyOf(columns), pk, false, relfilenode);
        });
    }

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
        });
    }

    private static DatabaseDef decodeDatabase(String name, byte[] value) {
        return read(value, in -> new DatabaseDef(in.readInt(), name, in.readInt()));
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
