package org.walden.common.guc;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Every parameter PostgreSQL 15 knows, plus the few older names the seeds still use. The
 * table itself ({@code pg15-parameters.tsv}, beside this class) lists name, type, unit,
 * context, boot value, min, max, enum values, category and description for each of
 * PostgreSQL 15's pg_settings rows; this class adds the parameters pg_settings hides
 * (GUC_NO_SHOW_ALL: is_superuser, session_authorization, role, seed), Walden's values for
 * the build-dependent ones (server_version, encodings), and the PostgreSQL 10 recovery.conf
 * and removed settings (standby_mode, trigger_file, wal_keep_segments).
 */
public final class GucCatalog {

    /** What Walden reports as server_version: the major must be 15 for pg_basebackup. */
    public static final String SERVER_VERSION = org.walden.common.ServerVersion.SERVER_VERSION;
    public static final String SERVER_VERSION_NUM = Integer.toString(org.walden.common.ServerVersion.PG_VERSION_NUM);

    /** The parameters sent as ParameterStatus (GUC_REPORT), in PostgreSQL's spelling. */
    public static final List<String> REPORTED = List.of("application_name", "client_encoding", "DateStyle",
            "default_transaction_read_only", "in_hot_standby", "integer_datetimes", "IntervalStyle",
            "is_superuser", "server_encoding", "server_version", "session_authorization",
            "standard_conforming_strings", "TimeZone");

    /** Old names PostgreSQL maps to new ones (map_old_guc_names), plus recovery.conf's trigger_file. */
    private static final Map<String, String> ALIASES = Map.of(
            "sort_mem", "work_mem",
            "vacuum_mem", "maintenance_work_mem",
            "trigger_file", "promote_trigger_file");

    private static final Map<String, String> BOOT_OVERRIDES = Map.ofEntries(
            Map.entry("server_version", SERVER_VERSION),
            Map.entry("server_version_num", SERVER_VERSION_NUM),
            Map.entry("server_encoding", "UTF8"),
            Map.entry("client_encoding", "UTF8"),
            // Debian's DEFAULT_PGSOCKET_DIR: where Debian's psql looks when no -h is given
            Map.entry("unix_socket_directories", "/var/run/postgresql"),
            Map.entry("krb_server_keyfile", ""),
            Map.entry("ssl_library", ""),
            Map.entry("jit", "off"),
            // PostgreSQL raises the 100kB boot value to 2MB at start (InitializeGUCOptions)
            Map.entry("max_stack_depth", "2048"),
            Map.entry("jit_provider", ""),
            Map.entry("dynamic_library_path", ""),
            Map.entry("shared_memory_size", "0"),
            Map.entry("shared_memory_size_in_huge_pages", "-1"));

    private static final GucCatalog PG15 = load();

    private final Map<String, GucDefinition> byLowerName;

    private GucCatalog(Map<String, GucDefinition> byLowerName) {
        this.byLowerName = Collections.unmodifiableMap(byLowerName);
    }

    /** The PostgreSQL 15 catalog (shared, immutable). */
    public static GucCatalog pg15() {
        return PG15;
    }

    /** The definition of {@code name} (case-insensitive, old names mapped), or null if unknown. */
    public GucDefinition find(String name) {
        GucDefinition exact = byLowerName.get(name); // callers mostly pass the lower-case name
        if (exact != null) {
            return exact;
        }
        String lower = name.toLowerCase(Locale.ROOT);
        GucDefinition def = byLowerName.get(lower);
        if (def == null && ALIASES.containsKey(lower)) {
            def = byLowerName.get(ALIASES.get(lower));
        }
        return def;
    }

    public Collection<GucDefinition> all() {
        return byLowerName.values();
    }

    /** A custom placeholder ("myext.setting") is accepted anywhere a name is: it has a dot. */
    public static boolean isCustomPlaceholder(String name) {
        int dot = name.indexOf('.');
        return dot > 0 && dot < name.length() - 1;
    }

