package org.walden.common.guc;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;
import org.walden.common.PgException;
import org.walden.common.SqlState;

/**
 * The server-wide settings: built-in defaults, then postgresql.conf, postgresql.auto.conf
 * (which wins over it) and recovery.conf (PostgreSQL 10 style, for the seeds), then the
 * command line ({@code -c name=value}), then the values the server itself decides
 * ("override": data_directory, wal_segment_size, in_hot_standby). Within the files a later
 * line wins over an earlier one.
 *
 * <p>{@link #load} is the postmaster's first read: any error (syntax, unknown name, bad
 * value) is logged at LOG, and the start is refused with FATAL {@code configuration file "..."
 * contains errors}. {@link #reload} (SIGHUP, pg_reload_conf()) applies changed settings
 * except postmaster-context ones, which are logged as needing a restart; a file that no
 * longer parses is logged and ignored, as PostgreSQL's ProcessConfigFile does.
 *
 * <p>Concurrency: {@link #settings} is an immutable map replaced whole; backends read it
 * without a lock. {@link #lock} serializes the writers (load, reload, setInternal, ALTER
 * SYSTEM).
 */
public final class GucServerSettings implements ServerSettings {

    private static final Logger LOG = LoggerFactory.getLogger(GucServerSettings.class);

    public static final String CONFIG_FILE_NAME = "postgresql.conf";
    public static final String RECOVERY_CONF_FILE_NAME = "recovery.conf";

    /** pg_settings.source. */
    public enum Source {
        DEFAULT("default"), CONFIGURATION_FILE("configuration file"), COMMAND_LINE("command line"),
        OVERRIDE("override");

        private final String pgName;

        Source(String pgName) {
            this.pgName = pgName;
        }

        public String pgName() {
            return pgName;
        }
    }

    /** One parameter's server-wide value and where it came from (a pg_settings row). */
    public record Setting(GucDefinition def, Object value, Source source, Path sourceFile, int sourceLine,
                          boolean pendingRestart) {
        public String show() {
            return GucValues.format(def, value);
        }

        Setting withPendingRestart() {
            return new Setting(def, value, source, sourceFile, sourceLine, true);
        }
    }

    private final GucCatalog catalog;
    /** The data directory, or null for settings without files (tools, tests). */
    private final Path dataDir;
    /** -c name=value from the command line, lower-case names; validated in {@link #load}. */
    private final Map<String, String> commandLine;
    private final ReentrantLock lock = new ReentrantLock();
    /** Lower-case name → setting; immutable, replaced whole under {@link #lock}; read by every backend. */
    private volatile Map<String, Setting> settings = Map.of();
    private final List<Runnable> reloadListeners = new CopyOnWriteArrayList<>();
    /** Errors counted during one pass over the files; guarded by {@link #lock}. */
    private int passErrors;

    private GucServerSettings(GucCatalog catalog, Path dataDir, Map<String, String> commandLine) {
        this.catalog = catalog;
        this.dataDir = dataDir == null ? null : dataDir.toAbsolutePath().normalize();
        this.commandLine = commandLine;
    }

