/**
 * The command-line tools, PostgreSQL's programs as {@code walden} subcommands (picocli):
 * initdb, postgres/server, ctl (pg_ctl), controldata, waldump, basebackup, demo. Every call
 * into the engine, SQL, server and replication layers goes through
 * {@link org.walden.cli.ClusterFactory}; a running server is wired and supervised by
 * {@link org.walden.server.Supervisor}. This package only parses command lines.
 */
package org.walden.cli;
