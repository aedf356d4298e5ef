package org.walden.sql;

import java.util.Optional;
import org.walden.common.guc.SessionSettings;

/**
 * The SQL layer as the server sees it: opens sessions and answers the catalog questions
 * that authentication asks. One per server; thread-safe.
 */
public interface SqlEngine {

    /** Opens a session for an authenticated user on an existing database. */
    Session newSession(String userName, String databaseName, int backendPid, SessionSettings settings);

    /** The role of that name (pg_authid), for authentication and the REPLICATION check. */
    Optional<Role> findRole(String name);

    /** True if the database exists (a connection to another gets FATAL 3D000). */
    boolean databaseExists(String name);

    /**
     * A role as authentication needs it. {@code passwordVerifier} is null (no password),
     * "SCRAM-SHA-256$iterations:salt$storedkey:serverkey", or "md5" + 32 hex digits.
     */
    record Role(int oid, String name, boolean superuser, boolean canLogin, boolean replication,
                int connectionLimit, String passwordVerifier) {
    }
}
