package org.walden.sql.catalog;

import org.walden.sql.types.PgType;

/** One column of a table: name, type and typmod, NOT NULL, and the DEFAULT expression's SQL text (or null). */
public record Column(String name, PgType type, int typmod, boolean notNull, String defaultSql) {
}
