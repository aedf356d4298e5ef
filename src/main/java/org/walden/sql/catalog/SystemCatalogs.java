package org.walden.sql.catalog;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.walden.sql.types.PgType;

/**
 * The relations of pg_catalog and information_schema: PostgreSQL 15's catalogs and system views
 * with their columns and OIDs (read from {@code system-catalogs.txt} and
 * {@code information-schema.txt} beside this class). Each is a virtual {@link Relation}: the
 * base catalogs' rows are built from the session's catalog when a statement reads them
 * ({@code exec.CatalogRows}); the views are defined in SQL over them and expanded like user views.
 * The same relations exist in every database.
 */
public final class SystemCatalogs {

    private static final Map<String, Relation> BY_NAME = new HashMap<>();
    private static final Map<Integer, Relation> BY_OID = new HashMap<>();
    private static final List<Relation> ALL = new ArrayList<>();

    static {
        load("system-catalogs.txt", Namespace.PG_CATALOG);
        load("information-schema.txt", Namespace.INFORMATION_SCHEMA);
    }

    private SystemCatalogs() {
    }

    /** The system relation of that name in that schema, or null. */
    public static Relation relation(int namespaceOid, String name) {
        return BY_NAME.get(namespaceOid + "." + name);
    }

    public static Relation relation(int oid) {
        return BY_OID.get(oid);
    }

    /** Every system relation, pg_catalog's first. */
    public static List<Relation> all() {
        return Collections.unmodifiableList(ALL);
    }

    /**
     * True for PostgreSQL's own catalog tables (pg_class, pg_attribute, ...: OIDs below 10000),
     * as opposed to the statistics and status relations Walden also defines as tables.
     */
    public static boolean isCatalogTable(Relation r) {
        return r.virtual() && r.kind() == Relation.TABLE && r.oid() < 10000;
    }

    /**
     * True for the system relations that are views in PostgreSQL: those defined here by a query,
     * and the status relations Walden computes (pg_stat_activity, pg_settings, pg_locks, ...).
     */
    public static boolean isSystemView(Relation r) {
        return r.virtual() && (r.kind() == Relation.VIEW || r.viewSql() != null || !isCatalogTable(r));
    }

    private static void load(String resource, int namespaceOid) {
        try (InputStream in = SystemCatalogs.class.getResourceAsStream(resource)) {
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            List<String> paragraph = new ArrayList<>();
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("#")) {
                    continue;
                }
                if (line.isBlank()) {
                    define(paragraph, namespaceOid);
                    paragraph.clear();
                } else {
                    paragraph.add(line);
                }
            }
            define(paragraph, namespaceOid);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void define(List<String> lines, int namespaceOid) {
        if (lines.isEmpty()) {
            return;
        }
        String[] head = lines.get(0).trim().split("\\s+");
        boolean view = head[0].equals("view");
        String name = head[1];
        int oid = Integer.parseInt(head[2]);
        List<Attribute> columns = new ArrayList<>();
        StringBuilder sql = null;
        for (String line : lines.subList(1, lines.size())) {
            if (sql != null) {
                sql.append('\n').append(line);
            } else if (line.startsWith("AS ")) {
                sql = new StringBuilder(line.substring(3));
            } else {
                for (String col : line.trim().split("\\s+")) {
                    int colon = col.indexOf(':');
                    String typname = col.substring(colon + 1);
                    PgType type = typname.startsWith("_") ? PgType.byTypname(typname) : PgType.byTypname(typname);
                    if (type == null) {
                        throw new IllegalStateException("unknown type " + typname + " in " + name);
                    }
                    columns.add(new Attribute(columns.size() + 1, col.substring(0, colon), type, -1, false));
                }
            }
        }
        char kind = view ? Relation.VIEW : Relation.TABLE;
        if (!view && oid < 10000) {
            // as PostgreSQL's bootstrap marks them: the fixed-width columns before the first variable-width one are NOT NULL
            for (int i = 0; i < columns.size() && columns.get(i).type().typlen > 0; i++) {
                Attribute a = columns.get(i);
                columns.set(i, new Attribute(a.attnum(), a.name(), a.type(), -1, true));
            }
        }
        Relation rel = new Relation(oid, name, namespaceOid, kind, CatalogStore.BOOTSTRAP_SUPERUSER_OID,
                List.copyOf(columns), new int[0], 0, 0, sql == null ? null : sql.toString(), null, null, List.of(),
                true);
        BY_NAME.put(namespaceOid + "." + name, rel);
        BY_OID.put(oid, rel);
        ALL.add(rel);
    }
}
