/** Built-in types with PostgreSQL's OIDs, their text and binary formats, casts and comparisons. */
package org.walden.sql.types;
