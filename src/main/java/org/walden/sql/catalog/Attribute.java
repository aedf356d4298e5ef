package org.walden.sql.catalog;

import org.walden.sql.types.PgType;

/**
 * One column of a relation (a pg_attribute row): its number (attnum, 1-based), name, type and
 * typmod, NOT NULL, the DEFAULT expression (its source, re-analyzed when the default is used, and
 * its text as pg_get_expr prints it), identity ('' none, 'a' ALWAYS, 'd' BY DEFAULT), and whether
 * it was dropped (a dropped column keeps its place in stored rows).
 */
public record Attribute(int attnum, String name, PgType type, int typmod, boolean notNull, String defaultSql,
                        String defaultText, char identity, boolean dropped) {

    public Attribute(int attnum, String name, PgType type, int typmod, boolean notNull) {
        this(attnum, name, type, typmod, notNull, null, null, '\0', false);
    }

    public boolean hasDefault() {
        return defaultSql != null;
    }

    public Attribute withName(String newName) {
        return new Attribute(attnum, newName, type, typmod, notNull, defaultSql, defaultText, identity, dropped);
    }

    public Attribute withNotNull(boolean newNotNull) {
        return new Attribute(attnum, name, type, typmod, newNotNull, defaultSql, defaultText, identity, dropped);
    }

    public Attribute withDefault(String sql, String text) {
        return new Attribute(attnum, name, type, typmod, notNull, sql, text, identity, dropped);
    }

    public Attribute withType(PgType newType, int newTypmod) {
        return new Attribute(attnum, name, newType, newTypmod, notNull, defaultSql, defaultText, identity, dropped);
    }

    public Attribute asDropped() {
        return new Attribute(attnum, "........pg.dropped." + attnum + "........", type, typmod, false, null, null,
                '\0', true);
    }
}
