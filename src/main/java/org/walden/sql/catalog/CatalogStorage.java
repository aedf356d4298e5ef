package org.walden.sql.catalog;

import java.io.ByteArrayOutputStream;
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
 * The catalog's records in the key-value space, under {@link Transaction#CATALOG_KEYSPACE}:
 * <pre>
 *   01 'd' name                       database (shared)          see {@link CatalogStore}
 *   01 'r' name                       role (shared)
 *   01 'a' role:4 member:4            role membership (shared): grantor:4, admin option
 *   01 'o'                            the next OID to hand out (int32), locked while allocating
 *   01 'D' db:4 'n' oid:4             schema
 *   01 'D' db:4 'r' oid:4             table, view or sequence, with its columns
 *   01 'D' db:4 'i' oid:4             index
 *   01 'D' db:4 'c' oid:4             constraint
 *   01 'D' db:4 'f' oid:4             function (LANGUAGE sql)
 *   01 'D' db:4 's' table:4           statistics (ANALYZE)
 *   01 'D' db:4 'm' class:4 obj:4 sub:4   comment
 *   01 'D' db:4 'p' class:4 obj:4 sub:4   ACL of a relation, column (sub: attnum), schema or function
 *   01 'D' db:4 'q' role:4 schema:4 type:1  default privileges (pg_default_acl)
 *   01 'D' db:4 'T' oid:4             the tablespace of a relation or index not in the default one
 *                                     (pg_class.reltablespace; value: tablespace oid:4)
 *   01 'A' db:4                       ACL of a database (shared)
 *   01 'D' db:4 'N' schema:4 name     a relation or index name, locked to create it (value: oid:4)
 *   01 'D' db:4 'M' name              a schema name, locked to create it (value: oid:4)
 * </pre>
 * Each value starts with a format byte (1). A database's records are one key range, so DROP
 * DATABASE deletes the range and CREATE DATABASE ... TEMPLATE copies it.
 */
public final class CatalogStorage {

    private static final byte DB = 'D';
    private static final byte MEMBERSHIP = 'a';
    public static final byte NAMESPACE = 'n';
    public static final byte RELATION = 'r';
    public static final byte INDEX = 'i';
    public static final byte CONSTRAINT = 'c';
    public static final byte STATS = 's';
    public static final byte COMMENT = 'm';
    public static final byte ROUTINE = 'f';
    public static final byte ACL = 'p';
    public static final byte DEFAULT_ACL = 'q';
    public static final byte RELATION_TABLESPACE = 'T';
    private static final byte DATABASE_ACL = 'A';
    private static final byte RELATION_NAME = 'N';
    private static final byte NAMESPACE_NAME = 'M';
    private static final int FORMAT = 1;

    private CatalogStorage() {
    }

    // ---------------------------------------------------------------- keys

    /** The first key of a database's records. */
    public static byte[] databasePrefix(int dbOid) {
        return ByteBuffer.allocate(6).put(Transaction.CATALOG_KEYSPACE).put(DB).putInt(dbOid).array();
    }

    /** The first key after a database's records. */
    public static byte[] databaseEnd(int dbOid) {
        return ByteBuffer.allocate(6).put(Transaction.CATALOG_KEYSPACE).put(DB).putInt(dbOid + 1).array();
    }

    public static byte[] objectKey(int dbOid, byte kind, int oid) {
        return ByteBuffer.allocate(11).put(Transaction.CATALOG_KEYSPACE).put(DB).putInt(dbOid).put(kind).putInt(oid)
                .array();
    }

    public static byte[] commentKey(int dbOid, int classOid, int objOid, int subId) {
        return ByteBuffer.allocate(19).put(Transaction.CATALOG_KEYSPACE).put(DB).putInt(dbOid).put(COMMENT)
                .putInt(classOid).putInt(objOid).putInt(subId).array();
    }

    public static byte[] aclKey(int dbOid, int classOid, int objOid, int subId) {
        return ByteBuffer.allocate(19).put(Transaction.CATALOG_KEYSPACE).put(DB).putInt(dbOid).put(ACL)
                .putInt(classOid).putInt(objOid).putInt(subId).array();
    }

