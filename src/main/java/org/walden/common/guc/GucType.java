package org.walden.common.guc;

/** A parameter's value type, as pg_settings.vartype names it. */
public enum GucType {
    BOOL("bool"),
    INT("integer"),
    REAL("real"),
    STRING("string"),
    ENUM("enum");

    private final String pgName;

    GucType(String pgName) {
        this.pgName = pgName;
    }

    /** pg_settings.vartype. */
    public String pgName() {
        return pgName;
    }

    static GucType fromPgName(String name) {
        for (GucType t : values()) {
            if (t.pgName.equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown GUC type " + name);
    }
}
