package org.walden.common.guc;

import java.util.List;

/**
 * The base unit an integer or real parameter is stored in (pg_settings.unit), and the units a
 * value may be written in. Memory multipliers are in bytes, time multipliers in microseconds.
 */
public enum GucUnit {
    NONE("", Kind.NONE, 1),
    BYTES("B", Kind.MEMORY, 1),
    KB("kB", Kind.MEMORY, 1024),
    BLOCKS_8KB("8kB", Kind.MEMORY, 8192),
    MB("MB", Kind.MEMORY, 1024 * 1024),
    MS("ms", Kind.TIME, 1_000),
    S("s", Kind.TIME, 1_000_000),
    MIN("min", Kind.TIME, 60_000_000);

    /** Whether the unit measures memory or time. */
    public enum Kind { NONE, MEMORY, TIME }

    /** A unit a value may be written in: its name as PostgreSQL spells it (case matters). */
    record InputUnit(String name, double multiplier) {
    }

    /** Largest first, as PostgreSQL picks the display unit. */
    static final List<InputUnit> MEMORY_UNITS = List.of(
            new InputUnit("TB", 1024.0 * 1024 * 1024 * 1024), new InputUnit("GB", 1024.0 * 1024 * 1024),
            new InputUnit("MB", 1024.0 * 1024), new InputUnit("kB", 1024), new InputUnit("B", 1));

    static final List<InputUnit> TIME_UNITS = List.of(
            new InputUnit("d", 86_400_000_000.0), new InputUnit("h", 3_600_000_000.0),
            new InputUnit("min", 60_000_000.0), new InputUnit("s", 1_000_000.0),
            new InputUnit("ms", 1_000), new InputUnit("us", 1));

    private final String pgName;
    private final Kind kind;
    private final long baseMultiplier;

    GucUnit(String pgName, Kind kind, long baseMultiplier) {
        this.pgName = pgName;
        this.kind = kind;
        this.baseMultiplier = baseMultiplier;
    }

    /** pg_settings.unit ("8kB", "ms"), or "" for none. */
    public String pgName() {
        return pgName;
    }

    public Kind kind() {
        return kind;
    }

    /** One base unit in bytes (memory) or microseconds (time). */
    public long baseMultiplier() {
        return baseMultiplier;
    }

    List<InputUnit> inputUnits() {
        return switch (kind) {
            case MEMORY -> MEMORY_UNITS;
            case TIME -> TIME_UNITS;
            case NONE -> List.of();
        };
    }

    /** PostgreSQL's HINT listing the units accepted for this kind. */
    String validUnitsHint() {
        return switch (kind) {
            case MEMORY -> "Valid units for this parameter are \"B\", \"kB\", \"MB\", \"GB\", and \"TB\".";
            case TIME -> "Valid units for this parameter are \"us\", \"ms\", \"s\", \"min\", \"h\", and \"d\".";
            case NONE -> null;
        };
    }

    static GucUnit fromPgName(String name) {
        for (GucUnit u : values()) {
            if (u.pgName.equals(name)) {
                return u;
            }
        }
        throw new IllegalArgumentException("unknown GUC unit " + name);
    }
}
