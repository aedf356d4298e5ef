package org.walden.sql.command;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import org.walden.sql.catalog.Acl;
import org.walden.sql.catalog.CatalogLookup;
import org.walden.sql.catalog.CatalogStorage;
import org.walden.sql.catalog.DbCatalog;
import org.walden.sql.catalog.CatalogStore;
import org.walden.sql.catalog.Constraint;
import org.walden.sql.catalog.DatabaseDef;
import org.walden.sql.catalog.IndexInfo;
import org.walden.sql.catalog.LocalCatalogRecords;
import org.walden.sql.catalog.Namespace;
import org.walden.sql.catalog.Relation;
import org.walden.sql.catalog.RoleDef;
import org.walden.sql.catalog.Routine;
import org.walden.sql.catalog.SharedCatalog;
import org.walden.sql.catalog.TableStats;
import org.walden.sql.catalog.TablespaceDef;
import org.walden.sql.types.PgType;
import org.walden.txn.KvCursor;
import org.walden.txn.Transaction;

/**
 * Writes catalog records in a transaction (PostgreSQL's CatalogTupleInsert and friends): each
 * under its row lock, so two sessions changing one object serialise and the second sees the
 * first's committed record. Names are locked through their name keys (pg_class's and
 * pg_namespace's unique indexes), OIDs come from the shared counter.
 */
public final class CatalogWriter {

    /** Takes a catalog key's row lock (with lock_timeout and cancel) and returns its latest value. */
    @FunctionalInterface
    public interface Locker {
        byte[] lock(byte[] key);
    }

    /**
     * Which records are of temporary objects, kept among the local records
     * ({@link LocalCatalogRecords}): by schema, and by catalog and OID for comments and ACLs.
     */
    public interface Locality {
        Locality NONE = new Locality() {
            @Override
            public boolean namespace(int namespaceOid) {
                return false;
            }

            @Override
            public boolean object(int classOid, int objectOid) {
                return false;
            }
        };

        boolean namespace(int namespaceOid);

        boolean object(int classOid, int objectOid);
    }

    private final Transaction txn;
    private final int db;
    private final Locker locker;
    private final Locality locality;

    public CatalogWriter(Transaction txn, int dbOid, Locker locker) {
        this(txn, dbOid, locker, Locality.NONE);
    }

    public CatalogWriter(Transaction txn, int dbOid, Locker locker, Locality locality) {
        this.txn = txn;
        this.db = dbOid;
        this.locker = locker;
        this.locality = locality;
    }

    /** {@code key} itself, or its local twin for a temporary object's record. */
    private static byte[] placed(byte[] key, boolean local) {
        return local ? LocalCatalogRecords.local(key) : key;
    }

    private boolean localName(String namespaceName) {
        return namespaceName.startsWith(CatalogLookup.TEMP_SCHEMA_PREFIX);
    }

    public Transaction txn() {
        return txn;
    }

    public int database() {
        return db;
    }

    /** Writes catalog object {@code oid} of {@code kind} under its lock. */
    private void putObject(byte kind, int oid, byte[] value, boolean local) {
        byte[] key = placed(CatalogStorage.objectKey(db, kind, oid), local);
        locker.lock(key);
        txn.put(key, value);
    }

    /** Deletes catalog object {@code oid} of {@code kind} under its lock. */
    private void deleteObject(byte kind, int oid, boolean local) {
        byte[] key = placed(CatalogStorage.objectKey(db, kind, oid), local);
        locker.lock(key);
        txn.delete(key);
    }

    public byte[] lock(byte[] key) {
        return locker.lock(key);
    }

    /** The next OID; the counter stays locked until the transaction ends (serialising DDL). */
    public int allocateOid() {
        byte[] current = locker.lock(CatalogStore.nextOidKey());
        int next = current == null ? CatalogStore.FIRST_NORMAL_OID : ByteBuffer.wrap(current).getInt();
        txn.put(CatalogStore.nextOidKey(), ByteBuffer.allocate(4).putInt(next + 1).array());
        return next;
    }

    // ---------------------------------------------------------------- names

    /** Locks a relation name in a schema; returns the OID holding it, or 0 when free. */
    public int lockRelationName(int namespaceOid, String name) {
        byte[] v = locker.lock(placed(CatalogStorage.relationNameKey(db, namespaceOid, name),
                locality.namespace(namespaceOid)));
        return v == null ? 0 : CatalogStorage.oidOf(v);
    }

    public int lockNamespaceName(String name) {
        byte[] v = locker.lock(placed(CatalogStorage.namespaceNameKey(db, name), localName(name)));
        return v == null ? 0 : CatalogStorage.oidOf(v);
    }

    // ---------------------------------------------------------------- records

