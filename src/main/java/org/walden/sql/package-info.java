/** SQL: parser, planner, executor, types and their text/binary formats, the catalogs and pg_catalog views. */
package org.walden.sql;
