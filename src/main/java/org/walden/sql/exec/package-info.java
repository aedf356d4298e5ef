/** Parse analysis (names, types, parameter inference), planning, execution of DML/SELECT, DDL, system views. */
package org.walden.sql.exec;
