package org.walden.common.guc;

import java.util.List;
import java.util.Map;

/**
 * One configuration parameter's definition: PostgreSQL 15's entry in its GUC tables.
 *
 * @param name          the canonical spelling (e.g. "DateStyle"); lookups are case-insensitive
 * @param type          value type
 * @param unit          base unit of an integer or real value
 * @param context       when it may change
 * @param bootValue     the built-in default, in PostgreSQL's raw form (base units)
 * @param min           lower bound of an integer or real (NaN otherwise)
 * @param max           upper bound of an integer or real (NaN otherwise)
 * @param enumValues    the values SHOW may print, for an enum
 * @param enumAliases   hidden spellings an enum also accepts (lower case) → the canonical value
 * @param report        GUC_REPORT: sent to the client as ParameterStatus when it changes
 * @param showAll       listed by SHOW ALL and pg_settings (not GUC_NO_SHOW_ALL)
 * @param category      pg_settings.category
 * @param description   pg_settings.short_desc
 */
public record GucDefinition(String name, GucType type, GucUnit unit, GucContext context, String bootValue,
                            double min, double max, List<String> enumValues, Map<String, String> enumAliases,
                            boolean report, boolean showAll, String category, String description) {

    /** True for a GUC whose value is a file mode, shown in octal ("0700"). */
    public boolean octal() {
        return name.equals("data_directory_mode") || name.equals("log_file_mode")
                || name.equals("unix_socket_permissions");
    }

    GucDefinition withBootValue(String newBoot) {
        return new GucDefinition(name, type, unit, context, newBoot, min, max, enumValues, enumAliases, report,
                showAll, category, description);
    }

    GucDefinition withReport() {
        return new GucDefinition(name, type, unit, context, bootValue, min, max, enumValues, enumAliases, true,
                showAll, category, description);
    }
}
