/** Shared by every layer: SQLSTATEs and PgException, always-on invariants, configuration parameters. */
package org.walden.common;
