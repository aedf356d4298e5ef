/**
 * Parse analysis (PostgreSQL's parser/analyze.c and parse_*.c): resolves names against the
 * catalog, types every expression, chooses functions and operators as PostgreSQL chooses them
 * (implicit casts, unknown literals, polymorphism), infers parameter types, and turns a raw
 * statement into a {@link org.walden.sql.analyze.Query}.
 */
package org.walden.sql.analyze;
