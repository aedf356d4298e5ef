package org.walden.sql.catalog;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An immutable snapshot of one database's catalog (its schemas, tables, views, sequences,
 * indexes, constraints, statistics and comments) with the shared catalog underneath. The
 * engine keeps one per database and {@code TransactionManager.catalogVersion()}; a transaction
 * that changed the catalog reads its own from its writes. The pg_catalog and
 * information_schema relations are not here but in {@link SystemCatalogs}.
 */
public final class DbCatalog {

    /** A name within a schema (pg_class is unique on relname, relnamespace). */
    public record NameKey(int namespaceOid, String name) {
    }

    /** An object a comment is on: the catalog holding it, its OID, and a column number (0 for none). */
    public record CommentKey(int classOid, int objectOid, int subId) {
    }

    /** A pg_default_acl row: privileges {@code role}'s new objects of {@code objectType} get (in {@code namespaceOid}, 0 for all). */
    public record DefaultAcl(int role, int namespaceOid, char objectType, List<Acl.Item> acl) {
    }

    /** pg_class, pg_namespace, pg_proc: the catalogs an ACL's key names. */
    public static final int PG_CLASS = 1259;
    public static final int PG_NAMESPACE = 2615;
    public static final int PG_PROC = 1255;

    private final long version;
    private final DatabaseDef database;
    private final SharedCatalog shared;
    private final Map<Integer, Namespace> namespaces;
    private final Map<String, Namespace> namespacesByName = new HashMap<>();
    private final Map<Integer, Relation> relations;
    private final Map<NameKey, Relation> relationsByName = new HashMap<>();
    private final Map<Integer, IndexInfo> indexes;
    private final Map<NameKey, IndexInfo> indexesByName = new HashMap<>();
    private final Map<Integer, List<IndexInfo>> indexesByTable = new HashMap<>();
    private final Map<Integer, Constraint> constraints;
    private final Map<Integer, List<Constraint>> constraintsByTable = new HashMap<>();
    private final Map<Integer, List<Constraint>> foreignKeysByReferencedTable = new HashMap<>();
    private final Map<Integer, TableStats> stats;
    private final Map<CommentKey, String> comments;
    private final Map<Integer, Routine> routines;
    private final Map<CommentKey, List<Acl.Item>> acls;
    private final List<DefaultAcl> defaultAcls;
    /** pg_class.reltablespace of the relations and indexes not in the database's default tablespace. */
    private final Map<Integer, Integer> relationTablespaces;
    private final Map<String, List<Routine>> routinesByName = new HashMap<>();

    public DbCatalog(long version, DatabaseDef database, SharedCatalog shared, Map<Integer, Namespace> namespaces,
                     Map<Integer, Relation> relations, Map<Integer, IndexInfo> indexes,
                     Map<Integer, Constraint> constraints, Map<Integer, TableStats> stats,
                     Map<CommentKey, String> comments, Map<Integer, Routine> routines,
                     Map<CommentKey, List<Acl.Item>> acls, List<DefaultAcl> defaultAcls,
                     Map<Integer, Integer> relationTablespaces) {
        this.relationTablespaces = Map.copyOf(relationTablespaces);
        this.acls = Map.copyOf(acls);
        this.defaultAcls = List.copyOf(defaultAcls);
        this.version = version;
        this.database = database;
        this.shared = shared;
        this.namespaces = Map.copyOf(namespaces);
        this.relations = Map.copyOf(relations);
        this.indexes = Map.copyOf(indexes);
        this.constraints = Map.copyOf(constraints);
        this.stats = Map.copyOf(stats);
        this.comments = Map.copyOf(comments);
        this.routines = Map.copyOf(routines);
        List<Routine> sortedRoutines = new ArrayList<>(this.routines.values());
        sortedRoutines.sort(Comparator.comparingInt(Routine::oid));
        for (Routine f : sortedRoutines) {
            routinesByName.computeIfAbsent(f.name(), k -> new ArrayList<>()).add(f);
        }
        for (Namespace n : this.namespaces.values()) {
            namespacesByName.put(n.name(), n);
        }
        for (Relation r : this.relations.values()) {
            relationsByName.put(new NameKey(r.namespaceOid(), r.name()), r);
        }
        List<IndexInfo> sortedIndexes = new ArrayList<>(this.indexes.values());
        sortedIndexes.sort(Comparator.comparingInt(IndexInfo::oid));
        for (IndexInfo i : sortedIndexes) {
            indexesByName.put(new NameKey(i.namespaceOid(), i.name()), i);
            indexesByTable.computeIfAbsent(i.tableOid(), k -> new ArrayList<>()).add(i);
        }
        List<Constraint> sortedConstraints = new ArrayList<>(this.constraints.values());
        sortedConstraints.sort(Comparator.comparingInt(Constraint::oid));
        for (Constraint c : sortedConstraints) {
            constraintsByTable.computeIfAbsent(c.tableOid(), k -> new ArrayList<>()).add(c);
            if (c.type() == Constraint.FOREIGN) {
                foreignKeysByReferencedTable.computeIfAbsent(c.refTableOid(), k -> new ArrayList<>()).add(c);
            }
        }
    }

