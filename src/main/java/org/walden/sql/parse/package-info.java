/** The SQL lexer and recursive-descent parser: PostgreSQL's lexical rules, a parse tree of records. */
package org.walden.sql.parse;