    /**
     * The postmaster's first read of DATA/postgresql.conf, postgresql.auto.conf, recovery.conf
     * and the command line. Raises FATAL F0000 "configuration file ... contains errors" (after
     * logging each error) or 42704/22023 for a bad command-line option.
     */
    public static GucServerSettings load(Path dataDir, Map<String, String> commandLineOptions) {
        GucCatalog catalog = GucCatalog.pg15();
        Map<String, String> cmd = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : commandLineOptions.entrySet()) {
            GucDefinition def = catalog.find(e.getKey());
            if (def == null && !GucCatalog.isCustomPlaceholder(e.getKey())) {
                throw PgException.fatal(SqlState.UNDEFINED_OBJECT,
                        "unrecognized configuration parameter \"" + e.getKey() + "\"");
            }
            if (def != null) {
                try {
                    GucValues.parse(def, e.getValue());
                } catch (PgException bad) {
                    throw new PgException(PgException.Severity.FATAL, bad.sqlState(), bad.getMessage(),
                            bad.detail(), bad.hint(), null);
                }
            }
            cmd.put(def == null ? e.getKey().toLowerCase(Locale.ROOT) : def.name().toLowerCase(Locale.ROOT),
                    e.getValue());
        }
        GucServerSettings s = new GucServerSettings(catalog, dataDir, cmd);
        if (!s.processConfigFile(true)) {
            throw PgException.fatal(SqlState.CONFIG_FILE_ERROR,
                    "configuration file \"" + s.configFile() + "\" contains errors");
        }
        return s;
    }

    /** Built-in defaults plus {@code overrides}, no files: for tools and tests. */
    public static GucServerSettings defaults(Map<String, String> overrides) {
        GucServerSettings s = new GucServerSettings(GucCatalog.pg15(), null, Map.of());
        s.processConfigFile(true);
        overrides.forEach(s::setInternal);
        return s;
    }

    /** DATA/postgresql.conf, or the command line's config_file. */
    public Path configFile() {
        String explicit = commandLine.get("config_file");
        if (explicit != null) {
            return Path.of(explicit).toAbsolutePath().normalize();
        }
        return dataDir == null ? Path.of(CONFIG_FILE_NAME) : dataDir.resolve(CONFIG_FILE_NAME);
    }

    public Path dataDirectory() {
        return dataDir;
    }

    /** True if DATA/recovery.conf exists (its settings are read like the others'). */
    public boolean recoveryConfPresent() {
        return dataDir != null && Files.exists(dataDir.resolve(RECOVERY_CONF_FILE_NAME));
    }

    /**
     * The current values, as one object that is replaced whenever any value changes (a reload,
     * {@link #setInternal}): a session's cached GUC_REPORT values are stale once it differs.
     */
    Object valuesVersion() {
        return settings;
    }

    @Override
    public boolean reload() {
        boolean ok = processConfigFile(false);
        for (Runnable listener : reloadListeners) {
            listener.run();
        }
        return ok;
    }

    /** Called after every reload (e.g. to reconfigure logging). */
    public void addReloadListener(Runnable listener) {
        reloadListeners.add(listener);
    }

    /**
     * Reads the files and applies them: PostgreSQL's ProcessConfigFileInternal. Returns false
     * if anything was wrong (every problem is logged).
     */
    private boolean processConfigFile(boolean starting) {
        lock.lock();
        try {
            passErrors = 0;
            Map<String, ConfigFileParser.Item> items = readFiles();
            if (items == null) {
                if (!starting) {
                    LOG.info("configuration file \"{}\" contains errors; no changes were applied", configFile());
                }
                return false;
            }
            Map<String, Setting> next = new HashMap<>();
            for (GucDefinition def : catalog.all()) {
                String key = def.name().toLowerCase(Locale.ROOT);
                next.put(key, computeSetting(def, items.get(key), settings.get(key), starting));
            }
            addPlaceholders(items, next);
            addFileOverrides(next);
            settings = Collections.unmodifiableMap(next);
            if (passErrors > 0 && !starting) {
                LOG.info("configuration file \"{}\" contains errors; unaffected changes were applied", configFile());
            }
            return passErrors == 0;
        } finally {
            lock.unlock();
        }
    }

    /** The merged items of all files (later wins), or null after a syntax or name error. */
    private Map<String, ConfigFileParser.Item> readFiles() {
        if (dataDir == null && !commandLine.containsKey("config_file")) {
            return Map.of();
        }
        List<ConfigFileParser.Result> results = new ArrayList<>();
        results.add(ConfigFileParser.parseFile(configFile()));
        if (dataDir != null) {
            for (String name : List.of(AutoConfFile.FILE_NAME, RECOVERY_CONF_FILE_NAME)) {
                Path file = dataDir.resolve(name);
                if (Files.exists(file)) {
                    results.add(ConfigFileParser.parseFile(file));
                }
            }
        }
        boolean failed = false;
        Map<String, ConfigFileParser.Item> merged = new LinkedHashMap<>();
        for (ConfigFileParser.Result r : results) {
            r.problems().forEach(p -> LOG.info(p.message()));
            failed |= r.hasErrors();
            for (ConfigFileParser.Item item : r.items()) {
                GucDefinition def = catalog.find(item.name());
                String key = def != null ? def.name().toLowerCase(Locale.ROOT) : item.name().toLowerCase(Locale.ROOT);
                merged.remove(key);
                merged.put(key, item);
            }
        }
        if (failed) {
            return null;
        }
        for (ConfigFileParser.Item item : merged.values()) {
            if (catalog.find(item.name()) == null && !GucCatalog.isCustomPlaceholder(item.name())) {
                LOG.info("unrecognized configuration parameter \"{}\" in file \"{}\" line {}",
                        item.name(), item.file(), item.line());
                failed = true;
            }
        }
        return failed ? null : merged;
    }

    private Setting computeSetting(GucDefinition def, ConfigFileParser.Item item, Setting old, boolean starting) {
        if (old != null && old.source() == Source.OVERRIDE) {
            return old;
        }
        Setting candidate = candidateSetting(def, item, old);
        if (starting || old == null || Objects.equals(old.value(), candidate.value())) {
            return candidate;
        }
        if (def.context() == GucContext.POSTMASTER) {
            LOG.info("parameter \"{}\" cannot be changed without restarting the server", def.name());
            return old.withPendingRestart();
        }
        if (candidate.source() == Source.DEFAULT && old.source() == Source.CONFIGURATION_FILE) {
            LOG.info("parameter \"{}\" removed from configuration file, reset to default", def.name());
        } else {
            LOG.info("parameter \"{}\" changed to \"{}\"", def.name(), item == null ? candidate.show() : item.value());
        }
        return candidate;
    }

    private Setting candidateSetting(GucDefinition def, ConfigFileParser.Item item, Setting old) {
        String key = def.name().toLowerCase(Locale.ROOT);
        if (commandLine.containsKey(key)) {
            return new Setting(def, GucValues.parse(def, commandLine.get(key)), Source.COMMAND_LINE, null, 0, false);
        }
        Setting fallback = old != null ? old : new Setting(def, GucValues.bootValue(def), Source.DEFAULT, null, 0,
                false);
        if (item == null) {
            return new Setting(def, GucValues.bootValue(def), Source.DEFAULT, null, 0, false);
        }
        if (def.context() == GucContext.INTERNAL) {
            LOG.info("parameter \"{}\" cannot be changed", def.name());
            passErrors++;
            return fallback;
        }
        try {
            return new Setting(def, GucValues.parse(def, item.value()), Source.CONFIGURATION_FILE, item.file(),
                    item.line(), false);
        } catch (PgException e) {
            logProblem(e);
            passErrors++;
            return fallback;
        }
    }

    private static void logProblem(PgException e) {
        LoggingEventBuilder event = LOG.atInfo().setMessage(e.getMessage());
        if (e.detail() != null) {
            event = event.addKeyValue("detail", e.detail());
        }
        if (e.hint() != null) {
            event = event.addKeyValue("hint", e.hint());
        }
        event.log();
    }

    private void addPlaceholders(Map<String, ConfigFileParser.Item> items, Map<String, Setting> next) {
        for (Map.Entry<String, ConfigFileParser.Item> e : items.entrySet()) {
            if (!next.containsKey(e.getKey())) {
                ConfigFileParser.Item item = e.getValue();
                next.put(e.getKey(), new Setting(placeholder(item.name()), item.value(), Source.CONFIGURATION_FILE,
                        item.file(), item.line(), false));
            }
        }
        commandLine.forEach((name, value) -> {
            if (!next.containsKey(name) || next.get(name).source() != Source.COMMAND_LINE) {
                if (catalog.find(name) == null) {
                    next.put(name, new Setting(placeholder(name), value, Source.COMMAND_LINE, null, 0, false));
                }
            }
        });
    }

    /** data_directory, config_file, hba_file, ident_file: where the files are, as PostgreSQL shows them. */
    private void addFileOverrides(Map<String, Setting> next) {
        if (dataDir == null) {
            return;
        }
        putOverride(next, "data_directory", dataDir.toString());
        putOverride(next, "config_file", configFile().toString());
        if (next.get("hba_file").source() == Source.DEFAULT) {
            putOverride(next, "hba_file", dataDir.resolve("pg_hba.conf").toString());
        }
        if (next.get("ident_file").source() == Source.DEFAULT) {
            putOverride(next, "ident_file", dataDir.resolve("pg_ident.conf").toString());
        }
    }

    private void putOverride(Map<String, Setting> map, String name, String value) {
        GucDefinition def = catalog.find(name);
        map.put(def.name().toLowerCase(Locale.ROOT),
                new Setting(def, GucValues.parse(def, value), Source.OVERRIDE, null, 0, false));
    }

    static GucDefinition placeholder(String name) {
        return new GucDefinition(name, GucType.STRING, GucUnit.NONE, GucContext.USER, "", Double.NaN, Double.NaN,
                List.of(), Map.of(), false, true, "Customized Options", "");
    }

    /**
     * A value the server decides (PGC_S_OVERRIDE): wal_segment_size and data_directory_mode
     * from pg_control, in_hot_standby while in recovery, ... Raises 22023 for a bad value.
     */
    public void setInternal(String name, String value) {
        GucDefinition def = definition(name);
        Object parsed = GucValues.parse(def, value);
        lock.lock();
        try {
            Map<String, Setting> next = new HashMap<>(settings);
            next.put(def.name().toLowerCase(Locale.ROOT), new Setting(def, parsed, Source.OVERRIDE, null, 0, false));
            settings = Collections.unmodifiableMap(next);
        } finally {
            lock.unlock();
        }
    }

    /**
     * ALTER SYSTEM SET name = value (value null: ALTER SYSTEM RESET name): checks the name and
     * value and rewrites postgresql.auto.conf; the change takes effect at the next reload.
     */
    @Override
    public void alterSystem(String name, String value) {
        if (dataDir == null) {
            throw new PgException(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "ALTER SYSTEM needs a data directory");
        }
        GucDefinition def = catalog.find(name);
        if (def == null && !GucCatalog.isCustomPlaceholder(name)) {
            throw unrecognized(name);
        }
        if (def != null && def.context() == GucContext.INTERNAL) {
            throw new PgException(SqlState.CANT_CHANGE_RUNTIME_PARAM, "parameter \"" + def.name()
                    + "\" cannot be changed");
        }
        if (def != null && value != null) {
            GucValues.parse(def, value);
        }
        lock.lock();
        try {
            AutoConfFile.set(dataDir, def == null ? name : def.name(), value);
        } finally {
            lock.unlock();
        }
    }

    /** ALTER SYSTEM RESET ALL. */
    public void alterSystemResetAll() {
        lock.lock();
        try {
            AutoConfFile.write(dataDir, Map.of());
        } finally {
            lock.unlock();
        }
    }

    /** The definition of {@code name}; 42704 if unknown. */
    GucDefinition definition(String name) {
        GucDefinition def = catalog.find(name);
        if (def == null) {
            Setting custom = settings.get(name.toLowerCase(Locale.ROOT));
            if (custom != null) {
                return custom.def();
            }
            throw unrecognized(name);
        }
        return def;
    }

    static PgException unrecognized(String name) {
        return new PgException(SqlState.UNDEFINED_OBJECT, "unrecognized configuration parameter \"" + name + "\"");
    }

    /** The server-wide setting of {@code name}, or null for an unknown name. */
    public Setting setting(String name) {
        GucDefinition def = catalog.find(name);
        return settings.get(def == null ? name.toLowerCase(Locale.ROOT) : def.name().toLowerCase(Locale.ROOT));
    }

    Object value(String name) {
        Setting s = setting(name);
        if (s == null) {
            throw unrecognized(name);
        }
        return s.value();
    }

    /** Every setting, sorted by name (pg_settings; hidden ones included, see {@link GucDefinition#showAll}). */
    public List<Setting> allSettings() {
        List<Setting> all = new ArrayList<>(settings.values());
        all.sort(Comparator.comparing(s -> s.def().name().toLowerCase(Locale.ROOT)));
        return all;
    }

    GucCatalog catalog() {
        return catalog;
    }

    @Override
    public String show(String name) {
        Setting s = setting(name);
        if (s == null) {
            throw unrecognized(name);
        }
        return s.show();
    }

    @Override
    public boolean getBool(String name) {
        return asBool(definition(name), value(name));
    }

    @Override
    public int getInt(String name) {
        return asInt(definition(name), value(name));
    }

    @Override
    public long getBytes(String name) {
        return asBytes(definition(name), value(name));
    }

    @Override
    public long getMillis(String name) {
        return asMillis(definition(name), value(name));
    }

    @Override
    public String getString(String name) {
        return asString(definition(name), value(name));
    }

    /** A real parameter's value (random_page_cost, checkpoint_completion_target). */
    public double getReal(String name) {
        return asReal(definition(name), value(name));
    }

    @Override
    public SessionSettings newSession() {
        return new GucSessionSettings(this);
    }

    static boolean asBool(GucDefinition def, Object v) {
        if (v instanceof Boolean b) {
            return b;
        }
        throw new IllegalArgumentException("parameter \"" + def.name() + "\" is not a Boolean");
    }

    static int asInt(GucDefinition def, Object v) {
        if (v instanceof Integer i) {
            return i;
        }
        throw new IllegalArgumentException("parameter \"" + def.name() + "\" is not an integer");
    }

    static double asReal(GucDefinition def, Object v) {
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        throw new IllegalArgumentException("parameter \"" + def.name() + "\" is not numeric");
    }

    static long asBytes(GucDefinition def, Object v) {
        long raw = asInt(def, v);
        if (raw < 0 || def.unit().kind() != GucUnit.Kind.MEMORY) {
            return raw;
        }
        return raw * def.unit().baseMultiplier();
    }

    static long asMillis(GucDefinition def, Object v) {
        double raw = asReal(def, v);
        if (raw < 0 || def.unit().kind() != GucUnit.Kind.TIME) {
            return (long) raw;
        }
        return Math.round(raw * def.unit().baseMultiplier() / 1000.0);
    }

    static String asString(GucDefinition def, Object v) {
        return v instanceof String s ? s : GucValues.format(def, v);
    }
}
