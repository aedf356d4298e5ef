/**
 * Configuration parameters (GUCs), as PostgreSQL 15 has them. {@link org.walden.common.guc.GucCatalog}
 * holds every parameter's definition (type, unit, range, enum values, context, GUC_REPORT);
 * {@link org.walden.common.guc.ConfigFileParser} reads postgresql.conf syntax with includes;
 * {@link org.walden.common.guc.GucValues} parses and SHOW-formats values with units;
 * {@link org.walden.common.guc.GucServerSettings} is the server-wide {@link org.walden.common.guc.ServerSettings}
 * (files, command line, reload, ALTER SYSTEM through {@link org.walden.common.guc.AutoConfFile});
 * {@link org.walden.common.guc.GucSessionSettings} is a session's {@link org.walden.common.guc.SessionSettings}
 * (SET, SET LOCAL, RESET, ParameterStatus values).
 */
package org.walden.common.guc;
