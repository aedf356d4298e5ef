package org.walden.protocol;

/** The authentication methods Walden supports, named as in pg_hba.conf. */
public enum AuthMethod {
    /** Accept without a password. */
    TRUST("trust"),
    /** Refuse the connection. */
    REJECT("reject"),
    /** Cleartext password (AuthenticationCleartextPassword, code 3). */
    PASSWORD("password"),
    /** MD5 challenge (code 5); a role with a SCRAM verifier is asked for SCRAM instead. */
    MD5("md5"),
    /** SCRAM-SHA-256 (codes 10, 11, 12), with SCRAM-SHA-256-PLUS channel binding over TLS. */
    SCRAM_SHA_256("scram-sha-256"),
    /** The client's TLS certificate: its CN (through pg_ident.conf's map, if any) must be the user. hostssl only. */
    CERT("cert"),
    /** The Unix socket peer's operating-system user (through the map, if any) must be the user. local only. */
    PEER("peer");

    private final String hbaName;

    AuthMethod(String hbaName) {
        this.hbaName = hbaName;
    }

    /** The name as written in pg_hba.conf. */
    public String hbaName() {
        return hbaName;
    }

    /** PostgreSQL's methods that Walden is not built with: pg_hba.conf refuses them by name. */
    public static final java.util.Set<String> NOT_BUILT = java.util.Set.of("ident", "gss", "sspi", "pam", "ldap",
            "radius", "bsd");

    /** The method for a pg_hba.conf name, or null if Walden does not support it. */
    public static AuthMethod fromHbaName(String name) {
        for (AuthMethod m : values()) {
            if (m.hbaName.equals(name)) {
                return m;
            }
        }
        return null;
    }
}
