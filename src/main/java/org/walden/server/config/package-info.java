/**
 * The data directory's configuration as the server and the tools see it: the files initdb
 * writes (postgresql.conf, pg_hba.conf), postmaster.pid's layout, and which recovery mode the
 * signal files (standby.signal, recovery.signal) or a PostgreSQL 10 recovery.conf ask for. The
 * GUC machinery itself is in {@code org.walden.common.guc}.
 */
package org.walden.server.config;
