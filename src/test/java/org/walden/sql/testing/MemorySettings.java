package org.walden.sql.testing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.common.guc.SessionSettings;

/** A small SessionSettings for tests: a fixed set of known names, SET / SET LOCAL / RESET. */
public final class MemorySettings implements SessionSettings {

    private final Map<String, String> defaults = new LinkedHashMap<>();
    private final Map<String, String> session = new HashMap<>();
    private final Map<String, String> local = new HashMap<>();
    private Object version = new Object();

    public MemorySettings() {
        defaults.put("application_name", "");
        defaults.put("synchronous_commit", "on");
        defaults.put("timezone", "UTC");
        defaults.put("datestyle", "ISO, MDY");
        defaults.put("password_encryption", "scram-sha-256");
        defaults.put("lock_timeout", "0");
        defaults.put("statement_timeout", "0");
        defaults.put("server_version", org.walden.common.ServerVersion.SERVER_VERSION);
        defaults.put("max_wal_senders", "10");
        defaults.put("wal_level", "replica");
        defaults.put("search_path", "\"$user\", public");
        defaults.put("work_mem", "4MB");
        defaults.put("hash_mem_multiplier", "2");
        defaults.put("default_tablespace", "");
    }

    private String key(String name) {
        String k = name.toLowerCase(Locale.ROOT);
        if (!defaults.containsKey(k)) {
            throw new PgException(SqlState.UNDEFINED_OBJECT, "unrecognized configuration parameter \"" + name + "\"");
        }
        return k;
    }

    @Override
    public String show(String name) {
        String k = key(name);
        if (local.containsKey(k)) {
            return local.get(k);
        }
        return session.getOrDefault(k, defaults.get(k));
    }

    @Override
    public void set(String name, String value, boolean isLocal) {
        String k = key(name);
        if (k.equals("synchronous_commit")) {
            try {
                org.walden.txn.SynchronousCommit.parse(value);
            } catch (IllegalArgumentException e) {
                throw new PgException(SqlState.INVALID_PARAMETER_VALUE, "invalid value for parameter \""
                        + name + "\": \"" + value + "\"");
            }
        }
        (isLocal ? local : session).put(k, value);
        version = new Object();
    }

    @Override
    public void reset(String name) {
        String k = key(name);
        session.remove(k);
        version = new Object();
    }

    @Override
    public void endTransaction(boolean committed) {
        if (!local.isEmpty()) {
            local.clear();
            version = new Object();
        }
    }

    @Override
    public Object valuesVersion() {
        return version;
    }

    @Override
    public List<String[]> showAll() {
        List<String[]> out = new ArrayList<>();
        for (String k : defaults.keySet()) {
            out.add(new String[] {k, show(k), "test setting " + k});
        }
        return out;
    }

    /** ALTER SYSTEM calls seen: "name=value" or "name" for RESET. */
    public final List<String> alteredSystem = new ArrayList<>();

    @Override
    public void alterSystem(String name, String value) {
        alteredSystem.add(value == null ? name : name + "=" + value);
    }

    @Override
    public Map<String, String> reportedValues() {
        return Map.of("application_name", show("application_name"));
    }
}
