package org.walden.common.guc;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.walden.common.PgException;
import org.walden.common.SqlState;

/**
 * One session's settings: the server-wide values (read live, so a reload reaches every
 * session that did not SET the parameter), the session's SET values over them, and SET
 * LOCAL values over those until the transaction ends. A SET inside a transaction that
 * aborts is undone, as in PostgreSQL.
 *
 * <p>Not thread-safe: a session belongs to its backend's thread.
 */
public final class GucSessionSettings implements SessionSettings {

    private final GucServerSettings server;
    /** SET values, lower-case name → value. */
    private final Map<String, Object> sessionValues = new HashMap<>();
    /** Values the client's startup packet set: what RESET returns to, as PostgreSQL's reset_val. */
    private final Map<String, Object> connectionValues = new HashMap<>();
    /** SET LOCAL values; dropped at transaction end. */
    private final Map<String, Object> localValues = new HashMap<>();
    /** Session values as they were before this transaction changed them (empty: not set). */
    private final Map<String, Optional<Object>> savedAtTransactionStart = new HashMap<>();
    /** Definitions of custom placeholders ("myapp.x") SET in this session. */
    private final Map<String, GucDefinition> placeholders = new HashMap<>();
    /**
     * GUC_REPORT values as last computed, valid while no session value changed ({@code changes})
     * and the server's values are the same: a backend asks for them at every ReadyForQuery.
     */
    private Map<String, String> reportedCache;
    private long reportedCacheChanges = -1;
    private Object reportedCacheServerValues;
    /** Bumped by every change of a session or local value. */
    private long changes;
    /** Null until the backend calls {@link #setSessionAuthorization}; then SET checks superuser. */
    private String sessionUser;
    private boolean superuser = true;

    GucSessionSettings(GucServerSettings server) {
        this.server = server;
    }

    @Override
    public void setSessionAuthorization(String userName, boolean isSuperuser) {
        changes++;
        this.sessionUser = userName;
        this.superuser = isSuperuser;
        sessionValues.put("session_authorization", userName);
        sessionValues.put("is_superuser", isSuperuser);
    }

    @Override
    public String show(String name) {
        GucDefinition def = definition(name, false);
        return GucValues.format(def, effectiveValue(def));
    }

    /** The value (Boolean, Integer, Double or String) this session sees. */
    public Object value(String name) {
        return effectiveValue(definition(name, false));
    }

    public boolean getBool(String name) {
        GucDefinition def = definition(name, false);
        return GucServerSettings.asBool(def, effectiveValue(def));
    }

    public int getInt(String name) {
        GucDefinition def = definition(name, false);
        return GucServerSettings.asInt(def, effectiveValue(def));
    }

    public long getMillis(String name) {
        GucDefinition def = definition(name, false);
        return GucServerSettings.asMillis(def, effectiveValue(def));
    }

    public long getBytes(String name) {
        GucDefinition def = definition(name, false);
        return GucServerSettings.asBytes(def, effectiveValue(def));
    }

    public String getString(String name) {
        GucDefinition def = definition(name, false);
        return GucServerSettings.asString(def, effectiveValue(def));
    }

    @Override
    public void set(String name, String value, boolean local) {
        changes++;
        GucDefinition def = definition(name, true);
        checkCanSet(def);
        Object parsed = GucValues.parse(def, value);
        String key = key(def);
        saveBeforeChange(key);
        if (local) {
            localValues.put(key, parsed);
        } else {
            sessionValues.put(key, parsed);
            localValues.remove(key);
        }
    }

    @Override
    public void setAtConnectionStart(String name, String value) {
        changes++;
        GucDefinition def = definition(name, true);
        boolean backendContext = def.context() == GucContext.BACKEND
                || (def.context() == GucContext.SUPERUSER_BACKEND && superuser);
        if (!backendContext) {
            checkCanSet(def);
        }
        Object parsed = GucValues.parse(def, value);
        sessionValues.put(key(def), parsed);
        connectionValues.put(key(def), parsed);
    }

    @Override
    public void reset(String name) {
        changes++;
        GucDefinition def = definition(name, false);
        checkCanSet(def);
        String key = key(def);
        saveBeforeChange(key);
        resetToConnectionValue(key);
        localValues.remove(key);
    }

    private void resetToConnectionValue(String key) {
        Object atStart = connectionValues.get(key);
        if (atStart != null) {
            sessionValues.put(key, atStart);
        } else {
            sessionValues.remove(key);
        }
    }

    /** RESET ALL: every user-settable parameter back to its server-wide value. */
    public void resetAll() {
        changes++;
        for (String key : new ArrayList<>(sessionValues.keySet())) {
            if (!key.equals("session_authorization") && !key.equals("is_superuser")) {
                saveBeforeChange(key);
                resetToConnectionValue(key);
            }
        }
        localValues.clear();
    }

    @Override
    public void endTransaction(boolean committed) {
        if (!localValues.isEmpty() || (!committed && !savedAtTransactionStart.isEmpty())) {
            changes++;
        }
        if (!committed) {
            savedAtTransactionStart.forEach((key, before) -> {
                if (before.isPresent()) {
                    sessionValues.put(key, before.get());
                } else {
                    sessionValues.remove(key);
                }
            });
        }
        savedAtTransactionStart.clear();
        localValues.clear();
    }

    /** The session and SET LOCAL values when a savepoint began. */
    private record SubtransactionStart(Map<String, Object> sessionValues, Map<String, Object> localValues) {
    }

    @Override
    public Object subtransactionStart() {
        return new SubtransactionStart(new HashMap<>(sessionValues), new HashMap<>(localValues));
    }

