package org.walden.common;

/**
 * The one place Walden's version lives: server_version, server_version_num, version() and
 * the command-line tools' --version all derive from these, so they agree.
 */
public final class ServerVersion {

    /** The PostgreSQL release Walden answers as (the major must be 15 for pg_basebackup). */
    public static final String PG_VERSION = "15.18";
    /** PG_VERSION as server_version_num writes it. */
    public static final int PG_VERSION_NUM = 150018;
    /** Walden's own release. */
    public static final String WALDEN_VERSION = "0.1.0";
    /** server_version: "15.18 (Walden 0.1.0)", as Debian's is "15.18 (Debian 15.18-1.pgdg120+1)". */
    public static final String SERVER_VERSION = PG_VERSION + " (Walden " + WALDEN_VERSION + ")";
    /** The Java release the code is compiled for (pom.xml's maven.compiler.release). */
    public static final int JAVA_RELEASE = 21;
    /** version(): PostgreSQL's PG_VERSION_STR layout. */
    public static final String VERSION_STRING = "PostgreSQL " + SERVER_VERSION
            + " on x86_64-pc-linux-gnu, compiled by javac " + JAVA_RELEASE + ", 64-bit";

    private ServerVersion() {
    }
}
