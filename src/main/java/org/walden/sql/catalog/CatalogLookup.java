package org.walden.sql.catalog;

import java.util.ArrayList;
import java.util.List;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.sql.parse.Keywords;

/**
 * Name look-ups against one database's catalog as a session sees it through its search_path:
 * schemas (the built-in pg_catalog, pg_toast and information_schema, and the stored ones),
 * relations and indexes (pg_catalog is searched first unless search_path names it), visibility
 * (pg_table_is_visible), and regclass's input and output.
 */
public final class CatalogLookup {

    private static final List<Namespace> BUILT_IN = List.of(
            new Namespace(Namespace.PG_CATALOG, "pg_catalog", CatalogStore.BOOTSTRAP_SUPERUSER_OID),
            new Namespace(Namespace.PG_TOAST, "pg_toast", CatalogStore.BOOTSTRAP_SUPERUSER_OID),
            new Namespace(Namespace.INFORMATION_SCHEMA, "information_schema", CatalogStore.BOOTSTRAP_SUPERUSER_OID));

    /** The name PostgreSQL gives a session's own temporary schema in search_path and qualified names. */
    public static final String PG_TEMP = "pg_temp";
    /** The prefix of every temporary schema's name (pg_temp_N: N the session's slot). */
    public static final String TEMP_SCHEMA_PREFIX = "pg_temp_";

    private final DbCatalog catalog;
    /** This session's temporary schema (pg_temp_N), 0 while it has none. */
    private final int tempNamespaceOid;
    private final List<Integer> searchOids;
    private final List<String> explicitPath;
    private final String user;
    /** The current user's role; null (no checks) for a superuser or an unknown name. */
    private final RoleDef checkedRole;

    /**
     * {@code searchPath} is search_path's entries as written ("$user" allowed); {@code user} the
     * current user, whom "$user" names.
     */
    public CatalogLookup(DbCatalog catalog, List<String> searchPath, String user) {
        this(catalog, searchPath, user, 0);
    }

    /**
     * As above, for a session whose temporary schema is {@code tempNamespaceOid} (0: none yet):
     * it is searched first for relations unless search_path places pg_temp elsewhere, as
     * PostgreSQL's recomputeNamespacePath does, and "pg_temp" names it.
     */
    public CatalogLookup(DbCatalog catalog, List<String> searchPath, String user, int tempNamespaceOid) {
        this.catalog = catalog;
        this.tempNamespaceOid = tempNamespaceOid;
        this.user = user;
        RoleDef role = user == null ? null : catalog.role(user);
        this.checkedRole = role == null || role.superuser() ? null : role;
        List<Integer> oids = new ArrayList<>();
        List<String> names = new ArrayList<>();
        boolean catalogListed = false;
        boolean tempListed = false;
        for (String entry : searchPath) {
            String name = entry.equals("$user") ? user : entry;
            if (name.equals(PG_TEMP)) {
                if (tempNamespaceOid != 0 && !tempListed) {
                    oids.add(tempNamespaceOid);
                }
                tempListed = true;
                continue;
            }
            Namespace n = namespace(name);
            if (n != null && isTemporary(n) ) {
                continue; // a temporary schema is searched only as pg_temp
            }
            // schemas the user has no USAGE on are left out of the path, as PostgreSQL's recomputeNamespacePath
            if (n != null && !oids.contains(n.oid()) && (checkedRole == null
                    || Privileges.namespace(catalog, n, checkedRole.oid(), Acl.USAGE) != 0)) {
                oids.add(n.oid());
                names.add(n.name());
                catalogListed |= n.oid() == Namespace.PG_CATALOG;
            }
        }
        if (!catalogListed) {
            oids.add(0, Namespace.PG_CATALOG);
        }
        if (!tempListed && tempNamespaceOid != 0) {
            oids.add(0, tempNamespaceOid);
        }
        this.searchOids = List.copyOf(oids);
        this.explicitPath = List.copyOf(names);
    }

    /** The user this lookup searches for ("$user", privilege checks). */
    public String user() {
        return user;
    }

