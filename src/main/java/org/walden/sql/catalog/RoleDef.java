package org.walden.sql.catalog;

import java.time.Instant;

/** A pg_authid row. {@code passwordVerifier}: null, "SCRAM-SHA-256$..." or "md5...". */
public record RoleDef(int oid, String name, boolean superuser, boolean inherit, boolean createRole,
                      boolean createDb, boolean canLogin, boolean replication, boolean bypassRls,
                      int connectionLimit, String passwordVerifier, Instant validUntil) {
}
