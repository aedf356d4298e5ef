/**
 * Password verifiers as pg_authid.rolpassword stores them (SCRAM-SHA-256 and md5) and their
 * primitives: one copy, shared by the wire protocol's authentication exchanges and by the SQL
 * layer's CREATE/ALTER ROLE ... PASSWORD.
 */
package org.walden.common.auth;