    /** 42501 "permission denied for schema s" unless the user holds {@code privilege} (USAGE, CREATE) on it. */
    public void requireSchemaPrivilege(Namespace n, int privilege) {
        if (checkedRole != null && Privileges.namespace(catalog, n, checkedRole.oid(), privilege) == 0) {
            throw Privileges.denied("schema", n.name());
        }
    }

    public DbCatalog catalog() {
        return catalog;
    }

    /** Every schema, built-in ones first. */
    public List<Namespace> namespaces() {
        List<Namespace> out = new ArrayList<>(BUILT_IN);
        List<Namespace> stored = new ArrayList<>(catalog.namespaces());
        stored.sort(java.util.Comparator.comparingInt(Namespace::oid));
        out.addAll(stored);
        return out;
    }

    /** This session's temporary schema (pg_temp_N), or 0 while it has none (pg_my_temp_schema()). */
    public int tempNamespaceOid() {
        return tempNamespaceOid;
    }

    /** True for a temporary schema, this session's or another's. */
    public static boolean isTemporary(Namespace n) {
        return n.name().startsWith(TEMP_SCHEMA_PREFIX);
    }

    /** pg_class.relpersistence: 't' in a temporary schema, otherwise what the relfilenode was made for. */
    public static char persistence(DbCatalog catalog, int namespaceOid, int relfilenode) {
        Namespace n = catalog.namespace(namespaceOid);
        if (n != null && isTemporary(n)) {
            return org.walden.txn.RelPersistence.TEMPORARY;
        }
        return org.walden.txn.RelPersistence.of(relfilenode);
    }

    public Namespace namespace(String name) {
        if (name.equals(PG_TEMP)) {
            return tempNamespaceOid == 0 ? null : catalog.namespace(tempNamespaceOid);
        }
        for (Namespace n : BUILT_IN) {
            if (n.name().equals(name)) {
                return n;
            }
        }
        return catalog.namespace(name);
    }

    public Namespace namespace(int oid) {
        for (Namespace n : BUILT_IN) {
            if (n.oid() == oid) {
                return n;
            }
        }
        return catalog.namespace(oid);
    }

    /** The namespace or 3F000 "schema ... does not exist". */
    public Namespace requireNamespace(String name) {
        Namespace n = namespace(name);
        if (n == null) {
            throw new PgException(SqlState.INVALID_SCHEMA_NAME, "schema \"" + name + "\" does not exist");
        }
        return n;
    }

    /** The schemas searched for unqualified names, in order (pg_catalog first unless listed). */
    public List<Integer> searchNamespaces() {
        return searchOids;
    }

    /** current_schemas(include_implicit): the existing schemas of search_path. */
    public List<String> searchPathNames(boolean includeImplicit) {
        if (!includeImplicit) {
            return explicitPath;
        }
        List<String> out = new ArrayList<>();
        for (int oid : searchOids) {
            out.add(namespace(oid).name());
        }
        return out;
    }

    /** The schema CREATE puts an unqualified object in: the first of search_path that exists (not pg_catalog). */
    public Namespace creationNamespace() {
        for (String name : explicitPath) {
            Namespace n = namespace(name);
            if (n != null && n.oid() != Namespace.PG_CATALOG) {
                return n;
            }
        }
        throw new PgException(SqlState.INVALID_SCHEMA_NAME, "no schema has been selected to create in");
    }

    // ---------------------------------------------------------------- relations

    /** A relation (table, view, sequence, system catalog) in one schema, or null. */
    public Relation relationIn(int namespaceOid, String name) {
        Relation r = catalog.relation(namespaceOid, name);
        return r != null ? r : SystemCatalogs.relation(namespaceOid, name);
    }

    /** A relation by possibly qualified name, searched along search_path; null when there is none. */
    public Relation relation(String schema, String name) {
        if (schema != null) {
            Namespace n = requireNamespace(schema);
            return relationIn(n.oid(), name);
        }
        for (int oid : searchOids) {
            Relation r = relationIn(oid, name);
            if (r != null) {
                return r;
            }
        }
        return null;
    }