    @Override
    public void rollbackToSubtransaction(Object start) {
        SubtransactionStart s = (SubtransactionStart) start;
        if (!s.sessionValues().equals(sessionValues) || !s.localValues().equals(localValues)) {
            changes++;
            sessionValues.clear();
            sessionValues.putAll(s.sessionValues());
            localValues.clear();
            localValues.putAll(s.localValues());
        }
    }

    @Override
    public List<String[]> showAll() {
        List<String[]> rows = new ArrayList<>();
        for (GucServerSettings.Setting s : server.allSettings()) {
            if (s.def().showAll()) {
                rows.add(new String[] {s.def().name(), GucValues.format(s.def(), effectiveValue(s.def())),
                    s.def().description()});
            }
        }
        for (GucDefinition def : placeholders.values()) {
            if (server.setting(def.name()) == null) {
                rows.add(new String[] {def.name(), GucValues.format(def, effectiveValue(def)), ""});
            }
        }
        rows.sort((a, b) -> a[0].compareToIgnoreCase(b[0]));
        return rows;
    }

    private Object version;
    private long versionChanges = -1;
    private Object versionServerValues;

    @Override
    public Object valuesVersion() {
        Object serverValues = server.valuesVersion();
        if (version == null || versionChanges != changes || versionServerValues != serverValues) {
            version = new Object();
            versionChanges = changes;
            versionServerValues = serverValues;
        }
        return version;
    }

    @Override
    public List<SettingRow> settingRows() {
        List<SettingRow> rows = new ArrayList<>();
        for (GucServerSettings.Setting s : server.allSettings()) {
            GucDefinition def = s.def();
            if (!def.showAll()) {
                continue;
            }
            String key = key(def);
            boolean session = localValues.containsKey(key) || sessionValues.containsKey(key);
            rows.add(new SettingRow(def, GucValues.formatRaw(def, effectiveValue(def)),
                    session ? "session" : s.source().pgName(), GucValues.formatRaw(def, s.value()),
                    s.sourceFile() == null ? null : s.sourceFile().toString(),
                    s.sourceFile() == null ? null : s.sourceLine(), s.pendingRestart()));
        }
        for (GucDefinition def : placeholders.values()) {
            if (server.setting(def.name()) == null) {
                rows.add(new SettingRow(def, GucValues.formatRaw(def, effectiveValue(def)), "session", null, null,
                        null, false));
            }
        }
        rows.sort((a, b) -> a.def().name().compareToIgnoreCase(b.def().name()));
        return rows;
    }

    @Override
    public Map<String, String> reportedValues() {
        Object serverValues = server.valuesVersion();
        if (reportedCache == null || reportedCacheChanges != changes || reportedCacheServerValues != serverValues) {
            Map<String, String> values = new LinkedHashMap<>();
            for (String name : GucCatalog.REPORTED) {
                values.put(name, show(name));
            }
            reportedCache = java.util.Collections.unmodifiableMap(values);
            reportedCacheChanges = changes;
            reportedCacheServerValues = serverValues;
        }
        return reportedCache;
    }

    @Override
    public void alterSystem(String name, String value) {
        if (!superuser) {
            throw new PgException(SqlState.INSUFFICIENT_PRIVILEGE, "must be superuser to execute ALTER SYSTEM command");
        }
        server.alterSystem(name, value);
    }

    private Object effectiveValue(GucDefinition def) {
        String key = key(def);
        if (localValues.containsKey(key)) {
            return localValues.get(key);
        }
        if (sessionValues.containsKey(key)) {
            return sessionValues.get(key);
        }
        GucServerSettings.Setting s = server.setting(def.name());
        return s != null ? s.value() : GucValues.bootValue(def);
    }

    private void saveBeforeChange(String key) {
        if (!savedAtTransactionStart.containsKey(key)) {
            savedAtTransactionStart.put(key, Optional.ofNullable(sessionValues.get(key)));
        }
    }

    /** PostgreSQL's set_config_option context checks for a SET from a session. */
    private void checkCanSet(GucDefinition def) {
        String quoted = "parameter \"" + def.name() + "\"";
        switch (def.context()) {
            case INTERNAL -> throw cantChange(quoted + " cannot be changed");
            case POSTMASTER -> throw cantChange(quoted + " cannot be changed without restarting the server");
            case SIGHUP -> throw cantChange(quoted + " cannot be changed now");
            case BACKEND, SUPERUSER_BACKEND -> throw cantChange(quoted + " cannot be set after connection start");
            case SUPERUSER -> {
                if (!superuser) {
                    throw new PgException(SqlState.INSUFFICIENT_PRIVILEGE,
                            "permission denied to set " + quoted);
                }
            }
            case USER -> { }
        }
    }

    private static PgException cantChange(String message) {
        return new PgException(SqlState.CANT_CHANGE_RUNTIME_PARAM, message);
    }

    private GucDefinition definition(String name, boolean createPlaceholder) {
        GucDefinition def = server.catalog().find(name);
        if (def != null) {
            return def;
        }
        String lower = name.toLowerCase(Locale.ROOT);
        GucServerSettings.Setting custom = server.setting(lower);
        if (custom != null) {
            return custom.def();
        }
        GucDefinition mine = placeholders.get(lower);
        if (mine != null) {
            return mine;
        }
        if (createPlaceholder && GucCatalog.isCustomPlaceholder(name)) {
            GucDefinition created = GucServerSettings.placeholder(lower);
            placeholders.put(lower, created);
            return created;
        }
        throw GucServerSettings.unrecognized(name);
    }

    private static String key(GucDefinition def) {
        return def.name().toLowerCase(Locale.ROOT);
    }

    /** The user given to {@link #setSessionAuthorization}, or null before authentication. */
    public String sessionUser() {
        return sessionUser;
    }
}