    /** pg_class.reltablespace of a relation or index: its tablespace's OID, 0 for the database's default. */
    public int relationTablespace(int relationOid) {
        return relationTablespaces.getOrDefault(relationOid, 0);
    }

    /** True when a relation or index of this database is in tablespace {@code tablespaceOid}. */
    public boolean usesTablespace(int tablespaceOid) {
        return relationTablespaces.containsValue(tablespaceOid);
    }

    public long version() {
        return version;
    }

    public DatabaseDef database() {
        return database;
    }

    public SharedCatalog shared() {
        return shared;
    }

    // ---------------------------------------------------------------- schemas

    /** A user schema or a built-in one (pg_catalog, public, information_schema, pg_toast). */
    public Namespace namespace(String name) {
        return namespacesByName.get(name);
    }

    public Namespace namespace(int oid) {
        return namespaces.get(oid);
    }

    public Collection<Namespace> namespaces() {
        return namespaces.values();
    }

    // ---------------------------------------------------------------- relations

    /** A stored relation (table, view, sequence) by OID; system relations are in SystemCatalogs. */
    public Relation relation(int oid) {
        return relations.get(oid);
    }

    public Relation relation(int namespaceOid, String name) {
        return relationsByName.get(new NameKey(namespaceOid, name));
    }

    public Collection<Relation> relations() {
        return relations.values();
    }

    public IndexInfo index(int oid) {
        return indexes.get(oid);
    }

    public IndexInfo index(int namespaceOid, String name) {
        return indexesByName.get(new NameKey(namespaceOid, name));
    }

    public Collection<IndexInfo> indexes() {
        return indexes.values();
    }

    /** The table's indexes, oldest first (the primary key's included). */
    public List<IndexInfo> indexesOf(int tableOid) {
        return indexesByTable.getOrDefault(tableOid, List.of());
    }

    public Constraint constraint(int oid) {
        return constraints.get(oid);
    }

    public Collection<Constraint> constraints() {
        return constraints.values();
    }

    public List<Constraint> constraintsOf(int tableOid) {
        return constraintsByTable.getOrDefault(tableOid, List.of());
    }

    /** Foreign keys that reference the table. */
    public List<Constraint> foreignKeysReferencing(int tableOid) {
        return foreignKeysByReferencedTable.getOrDefault(tableOid, List.of());
    }

    /** True when a relation or an index has that name in that schema. */
    public boolean relationNameTaken(int namespaceOid, String name) {
        NameKey k = new NameKey(namespaceOid, name);
        return relationsByName.containsKey(k) || indexesByName.containsKey(k);
    }

    public TableStats stats(int tableOid) {
        return stats.get(tableOid);
    }

    public Collection<TableStats> allStats() {
        return stats.values();
    }

    // ---------------------------------------------------------------- functions

    public Routine routine(int oid) {
        return routines.get(oid);
    }

    /** The user-defined functions of that name in every schema, oldest first. */
    public List<Routine> routines(String name) {
        return routinesByName.getOrDefault(name, List.of());
    }

    public Collection<Routine> routines() {
        return routines.values();
    }

    public String comment(int classOid, int objectOid, int subId) {
        return comments.get(new CommentKey(classOid, objectOid, subId));
    }

    public Map<CommentKey, String> comments() {
        return comments;
    }

    // ---------------------------------------------------------------- privileges

    /**
     * The stored ACL of an object ({@code classOid} {@link #PG_CLASS}, {@link #PG_NAMESPACE} or
     * {@link #PG_PROC}; {@code subId} a column's attnum, 0 for the object), null for the default.
     */
    public List<Acl.Item> acl(int classOid, int objectOid, int subId) {
        return acls.get(new CommentKey(classOid, objectOid, subId));
    }

    /** The pg_default_acl rows. */
    public List<DefaultAcl> defaultAcls() {
        return defaultAcls;
    }

    // ---------------------------------------------------------------- shared

    public RoleDef role(String name) {
        return shared.role(name);
    }

    public RoleDef roleByOid(long oid) {
        return shared.roleByOid(oid);
    }

    public Map<String, DatabaseDef> databases() {
        return shared.databases();
    }

    public Collection<RoleDef> allRoles() {
        return shared.allRoles();
    }
}
