/**
 * The built-in functions, operators and aggregates (PostgreSQL's pg_proc, pg_operator and
 * pg_aggregate): their signatures, which the analyzer resolves calls against, and their Java
 * implementations, which the executor calls.
 */
package org.walden.sql.func;
