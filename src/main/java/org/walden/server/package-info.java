/** The postmaster, backends, configuration files, pg_hba.conf, postmaster.pid and signals. */
package org.walden.server;
