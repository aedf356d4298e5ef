/**
 * The command-line tools, PostgreSQL's programs as {@code walden} subcommands (picocli):
 * initdb, postgres/server, ctl (pg_ctl), controldata, waldump, basebackup, demo. Every call
 * into the engine, SQL, server and replication layers goes through
 * {@link org.walden.cli.ClusterFactory} (and {@link org.walden.cli.ServerAssembly}, which wires
 * one running server), so the integration seam is in one place.
 */
package org.walden.cli;
