package org.walden.sql.catalog;

import org.walden.sql.types.PgType;

/**
 * One column of a relation (a pg_attribute row): its number (attnum, 1-based), name, type and
 * typmod, NOT NULL, the DEFAULT expression (its source, re-analyzed when the default is used, and
 * its text as pg_get_expr prints it), identity ('' none, 'a' ALWAYS, 'd' BY DEFAULT), whether
 * it was dropped (a dropped column keeps its place in stored rows), and attgenerated ('s' for a
 * stored generated column, whose generation expression is kept where a default is: a generated
 * column has no default).
 */
public record Attribute(int attnum, String name, PgType type, int typmod, boolean notNull, String defaultSql,
                        String defaultText, char identity, boolean dropped, char generated) {

    public Attribute(int attnum, String name, PgType type, int typmod, boolean notNull, String defaultSql,
                     String defaultText, char identity, boolean dropped) {
        this(attnum, name, type, typmod, notNull, defaultSql, defaultText, identity, dropped, '\0');
    }

    public Attribute(int attnum, String name, PgType type, int typmod, boolean notNull) {
        this(attnum, name, type, typmod, notNull, null, null, '\0', false, '\0');
    }

    public boolean hasDefault() {
        return defaultSql != null;
    }

    /** A GENERATED ALWAYS AS (...) STORED column: computed from the row's other columns at every write. */
    public boolean isGenerated() {
        return generated != '\0';
    }

    public Attribute withName(String newName) {
        return new Attribute(attnum, newName, type, typmod, notNull, defaultSql, defaultText, identity, dropped,
                generated);
    }

    public Attribute withNotNull(boolean newNotNull) {
        return new Attribute(attnum, name, type, typmod, newNotNull, defaultSql, defaultText, identity, dropped,
                generated);
    }

    public Attribute withDefault(String sql, String text) {
        return new Attribute(attnum, name, type, typmod, notNull, sql, text, identity, dropped, generated);
    }

    /** This column generated (stored) by the expression {@code sql}, or no longer generated when null. */
    public Attribute withGeneration(String sql) {
        return new Attribute(attnum, name, type, typmod, notNull, sql, null, identity, dropped,
                sql == null ? '\0' : 's');
    }

    public Attribute withType(PgType newType, int newTypmod) {
        return new Attribute(attnum, name, newType, newTypmod, notNull, defaultSql, defaultText, identity, dropped,
                generated);
    }

    public Attribute asDropped() {
        return new Attribute(attnum, "........pg.dropped." + attnum + "........", type, typmod, false, null, null,
                '\0', true, '\0');
    }
}
