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

    /** An integer parameter in its base unit (ms, kB, ...), as SHOW would give it without the unit. */
    default int getInt(String name) {
        return Integer.parseInt(show(name));
    }

    /** A boolean parameter. */
    default boolean getBool(String name) {
        return show(name).equals("on");
    }

    /** SET [LOCAL] name = value. 42704 unknown, 22023 bad value, 55P02 cannot be changed now. */
    void set(String name, String value, boolean local);

    /** RESET name / SET name TO DEFAULT. */
    void reset(String name);

    /** At transaction end: drops SET LOCAL values. */
    void endTransaction(boolean committed);

    /** At SAVEPOINT: what {@link #rollbackToSubtransaction} restores (PostgreSQL's GUC nest level). */
    default Object subtransactionStart() {
        return null;
    }

    /** ROLLBACK TO a savepoint, or an error inside it: the values SET since its {@code start} are undone. */
    default void rollbackToSubtransaction(Object start) {
    }

    /**
     * An object that stays the same while no value this session sees changes (no SET, RESET,
     * transaction end or configuration reload), so callers may cache what they derive from the
     * values; null when the implementation cannot tell.
     */
    default Object valuesVersion() {
        return null;
    }

    /** SHOW ALL: name, setting, description. */
    List<String[]> showAll();

    /** One pg_settings row: the value in its base unit as PostgreSQL's {@code setting} column shows it. */
    record SettingRow(GucDefinition def, String setting, String source, String resetValue, String sourceFile,
                      Integer sourceLine, boolean pendingRestart) {
    }

    /** The pg_settings rows this session sees, by name (here from SHOW ALL and the parameters' definitions). */
    default List<SettingRow> settingRows() {
        List<SettingRow> rows = new java.util.ArrayList<>();
        GucCatalog catalog = GucCatalog.pg15();
        for (String[] s : showAll()) {
            GucDefinition def = catalog.find(s[0]);
            if (def != null) {
                rows.add(new SettingRow(def, s[1], "default", s[1], null, null, false));
            }
        }
        return rows;
    }

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