    public void putNamespace(Namespace n) {
        boolean local = localName(n.name());
        putObject(CatalogStorage.NAMESPACE, n.oid(), CatalogStorage.encodeNamespace(n), local);
        txn.put(placed(CatalogStorage.namespaceNameKey(db, n.name()), local), CatalogStorage.oidValue(n.oid()));
    }

    public void deleteNamespace(Namespace n) {
        boolean local = localName(n.name());
        deleteObject(CatalogStorage.NAMESPACE, n.oid(), local);
        deleteAcls(DbCatalog.PG_NAMESPACE, n.oid());
        byte[] nameKey = placed(CatalogStorage.namespaceNameKey(db, n.name()), local);
        locker.lock(nameKey);
        txn.delete(nameKey);
    }

    /** Writes a relation; {@code previous} (null when new) is the record it replaces (its old name is freed). */
    public void putRelation(Relation r, Relation previous) {
        putObject(CatalogStorage.RELATION, r.oid(), CatalogStorage.encodeRelation(r),
                locality.namespace(r.namespaceOid()));
        rename(previous == null ? null : previous.namespaceOid(), previous == null ? null : previous.name(),
                r.namespaceOid(), r.name(), r.oid());
    }

    private void rename(Integer oldNs, String oldName, int ns, String name, int oid) {
        if (oldName != null && (oldNs != ns || !oldName.equals(name))) {
            byte[] old = placed(CatalogStorage.relationNameKey(db, oldNs, oldName), locality.namespace(oldNs));
            locker.lock(old);
            txn.delete(old);
        }
        byte[] nameKey = placed(CatalogStorage.relationNameKey(db, ns, name), locality.namespace(ns));
        locker.lock(nameKey);
        txn.put(nameKey, CatalogStorage.oidValue(oid));
    }

    public void deleteRelation(Relation r) {
        boolean local = locality.namespace(r.namespaceOid());
        deleteObject(CatalogStorage.RELATION, r.oid(), local);
        byte[] nameKey = placed(CatalogStorage.relationNameKey(db, r.namespaceOid(), r.name()), local);
        locker.lock(nameKey);
        txn.delete(nameKey);
        deleteStats(r.oid());
        deleteAcls(DbCatalog.PG_CLASS, r.oid());
        putRelationTablespace(r.oid(), 0);
    }

    /** Records the tablespace of relation or index {@code oid}: 0 (the database's default) removes the record. */
    public void putRelationTablespace(int oid, int tablespaceOid) {
        byte[] key = placed(CatalogStorage.objectKey(db, CatalogStorage.RELATION_TABLESPACE, oid),
                locality.object(DbCatalog.PG_CLASS, oid));
        byte[] current = locker.lock(key);
        if (tablespaceOid != 0) {
            txn.put(key, CatalogStorage.oidValue(tablespaceOid));
        } else if (current != null) {
            txn.delete(key);
        }
    }

    public void putTablespace(TablespaceDef t) {
        locker.lock(CatalogStore.tablespaceKey(t.name()));
        txn.put(CatalogStore.tablespaceKey(t.name()), CatalogStore.encodeTablespace(t));
    }

    /** Locks a tablespace name; returns its record's latest value, null when free. */
    public byte[] lockTablespace(String name) {
        return locker.lock(CatalogStore.tablespaceKey(name));
    }

    public void deleteTablespace(String name) {
        locker.lock(CatalogStore.tablespaceKey(name));
        txn.delete(CatalogStore.tablespaceKey(name));
    }

    public void putRoutine(Routine f) {
        putObject(CatalogStorage.ROUTINE, f.oid(), CatalogStorage.encodeRoutine(f), false);
    }

    public void deleteRoutine(Routine f) {
        deleteObject(CatalogStorage.ROUTINE, f.oid(), false);
        deleteAcls(DbCatalog.PG_PROC, f.oid());
    }

    // ---------------------------------------------------------------- privileges

    /** Stores an object's (or with {@code subId} a column's) ACL; null returns it to the default. */
    public void putAcl(int classOid, int objectOid, int subId, List<Acl.Item> acl) {
        byte[] key = placed(CatalogStorage.aclKey(db, classOid, objectOid, subId), locality.object(classOid, objectOid));
        locker.lock(key);
        if (acl == null) {
            txn.delete(key);
        } else {
            txn.put(key, CatalogStorage.encodeAcl(acl));
        }
    }

    /** Deletes the ACLs of an object and of its columns (the object is dropped). */
    public void deleteAcls(int classOid, int objectOid) {
        List<byte[]> keys = new ArrayList<>();
        boolean local = locality.object(classOid, objectOid);
        try (KvCursor c = txn.scan(placed(CatalogStorage.aclObjectStart(db, classOid, objectOid), local),
                placed(CatalogStorage.aclObjectEnd(db, classOid, objectOid), local))) {
            while (c.next()) {
                keys.add(c.key());
            }
        }
        for (byte[] k : keys) {
            locker.lock(k);
            txn.delete(k);
        }
    }