    /** The first key of an object's ACLs (its own and its columns'); {@code aclObjectEnd} is after them. */
    public static byte[] aclObjectStart(int dbOid, int classOid, int objOid) {
        return ByteBuffer.allocate(15).put(Transaction.CATALOG_KEYSPACE).put(DB).putInt(dbOid).put(ACL)
                .putInt(classOid).putInt(objOid).array();
    }

    public static byte[] aclObjectEnd(int dbOid, int classOid, int objOid) {
        return ByteBuffer.allocate(15).put(Transaction.CATALOG_KEYSPACE).put(DB).putInt(dbOid).put(ACL)
                .putInt(classOid).putInt(objOid + 1).array();
    }

    public static byte[] defaultAclKey(int dbOid, int role, int namespaceOid, char objectType) {
        return ByteBuffer.allocate(16).put(Transaction.CATALOG_KEYSPACE).put(DB).putInt(dbOid).put(DEFAULT_ACL)
                .putInt(role).putInt(namespaceOid).put((byte) objectType).array();
    }

    public static byte[] databaseAclKey(int dbOid) {
        return ByteBuffer.allocate(6).put(Transaction.CATALOG_KEYSPACE).put(DATABASE_ACL).putInt(dbOid).array();
    }

    /** The name lock of a relation or index in a schema (pg_class's unique index on relname, relnamespace). */
    public static byte[] relationNameKey(int dbOid, int namespaceOid, String name) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(11 + n.length).put(Transaction.CATALOG_KEYSPACE).put(DB).putInt(dbOid)
                .put(RELATION_NAME).putInt(namespaceOid).put(n).array();
    }

    public static byte[] namespaceNameKey(int dbOid, String name) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(7 + n.length).put(Transaction.CATALOG_KEYSPACE).put(DB).putInt(dbOid)
                .put(NAMESPACE_NAME).put(n).array();
    }

    public static byte[] membershipKey(int role, int member) {
        return ByteBuffer.allocate(10).put(Transaction.CATALOG_KEYSPACE).put(MEMBERSHIP).putInt(role).putInt(member)
                .array();
    }

    public static byte[] oidValue(int oid) {
        return ByteBuffer.allocate(4).putInt(oid).array();
    }

    /** A name key's value: the OID of the object holding the name. */
    public static int oidOf(byte[] value) {
        return ByteBuffer.wrap(value).getInt();
    }

    /** Rewrites a key of database {@code from} as the same key of database {@code to} (CREATE DATABASE). */
    public static byte[] rebase(byte[] key, int to) {
        byte[] k = key.clone();
        ByteBuffer.wrap(k).putInt(2, to);
        return k;
    }

    // ---------------------------------------------------------------- loading

    /** Reads one database's catalog as {@code txn} sees it, over the shared catalog {@code shared}. */
    public static DbCatalog load(Transaction txn, long version, DatabaseDef database, SharedCatalog shared) {
        Map<Integer, Namespace> namespaces = new HashMap<>();
        Map<Integer, Relation> relations = new HashMap<>();
        Map<Integer, IndexInfo> indexes = new HashMap<>();
        Map<Integer, Constraint> constraints = new HashMap<>();
        Map<Integer, TableStats> stats = new HashMap<>();
        Map<DbCatalog.CommentKey, String> comments = new HashMap<>();
        Map<Integer, Routine> routines = new HashMap<>();
        Map<DbCatalog.CommentKey, List<Acl.Item>> acls = new HashMap<>();
        List<DbCatalog.DefaultAcl> defaultAcls = new ArrayList<>();
        Map<Integer, Integer> tablespaces = new HashMap<>();
        try (KvCursor c = LocalCatalogRecords.scanDatabase(txn, database.oid())) {
            while (c.next()) {
                byte[] k = c.key();
                ByteBuffer key = ByteBuffer.wrap(k, 7, k.length - 7);
                switch (k[6]) {
                    case NAMESPACE -> {
                        Namespace n = decodeNamespace(c.value());
                        namespaces.put(n.oid(), n);
                    }
                    case RELATION -> {
                        Relation r = decodeRelation(c.value());
                        relations.put(r.oid(), r);
                    }
                    case INDEX -> {
                        IndexInfo i = decodeIndex(c.value());
                        indexes.put(i.oid(), i);
                    }
                    case CONSTRAINT -> {
                        Constraint x = decodeConstraint(c.value());
                        constraints.put(x.oid(), x);
                    }
                    case STATS -> {
                        TableStats s = decodeStats(c.value());
                        stats.put(s.tableOid(), s);
                    }
                    case ROUTINE -> {
                        Routine f = decodeRoutine(c.value());
                        routines.put(f.oid(), f);
                    }
                    case COMMENT -> comments.put(new DbCatalog.CommentKey(key.getInt(), key.getInt(), key.getInt()),
                            new String(c.value(), 1, c.value().length - 1, StandardCharsets.UTF_8));
                    case ACL -> acls.put(new DbCatalog.CommentKey(key.getInt(), key.getInt(), key.getInt()),
                            decodeAcl(c.value()));
                    case DEFAULT_ACL -> defaultAcls.add(new DbCatalog.DefaultAcl(key.getInt(), key.getInt(),
                            (char) key.get(), decodeAcl(c.value())));
                    case RELATION_TABLESPACE -> tablespaces.put(key.getInt(), oidOf(c.value()));
                    default -> {
                    }
                }
            }
        }
        return new DbCatalog(version, database, shared, namespaces, relations, indexes, constraints, stats, comments,
                routines, acls, defaultAcls, tablespaces);
    }

    /** Reads the databases' ACLs (by database OID). */
    public static Map<Integer, List<Acl.Item>> loadDatabaseAcls(Transaction txn) {
        Map<Integer, List<Acl.Item>> out = new HashMap<>();
        byte[] from = {Transaction.CATALOG_KEYSPACE, DATABASE_ACL};
        byte[] to = {Transaction.CATALOG_KEYSPACE, DATABASE_ACL + 1};
        try (KvCursor c = txn.scan(from, to)) {
            while (c.next()) {
                out.put(ByteBuffer.wrap(c.key(), 2, 4).getInt(), decodeAcl(c.value()));
            }
        }
        return out;
    }

    public static byte[] encodeAcl(List<Acl.Item> acl) {
        return write(out -> {
            out.writeShort(acl.size());
            for (Acl.Item i : acl) {
                out.writeInt(i.grantee());
                out.writeInt(i.grantor());
                out.writeInt(i.privileges());
                out.writeInt(i.grantOptions());
            }
        });
    }

    static List<Acl.Item> decodeAcl(byte[] value) {
        return read(value, in -> {
            List<Acl.Item> out = new ArrayList<>();
            for (int n = in.getShort(); n > 0; n--) {
                out.add(new Acl.Item(in.getInt(), in.getInt(), in.getInt(), in.getInt()));
            }
            return List.copyOf(out);
        });
    }

    /** Reads the role memberships. */
    public static List<SharedCatalog.Membership> loadMemberships(Transaction txn) {
        List<SharedCatalog.Membership> out = new ArrayList<>();
        byte[] from = {Transaction.CATALOG_KEYSPACE, MEMBERSHIP};
        byte[] to = {Transaction.CATALOG_KEYSPACE, MEMBERSHIP + 1};
        try (KvCursor c = txn.scan(from, to)) {
            while (c.next()) {
                ByteBuffer k = ByteBuffer.wrap(c.key(), 2, 8);
                ByteBuffer v = ByteBuffer.wrap(c.value(), 1, c.value().length - 1);
                out.add(new SharedCatalog.Membership(k.getInt(), k.getInt(), v.getInt(), v.get() != 0));
            }
        }
        return out;
    }

    public static byte[] encodeMembership(SharedCatalog.Membership m) {
        return write(out -> {
            out.writeInt(m.grantor());
            out.writeByte(m.adminOption() ? 1 : 0);
        });
    }

    // ---------------------------------------------------------------- records

    public static byte[] encodeNamespace(Namespace n) {
        return write(out -> {
            out.writeInt(n.oid());
            utf(out, n.name());
            out.writeInt(n.ownerOid());
        });
    }

    static Namespace decodeNamespace(byte[] value) {
        return read(value, in -> new Namespace(in.getInt(), utf(in), in.getInt()));
    }

    public static byte[] encodeRoutine(Routine f) {
        return write(out -> {
            out.writeInt(f.oid());
            utf(out, f.name());
            out.writeInt(f.namespaceOid());
            out.writeInt(f.ownerOid());
            out.writeShort(f.argTypeOids().size());
            for (int i = 0; i < f.argTypeOids().size(); i++) {
                nullable(out, f.argNames().get(i));
                out.writeInt(f.argTypeOids().get(i));
            }
            out.writeInt(f.resultTypeOid());
            out.writeBoolean(f.retset());
            out.writeShort(f.outNames().size());
            for (int i = 0; i < f.outNames().size(); i++) {
                utf(out, f.outNames().get(i));
                out.writeInt(f.outTypeOids().get(i));
            }
            out.writeByte(f.volatility());
            out.writeBoolean(f.strict());
            nullable(out, f.body());
        });
    }

    static Routine decodeRoutine(byte[] value) {
        return read(value, in -> {
            int oid = in.getInt();
            String name = utf(in);
            int ns = in.getInt();
            int owner = in.getInt();
            List<String> argNames = new ArrayList<>();
            List<Integer> argTypes = new ArrayList<>();
            for (int i = in.getShort(); i > 0; i--) {
                argNames.add(nullable(in));
                argTypes.add(in.getInt());
            }
            int result = in.getInt();
            boolean retset = in.get() != 0;
            List<String> outNames = new ArrayList<>();
            List<Integer> outTypes = new ArrayList<>();
            for (int i = in.getShort(); i > 0; i--) {
                outNames.add(utf(in));
                outTypes.add(in.getInt());
            }
            char volatility = (char) in.get();
            boolean strict = in.get() != 0;
            return new Routine(oid, name, ns, owner, java.util.Collections.unmodifiableList(argNames), List.copyOf(argTypes),
                    result, retset, List.copyOf(outNames), List.copyOf(outTypes), volatility, strict, nullable(in));
        });
    }

    public static byte[] encodeComment(String text) {
        return write(out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    public static byte[] encodeRelation(Relation r) {
        return write(out -> {
            out.writeInt(r.oid());
            utf(out, r.name());
            out.writeInt(r.namespaceOid());
            out.writeByte(r.kind());
            out.writeInt(r.ownerOid());
            out.writeShort(r.columns().size());
            for (Attribute a : r.columns()) {
                out.writeShort(a.attnum());
                utf(out, a.name());
                out.writeInt(a.type().oid);
                out.writeInt(a.typmod());
                out.writeBoolean(a.notNull());
                nullable(out, a.defaultSql());
                nullable(out, a.defaultText());
                out.writeByte(a.identity());
                out.writeBoolean(a.dropped());
            }
            ints(out, r.primaryKey());
            out.writeInt(r.relfilenode());
            out.writeInt(r.rowTypeOid());
            nullable(out, r.viewSql());
            nullable(out, r.viewText());
            Relation.SequenceOptions s = r.sequence();
            out.writeBoolean(s != null);
            if (s != null) {
                out.writeInt(s.type().oid);
                out.writeLong(s.start());
                out.writeLong(s.increment());
                out.writeLong(s.min());
                out.writeLong(s.max());
                out.writeLong(s.cache());
                out.writeBoolean(s.cycle());
                out.writeInt(s.ownedByTable());
                out.writeInt(s.ownedByColumn());
            }
            out.writeShort(r.options().size());
            for (String o : r.options()) {
                utf(out, o);
            }
        });
    }

    static Relation decodeRelation(byte[] value) {
        return read(value, in -> {
            int oid = in.getInt();
            String name = utf(in);
            int nsp = in.getInt();
            char kind = (char) in.get();
            int owner = in.getInt();
            int n = in.getShort();
            List<Attribute> columns = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                int attnum = in.getShort();
                String col = utf(in);
                PgType type = PgType.byOid(in.getInt());
                Invariants.check(type != null, "catalog column of unknown type in relation " + name);
                columns.add(new Attribute(attnum, col, type, in.getInt(), in.get() != 0, nullable(in), nullable(in),
                        (char) in.get(), in.get() != 0));
            }
            int[] pk = ints(in);
            int relfilenode = in.getInt();
            int rowType = in.getInt();
            String viewSql = nullable(in);
            String viewText = nullable(in);
            Relation.SequenceOptions seq = null;
            if (in.get() != 0) {
                seq = new Relation.SequenceOptions(PgType.byOid(in.getInt()), in.getLong(), in.getLong(),
                        in.getLong(), in.getLong(), in.getLong(), in.get() != 0, in.getInt(), in.getInt());
            }
            int no = in.getShort();
            List<String> options = new ArrayList<>(no);
            for (int i = 0; i < no; i++) {
                options.add(utf(in));
            }
            return new Relation(oid, name, nsp, kind, owner, List.copyOf(columns), pk, relfilenode, rowType, viewSql,
                    viewText, seq, List.copyOf(options), false);
        });
    }

    public static byte[] encodeIndex(IndexInfo i) {
        return write(out -> {
            out.writeInt(i.oid());
            utf(out, i.name());
            out.writeInt(i.namespaceOid());
            out.writeInt(i.tableOid());
            out.writeInt(i.relfilenode());
            out.writeShort(i.keys().size());
            for (IndexInfo.Key k : i.keys()) {
                out.writeShort(k.attnum());
                nullable(out, k.exprSql());
                nullable(out, k.exprText());
                out.writeBoolean(k.descending());
                out.writeBoolean(k.nullsFirst());
            }
            out.writeBoolean(i.unique());
            out.writeBoolean(i.primary());
            out.writeBoolean(i.nullsNotDistinct());
            nullable(out, i.predicateSql());
            nullable(out, i.predicateText());
            out.writeBoolean(i.ready());
            out.writeBoolean(i.valid());
            utf(out, i.method());
            out.writeBoolean(i.clustered());
        });
    }

    static IndexInfo decodeIndex(byte[] value) {
        return read(value, in -> {
            int oid = in.getInt();
            String name = utf(in);
            int nsp = in.getInt();
            int table = in.getInt();
            int relfilenode = in.getInt();
            int n = in.getShort();
            List<IndexInfo.Key> keys = new ArrayList<>(n);
            for (int k = 0; k < n; k++) {
                keys.add(new IndexInfo.Key(in.getShort(), nullable(in), nullable(in), in.get() != 0, in.get() != 0));
            }
            return new IndexInfo(oid, name, nsp, table, relfilenode, List.copyOf(keys), in.get() != 0, in.get() != 0,
                    in.get() != 0, nullable(in), nullable(in), in.get() != 0, in.get() != 0, utf(in),
                    in.hasRemaining() && in.get() != 0); // absent in records written before CLUSTER ... USING
        });
    }

    public static byte[] encodeConstraint(Constraint c) {
        return write(out -> {
            out.writeInt(c.oid());
            utf(out, c.name());
            out.writeInt(c.namespaceOid());
            out.writeByte(c.type());
            out.writeInt(c.tableOid());
            ints(out, c.columns());
            out.writeInt(c.indexOid());
            nullable(out, c.checkSql());
            out.writeInt(c.refTableOid());
            ints(out, c.refColumns());
            out.writeByte(c.onUpdate());
            out.writeByte(c.onDelete());
            out.writeByte(c.matchType());
            out.writeBoolean(c.deferrable());
            out.writeBoolean(c.deferred());
            out.writeBoolean(c.validated());
            nullable(out, c.definition());
        });
    }

    static Constraint decodeConstraint(byte[] value) {
        return read(value, in -> new Constraint(in.getInt(), utf(in), in.getInt(), (char) in.get(), in.getInt(),
                ints(in), in.getInt(), nullable(in), in.getInt(), ints(in), (char) in.get(), (char) in.get(),
                (char) in.get(), in.get() != 0, in.get() != 0, in.get() != 0, nullable(in)));
    }

    public static byte[] encodeStats(TableStats s, Map<Integer, PgType> columnTypes) {
        return write(out -> {
            out.writeInt(s.tableOid());
            out.writeDouble(s.reltuples());
            out.writeLong(s.relpages());
            out.writeLong(s.analyzedAt() == null ? Long.MIN_VALUE : s.analyzedAt().toEpochMilli());
            out.writeBoolean(s.auto());
            out.writeShort(s.columns().size());
            for (TableStats.ColumnStats c : s.columns().values()) {
                PgType type = columnTypes.get(c.attnum());
                out.writeShort(c.attnum());
                out.writeInt(type.oid);
                out.writeDouble(c.nullFrac());
                out.writeInt(c.avgWidth());
                out.writeDouble(c.nDistinct());
                values(out, type, c.mcvValues());
                double[] freqs = c.mcvFreqs() == null ? new double[0] : c.mcvFreqs();
                out.writeShort(freqs.length);
                for (double f : freqs) {
                    out.writeDouble(f);
                }
                values(out, type, c.histogram());
                out.writeDouble(c.correlation());
            }
        });
    }

    static TableStats decodeStats(byte[] value) {
        return read(value, in -> {
            int table = in.getInt();
            double reltuples = in.getDouble();
            long relpages = in.getLong();
            long at = in.getLong();
            boolean auto = in.get() != 0;
            int n = in.getShort();
            Map<Integer, TableStats.ColumnStats> columns = new java.util.LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                int attnum = in.getShort();
                PgType type = PgType.byOid(in.getInt());
                double nullFrac = in.getDouble();
                int width = in.getInt();
                double nDistinct = in.getDouble();
                List<Object> mcv = emptyToNull(values(in, type));
                double[] freqs = new double[in.getShort()];
                for (int f = 0; f < freqs.length; f++) {
                    freqs[f] = in.getDouble();
                }
                List<Object> histogram = emptyToNull(values(in, type));
                columns.put(attnum, new TableStats.ColumnStats(attnum, nullFrac, width, nDistinct, mcv, freqs,
                        histogram, in.getDouble()));
            }
            return new TableStats(table, reltuples, relpages, at == Long.MIN_VALUE ? null : Instant.ofEpochMilli(at),
                    auto, columns);
        });
    }

    private static void values(DataOutputStream out, PgType type, List<Object> values) throws IOException {
        if (values == null) {
            out.writeInt(0);
            return;
        }
        out.writeInt(values.size());
        for (Object v : values) {
            ValueCodec.write(out, type, v);
        }
    }

    private static List<Object> emptyToNull(List<Object> values) {
        return values.isEmpty() ? null : values;
    }

    private static List<Object> values(ByteBuffer in, PgType type) {
        int n = in.getInt();
        List<Object> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(ValueCodec.read(in, type));
        }
        return out;
    }

    // ---------------------------------------------------------------- helpers

    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private interface Reader<T> {
        T read(ByteBuffer in);
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
        ByteBuffer in = ByteBuffer.wrap(value);
        int format = in.get();
        Invariants.check(format == FORMAT, "catalog record format " + format);
        return r.read(in);
    }

    private static void nullable(DataOutputStream out, String s) throws IOException {
        out.writeBoolean(s != null);
        if (s != null) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            out.writeInt(b.length);
            out.write(b);
        }
    }

    private static String nullable(ByteBuffer in) {
        if (in.get() == 0) {
            return null;
        }
        byte[] b = new byte[in.getInt()];
        in.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private static void utf(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeShort(b.length);
        out.write(b);
    }

    private static String utf(ByteBuffer in) {
        int len = in.getShort() & 0xFFFF;
        String s = new String(in.array(), in.arrayOffset() + in.position(), len, StandardCharsets.UTF_8);
        in.position(in.position() + len);
        return s;
    }

    private static void ints(DataOutputStream out, int[] values) throws IOException {
        if (values == null) {
            out.writeShort(0);
            return;
        }
        out.writeShort(values.length);
        for (int v : values) {
            out.writeShort(v);
        }
    }

    private static int[] ints(ByteBuffer in) {
        int[] out = new int[in.getShort()];
        for (int i = 0; i < out.length; i++) {
            out[i] = in.getShort();
        }
        return out;
    }
}
