/**
 * PostgreSQL's v3 wire protocol: message framing and encoders, startup packets,
 * authentication exchanges (trust, password, md5, SCRAM-SHA-256) for both server and client
 * sides, and a client connection ({@link org.walden.protocol.PgClient}). The flows (startup,
 * simple and extended query, IDENTIFY_SYSTEM → START_REPLICATION → CopyBoth) are drawn as
 * sequence diagrams in this package's README.md.
 */
package org.walden.protocol;
