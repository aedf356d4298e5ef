package org.walden.sql.analyze;

import org.walden.sql.catalog.CatalogLookup;
import org.walden.sql.types.ValueContext;

/**
 * What analysis reads beyond the statement: the catalog through the session's search_path,
 * the value context literals are read in (TimeZone, reg* look-ups), and the parameter types.
 */
public record AnalyzerEnv(CatalogLookup lookup, ValueContext values, ParamTypes params) {
}
