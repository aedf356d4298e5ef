package org.walden.common.guc;

import java.util.List;
import java.util.Map;

/**
 * A session's view of the configuration parameters (GUCs): the server-wide values from
 * postgresql.conf / postgresql.auto.conf / the command line, with the session's SET values
 * on top. Names are case-insensitive.
 */
public interface SessionSettings {

    /** SHOW name: the value as PostgreSQL prints it (units included, e.g. "16MB", "60s"). 42704 if unknown. */
    String show(String name);

    /** SET [LOCAL] name = value. 42704 unknown, 22023 bad value, 55P02 cannot be changed now. */
    void set(String name, String value, boolean local);

    /** RESET name / SET name TO DEFAULT. */
    void reset(String name);

    /** At transaction end: drops SET LOCAL values. */
    void endTransaction(boolean committed);

    /** SHOW ALL: name, setting, description. */
    List<String[]> showAll();

    /** The GUC_REPORT parameters (sent as ParameterStatus) and their current values. */
    Map<String, String> reportedValues();

    /**
     * Called once by the backend after authentication: sets session_authorization and
     * is_superuser (both GUC_REPORT) and what SET of a superuser-context parameter checks.
     * (Added by ops.)
     */
    default void setSessionAuthorization(String userName, boolean superuser) {
        throw new UnsupportedOperationException("setSessionAuthorization");
    }

    /** ALTER SYSTEM SET/RESET (value null) for this session's user: 42501 unless superuser. (Added by ops.) */
    default void alterSystem(String name, String value) {
        throw new UnsupportedOperationException("ALTER SYSTEM");
    }

    /**
     * A setting from the startup packet (or its {@code options=-c name=value}), applied as
     * PostgreSQL's process_startup_options does: like SET, but backend-context parameters
     * (ignore_system_indexes, log_connections for superusers) are allowed too. (Added by ops.)
     */
    default void setAtConnectionStart(String name, String value) {
        set(name, value, false);
    }
}
