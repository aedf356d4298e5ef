/**
 * The server log in PostgreSQL's form: {@link org.walden.server.logging.PgLog} writes
 * "LOG:  ...", "FATAL:  ...", DETAIL/HINT/STATEMENT lines; {@link org.walden.server.logging.PgLogging}
 * configures Logback from log_destination, logging_collector, log_directory, log_filename,
 * log_line_prefix, log_timezone and log_min_messages. Code elsewhere may log through plain SLF4J:
 * INFO prints as LOG, WARN as WARNING, ERROR as ERROR; session values for log_line_prefix come
 * from the MDC keys in {@link org.walden.server.logging.PgLogContext}.
 */
package org.walden.server.logging;
