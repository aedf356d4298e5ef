package org.walden.replication;

import java.util.HashMap;
import java.util.Map;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.common.guc.ServerSettings;
import org.walden.common.guc.SessionSettings;

/** A map of settings, for tests. Times in ms, sizes in bytes. */
final class TestSettings implements ServerSettings {

    final Map<String, String> values = new HashMap<>(Map.of("wal_sender_timeout", "60000", "max_wal_senders", "10",
            "wal_receiver_timeout", "60000", "wal_receiver_status_interval", "10000",
            "wal_retrieve_retry_interval", "5000", "max_replication_slots", "10", "server_version", "15.18",
            "cluster_name", ""));

    TestSettings with(String name, String value) {
        values.put(name, value);
        return this;
    }

    @Override
    public String show(String name) {
        String v = values.get(name);
        if (v == null) {
            throw new PgException(SqlState.UNDEFINED_OBJECT, "unrecognized configuration parameter \"" + name + "\"");
        }
        return v;
    }

    @Override
    public boolean getBool(String name) {
        return Boolean.parseBoolean(show(name)) || show(name).equals("on");
    }

    @Override
    public int getInt(String name) {
        return Integer.parseInt(show(name));
    }

    @Override
    public long getBytes(String name) {
        return Long.parseLong(show(name));
    }

    @Override
    public long getMillis(String name) {
        return Long.parseLong(show(name));
    }

    @Override
    public String getString(String name) {
        return show(name);
    }

    @Override
    public SessionSettings newSession() {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean reload() {
        return true;
    }
}