    private static GucCatalog load() {
        Map<String, GucDefinition> defs = new LinkedHashMap<>();
        try (InputStream in = GucCatalog.class.getResourceAsStream("pg15-parameters.tsv")) {
            if (in == null) {
                throw new IllegalStateException("pg15-parameters.tsv missing from the class path");
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            while ((line = reader.readLine()) != null) {
                if (!line.isBlank()) {
                    GucDefinition def = parseRow(line);
                    defs.put(def.name().toLowerCase(Locale.ROOT), def);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        BOOT_OVERRIDES.forEach((name, value) -> defs.computeIfPresent(name, (k, d) -> d.withBootValue(value)));
        for (String name : REPORTED) {
            defs.computeIfPresent(name.toLowerCase(Locale.ROOT), (k, d) -> d.withReport());
        }
        for (GucDefinition extra : extras()) {
            defs.put(extra.name().toLowerCase(Locale.ROOT), extra);
        }
        return new GucCatalog(new HashMap<>(defs));
    }

    private static GucDefinition parseRow(String line) {
        String[] f = line.split("\t", -1);
        if (f.length != 10) {
            throw new IllegalStateException("bad row in pg15-parameters.tsv: " + line);
        }
        GucType type = GucType.fromPgName(f[1]);
        GucUnit unit = f[2].isEmpty() ? GucUnit.NONE : GucUnit.fromPgName(f[2]);
        List<String> enumValues = f[7].isEmpty() ? List.of() : List.of(f[7].split(","));
        double min = f[5].isEmpty() ? Double.NaN : Double.parseDouble(f[5]);
        double max = f[6].isEmpty() ? Double.NaN : Double.parseDouble(f[6]);
        return new GucDefinition(f[0], type, unit, GucContext.fromPgName(f[3]), f[4], min, max, enumValues,
                enumAliases(f[0], enumValues), false, true, f[8], f[9]);
    }

    /**
     * PostgreSQL's hidden enum spellings: an enum with "on" and "off" also takes the other
     * Boolean words; wal_level takes its pre-9.6 names.
     */
    private static Map<String, String> enumAliases(String name, List<String> values) {
        Map<String, String> aliases = new HashMap<>();
        if (values.contains("on") && values.contains("off")) {
            for (String t : List.of("true", "yes", "1")) {
                aliases.put(t, "on");
            }
            for (String f : List.of("false", "no", "0")) {
                aliases.put(f, "off");
            }
        }
        if (name.equals("wal_level")) {
            aliases.put("archive", "replica");
            aliases.put("hot_standby", "replica");
        }
        return Map.copyOf(aliases);
    }

    private static List<GucDefinition> extras() {
        List<GucDefinition> extras = new ArrayList<>();
        extras.add(hidden("is_superuser", GucType.BOOL, GucContext.INTERNAL, "off", true,
                "Shows whether the current user is a superuser."));
        extras.add(hidden("session_authorization", GucType.STRING, GucContext.USER, "", true,
                "Sets the session user name."));
        extras.add(hidden("role", GucType.STRING, GucContext.USER, "none", false, "Sets the current role."));
        extras.add(new GucDefinition("seed", GucType.REAL, GucUnit.NONE, GucContext.USER, "0", -1, 1, List.of(),
                Map.of(), false, false, "Unknown", "Sets the seed for random-number generation."));
        extras.add(hidden("standby_mode", GucType.BOOL, GucContext.POSTMASTER, "off", false,
                "PostgreSQL 10's recovery.conf switch: on means start as a standby (standby.signal)."));
        extras.add(new GucDefinition("wal_keep_segments", GucType.INT, GucUnit.NONE, GucContext.SIGHUP, "0", 0,
                Integer.MAX_VALUE, List.of(), Map.of(), false, false, "Replication / Sending Servers",
                "Removed in PostgreSQL 13 (use wal_keep_size); accepted as WAL segments to keep."));
        extras.addAll(haSettings());
        return extras;
    }

    /**
     * Automatic failover (org.walden.ha): custom settings under the "walden." prefix, as an
     * extension's. The coordinator, the cluster and the node's name are read at server start; the
     * failover rules (priority, lag limit) are re-read by the agent at each reload.
     */
    private static List<GucDefinition> haSettings() {
        String category = "Replication / Automatic Failover";
        return List.of(
                new GucDefinition("walden.ha_coordinator", GucType.STRING, GucUnit.NONE, GucContext.POSTMASTER, "",
                        Double.NaN, Double.NaN, List.of(), Map.of(), false, true, category,
                        "ZooKeeper connect string with a chroot (host:port,...[/path]); empty: no automatic failover."),
                new GucDefinition("walden.ha_cluster_name", GucType.STRING, GucUnit.NONE, GucContext.POSTMASTER,
                        "walden", Double.NaN, Double.NaN, List.of(), Map.of(), false, true, category,
                        "Name of the failover cluster: the path of its state under the coordinator's chroot."),
                new GucDefinition("walden.ha_node_name", GucType.STRING, GucUnit.NONE, GucContext.POSTMASTER, "",
                        Double.NaN, Double.NaN, List.of(), Map.of(), false, true, category,
                        "Name of this node in the failover cluster, also its application_name as a standby."),
                new GucDefinition("walden.ha_session_timeout", GucType.INT, GucUnit.MS, GucContext.POSTMASTER,
                        "3000", 1000, 60000, List.of(), Map.of(), false, true, category,
                        "ZooKeeper session timeout: how long a silent primary keeps the leader lease."),
                new GucDefinition("walden.ha_failover_priority", GucType.INT, GucUnit.NONE, GucContext.SIGHUP, "1",
                        0, 1000, List.of(), Map.of(), false, true, category,
                        "Preference among equally advanced candidates (higher wins); 0 never becomes the primary."),
                new GucDefinition("walden.ha_maximum_lag_on_failover", GucType.INT, GucUnit.BYTES, GucContext.SIGHUP,
                        "1048576", 0, Integer.MAX_VALUE, List.of(), Map.of(), false, true, category,
                        "Without synchronous replication, how far a standby may lag behind the primary's last "
                                + "published position and still be promoted."),
                new GucDefinition("walden.ha_synchronous_mode", GucType.BOOL, GucUnit.NONE, GucContext.SIGHUP,
                        "off", Double.NaN, Double.NaN, List.of(), Map.of(), false, true, category,
                        "The primary's agent sets synchronous_standby_names itself to healthy standbys (Patroni's "
                                + "synchronous_mode)."),
                new GucDefinition("walden.ha_synchronous_node_count", GucType.INT, GucUnit.NONE, GucContext.SIGHUP,
                        "1", 1, 100, List.of(), Map.of(), false, true, category,
                        "With walden.ha_synchronous_mode, how many synchronous standbys the primary's agent chooses."),
                new GucDefinition("walden.ha_api_port", GucType.INT, GucUnit.NONE, GucContext.POSTMASTER, "0", 0,
                        65535, List.of(), Map.of(), false, true, category,
                        "TCP port of the node's HTTP status endpoint (/primary, /replica, /health, /metrics); 0: none."));
    }

    private static GucDefinition hidden(String name, GucType type, GucContext context, String boot,
                                        boolean report, String description) {
        return new GucDefinition(name, type, GucUnit.NONE, context, boot, Double.NaN, Double.NaN, List.of(),
                Map.of(), report, false, "Unknown", description);
    }

    /** The lower-case names of every parameter, for tests and tools. */
    public Set<String> lowerCaseNames() {
        return byLowerName.keySet();
    }
}