    /** Stores a pg_default_acl row; null deletes it. */
    public void putDefaultAcl(int role, int namespaceOid, char objectType, List<Acl.Item> acl) {
        byte[] key = CatalogStorage.defaultAclKey(db, role, namespaceOid, objectType);
        locker.lock(key);
        if (acl == null) {
            txn.delete(key);
        } else {
            txn.put(key, CatalogStorage.encodeAcl(acl));
        }
    }

    /** Stores a database's ACL (shared); null returns it to the default. */
    public void putDatabaseAcl(int databaseOid, List<Acl.Item> acl) {
        byte[] key = CatalogStorage.databaseAclKey(databaseOid);
        locker.lock(key);
        if (acl == null) {
            txn.delete(key);
        } else {
            txn.put(key, CatalogStorage.encodeAcl(acl));
        }
    }

    public void putIndex(IndexInfo i, IndexInfo previous) {
        putObject(CatalogStorage.INDEX, i.oid(), CatalogStorage.encodeIndex(i), locality.namespace(i.namespaceOid()));
        rename(previous == null ? null : previous.namespaceOid(), previous == null ? null : previous.name(),
                i.namespaceOid(), i.name(), i.oid());
    }

    public void deleteIndex(IndexInfo i) {
        boolean local = locality.namespace(i.namespaceOid());
        deleteObject(CatalogStorage.INDEX, i.oid(), local);
        byte[] nameKey = placed(CatalogStorage.relationNameKey(db, i.namespaceOid(), i.name()), local);
        locker.lock(nameKey);
        txn.delete(nameKey);
        putRelationTablespace(i.oid(), 0);
    }

    public void putConstraint(Constraint c) {
        putObject(CatalogStorage.CONSTRAINT, c.oid(), CatalogStorage.encodeConstraint(c),
                locality.namespace(c.namespaceOid()));
    }

    public void deleteConstraint(Constraint c) {
        deleteObject(CatalogStorage.CONSTRAINT, c.oid(), locality.namespace(c.namespaceOid()));
    }

    public void putStats(TableStats s, Relation table) {
        Map<Integer, PgType> types = new HashMap<>();
        for (var a : table.columns()) {
            types.put(a.attnum(), a.type());
        }
        putObject(CatalogStorage.STATS, s.tableOid(), CatalogStorage.encodeStats(s, types),
                locality.namespace(table.namespaceOid()));
    }

    public void deleteStats(int tableOid) {
        byte[] key = placed(CatalogStorage.objectKey(db, CatalogStorage.STATS, tableOid),
                locality.object(DbCatalog.PG_CLASS, tableOid));
        if (locker.lock(key) != null) {
            txn.delete(key);
        }
    }

    /** COMMENT ON: {@code text} null removes the comment. */
    public void putComment(int classOid, int objectOid, int subId, String text) {
        byte[] key = placed(CatalogStorage.commentKey(db, classOid, objectOid, subId),
                locality.object(classOid, objectOid));
        locker.lock(key);
        if (text == null) {
            txn.delete(key);
        } else {
            txn.put(key, CatalogStorage.encodeComment(text));
        }
    }

    // ---------------------------------------------------------------- shared

    public byte[] lockRole(String name) {
        return locker.lock(CatalogStore.roleKey(name));
    }

    public void putRole(RoleDef r) {
        locker.lock(CatalogStore.roleKey(r.name()));
        txn.put(CatalogStore.roleKey(r.name()), CatalogStore.encodeRole(r));
    }

    public void deleteRole(String name) {
        txn.delete(CatalogStore.roleKey(name));
    }

    public byte[] lockDatabase(String name) {
        return locker.lock(CatalogStore.databaseKey(name));
    }

    public void putDatabase(DatabaseDef d) {
        locker.lock(CatalogStore.databaseKey(d.name()));
        txn.put(CatalogStore.databaseKey(d.name()), CatalogStore.encodeDatabase(d));
    }

    public void deleteDatabase(String name) {
        txn.delete(CatalogStore.databaseKey(name));
    }

    public void putMembership(SharedCatalog.Membership m) {
        byte[] key = CatalogStorage.membershipKey(m.role(), m.member());
        locker.lock(key);
        txn.put(key, CatalogStorage.encodeMembership(m));
    }

    public boolean deleteMembership(int role, int member) {
        byte[] key = CatalogStorage.membershipKey(role, member);
        boolean existed = locker.lock(key) != null;
        txn.delete(key);
        return existed;
    }
}
