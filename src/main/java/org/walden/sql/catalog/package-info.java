/** The catalog (tables, roles, databases) and the key-value layout of catalog rows and table rows. */
package org.walden.sql.catalog;
