package org.walden.sql.exec;

import java.util.List;
import org.walden.sql.ColumnDesc;
import org.walden.sql.catalog.Catalog;

/**
 * The result of analysis: the plan, the parameter types (declared or inferred), the result
 * columns (null if the statement returns no rows) and the catalog it was analyzed against.
 */
public record Analyzed(Plan plan, int[] paramTypeOids, List<ColumnDesc> columns, Catalog catalog) {
}