    public Relation relation(int oid) {
        Relation r = catalog.relation(oid);
        return r != null ? r : SystemCatalogs.relation(oid);
    }

    public IndexInfo index(String schema, String name) {
        if (schema != null) {
            return catalog.index(requireNamespace(schema).oid(), name);
        }
        for (int oid : searchOids) {
            IndexInfo i = catalog.index(oid, name);
            if (i != null) {
                return i;
            }
        }
        return null;
    }

    /** pg_class's OID of a relation or index name as regclass input reads it (possibly qualified, quoted). */
    public Long regclassIn(String text) {
        List<String> parts = parseQualifiedName(text);
        String schema = parts.size() > 1 ? parts.get(parts.size() - 2) : null;
        String name = parts.get(parts.size() - 1);
        Relation r = relation(schema, name);
        if (r != null) {
            return (long) r.oid();
        }
        IndexInfo i = index(schema, name);
        if (i != null) {
            return (long) i.oid();
        }
        return null;
    }

    /** regclass output: the name, schema-qualified when not visible, quoted when needed; null for an unknown OID. */
    public String regclassOut(long oid) {
        Relation r = relation((int) oid);
        if (r != null) {
            return visible(r.namespaceOid(), r.name()) ? quoteIdentifier(r.name())
                    : quoteIdentifier(namespace(r.namespaceOid()).name()) + "." + quoteIdentifier(r.name());
        }
        IndexInfo i = catalog.index((int) oid);
        if (i != null) {
            return visible(i.namespaceOid(), i.name()) ? quoteIdentifier(i.name())
                    : quoteIdentifier(namespace(i.namespaceOid()).name()) + "." + quoteIdentifier(i.name());
        }
        return null;
    }

    /** pg_table_is_visible: the first relation of that name along search_path is this one. */
    public boolean relationVisible(int oid) {
        Relation r = relation(oid);
        if (r != null) {
            return visible(r.namespaceOid(), r.name());
        }
        IndexInfo i = catalog.index(oid);
        return i != null && visible(i.namespaceOid(), i.name());
    }

    private boolean visible(int namespaceOid, String name) {
        for (int oid : searchOids) {
            if (relationIn(oid, name) != null || catalog.index(oid, name) != null) {
                return oid == namespaceOid;
            }
        }
        return false;
    }

    /** True when {@code namespaceOid} is on the search path (types and functions are visible there). */
    public boolean namespaceSearched(int namespaceOid) {
        return searchOids.contains(namespaceOid);
    }

    /** quote_ident's rule: double quotes unless a plain lower-case identifier and no reserved keyword. */
    public static String quoteIdentifier(String s) {
        if (s.matches("[a-z_][a-z0-9_$]*") && !Keywords.isReserved(s)) {
            return s;
        }
        return "\"" + s.replace("\"", "\"\"") + "\"";
    }

    /** Splits {@code schema.name} (with "quoted" parts; unquoted ones lower-cased) into its parts. */
    public static List<String> parseQualifiedName(String text) {
        List<String> parts = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        boolean wasQuoted = false;
        String t = text.trim();
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (quoted) {
                if (c == '"') {
                    if (i + 1 < t.length() && t.charAt(i + 1) == '"') {
                        cur.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    cur.append(c);
                }
            } else if (c == '"') {
                quoted = true;
                wasQuoted = true;
            } else if (c == '.') {
                parts.add(cur.toString());
                cur.setLength(0);
                wasQuoted = false;
            } else {
                cur.append(wasQuoted ? c : Character.toLowerCase(c));
            }
        }
        if (quoted) {
            throw new PgException(SqlState.INVALID_NAME, "invalid name syntax");
        }
        parts.add(cur.toString());
        for (String p : parts) {
            if (p.isEmpty()) {
                throw new PgException(SqlState.INVALID_NAME, "invalid name syntax");
            }
        }
        return parts;
    }
}
