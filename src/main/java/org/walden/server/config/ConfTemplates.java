package org.walden.server.config;

import java.util.List;
import java.util.Locale;

/** The configuration files initdb writes, PostgreSQL-like, with Walden's few active settings. */
public final class ConfTemplates {

    private ConfTemplates() {
    }

    /** postgresql.conf: the active settings initdb chose, and the replication settings commented out. */
    public static String postgresqlConf(int port, int maxConnections, String timezone) {
        return """
                # -----------------------------
                # Walden configuration file
                # -----------------------------
                #
                # This file consists of lines of the form:
                #
                #   name = value
                #
                # (The "=" is optional.)  Whitespace may be used.  Comments are introduced with
                # "#" anywhere on a line.  The complete list of parameter names and allowed
                # values is PostgreSQL 15's.  Memory units:  B, kB, MB, GB, TB.  Time units:
                # us, ms, s, min, h, d.  Settings in postgresql.auto.conf (ALTER SYSTEM) win
                # over this file; "walden ctl reload" re-reads both.

                #------------------------------------------------------------------------------
                # CONNECTIONS AND AUTHENTICATION
                #------------------------------------------------------------------------------

                listen_addresses = 'localhost'		# what IP address(es) to listen on;
                					# comma-separated list of addresses;
                					# defaults to 'localhost'; use '*' for all
                					# (change requires restart)
                port = %d				# (change requires restart)
                max_connections = %d			# (change requires restart)
                #unix_socket_directories = '/var/run/postgresql'	# comma-separated list of directories
                					# (change requires restart)
                #password_encryption = scram-sha-256	# scram-sha-256 or md5

                #------------------------------------------------------------------------------
                # RESOURCE USAGE (except WAL)
                #------------------------------------------------------------------------------

                shared_buffers = 128MB			# min 128kB
                					# (change requires restart)

                #------------------------------------------------------------------------------
                # WRITE-AHEAD LOG
                #------------------------------------------------------------------------------

                #wal_level = replica			# minimal, replica, or logical
                					# (change requires restart)
                #fsync = on				# flush data to disk for crash safety
                #synchronous_commit = on		# synchronization level;
                					# off, local, remote_write, remote_apply, or on
                #checkpoint_timeout = 5min		# range 30s-1d
                max_wal_size = 1GB
                min_wal_size = 80MB
                #archive_mode = off		# enables archiving; off, on, or always
                				# (change requires restart)
                #archive_command = ''		# command to use to archive a logfile segment

                #------------------------------------------------------------------------------
                # REPLICATION
                #------------------------------------------------------------------------------

                #max_wal_senders = 10		# max number of walsender processes
                				# (change requires restart)
                #max_replication_slots = 10	# max number of replication slots
                				# (change requires restart)
                #wal_keep_size = 0		# in megabytes; 0 disables
                #max_slot_wal_keep_size = -1	# in megabytes; -1 disables
                #wal_sender_timeout = 60s	# in milliseconds; 0 disables
                #synchronous_standby_names = ''	# standby servers that provide sync rep
                				# method to choose sync standbys, number of sync standbys,
                				# and comma-separated list of application_name
                				# from standby(s); '*' = all
                #primary_conninfo = ''			# connection string to sending server
                #primary_slot_name = ''			# replication slot on sending server
                #hot_standby = on			# "off" disallows queries during recovery
                					# (change requires restart)
                #wal_receiver_status_interval = 10s	# send replies at least this often
                #hot_standby_feedback = off		# send info from standby to prevent
                					# query conflicts
                #wal_receiver_timeout = 60s		# time that receiver waits for
                					# communication from primary
                #recovery_target_timeline = 'latest'	# 'current', 'latest', or timeline ID

                #------------------------------------------------------------------------------
                # REPORTING AND LOGGING
                #------------------------------------------------------------------------------

                #log_destination = 'stderr'		# stderr or csvlog (csvlog needs logging_collector)
                #logging_collector = off		# Enable capturing of stderr and csvlog
                					# into log files. Required to be on for
                					# csvlogs.
                					# (change requires restart)
                #log_directory = 'log'			# directory where log files are written,
                					# can be absolute or relative to PGDATA
                #log_filename = 'postgresql-%%Y-%%m-%%d_%%H%%M%%S.log'	# log file name pattern,
                #log_min_messages = warning		# values in order of decreasing detail
                #log_checkpoints = on
                #log_connections = off
                #log_disconnections = off
                log_line_prefix = '%%m [%%p] '		# special values:
                					#   %%a = application name
                					#   %%u = user name
                					#   %%d = database name
                					#   %%r = remote host and port
                					#   %%h = remote host
                					#   %%p = process ID
                					#   %%t = timestamp without milliseconds
                					#   %%m = timestamp with milliseconds
                					#   %%l = session line number
                					#   %%x = transaction ID (0 if none)
                					#   %%%% = '%%'
                #log_statement = 'none'			# none, ddl, mod, all
                log_timezone = '%s'

                #------------------------------------------------------------------------------
                # CLIENT CONNECTION DEFAULTS
                #------------------------------------------------------------------------------

                datestyle = 'iso, mdy'
                timezone = '%s'
                lc_messages = 'C'			# locale for system error message
                lc_monetary = 'C'			# locale for monetary formatting
                lc_numeric = 'C'			# locale for number formatting
                lc_time = 'C'				# locale for time formatting
                default_text_search_config = 'pg_catalog.english'

                #------------------------------------------------------------------------------
                # CONFIG FILE INCLUDES
                #------------------------------------------------------------------------------

                #include_dir = '...'			# include files ending in '.conf' from
                					# a directory, e.g., 'conf.d'
                #include_if_exists = '...'		# include file only if it exists
                #include = '...'			# include file
                """.formatted(port, maxConnections, timezone, timezone);
    }

    /**
     * pg_hba.conf as initdb writes it: local and loopback connections for all databases and
     * for replication, with {@code localMethod} for Unix sockets and {@code hostMethod} for TCP.
     */
    public static String pgHbaConf(String localMethod, String hostMethod) {
        StringBuilder s = new StringBuilder("""
                # Walden Client Authentication Configuration File
                # ===============================================
                #
                # Each line is one record:
                #
                # local         DATABASE  USER  METHOD  [OPTIONS]
                # host          DATABASE  USER  ADDRESS  METHOD  [OPTIONS]
                #
                # DATABASE is "all", "sameuser", "samerole", "replication", a database name, or a
                # comma-separated list thereof. USER is "all", a user name, a group name prefixed
                # with "+", or a comma-separated list thereof. ADDRESS is a CIDR address
                # (172.20.143.0/24, ::1/128) or a host name. METHOD is "trust", "reject", "md5",
                # "password" or "scram-sha-256". The first record matching a connection's type,
                # client address, database and user is used. Re-read by "walden ctl reload".

                # TYPE  DATABASE        USER            ADDRESS                 METHOD

                """);
        s.append("# \"local\" is for Unix domain socket connections only\n");
        s.append(row("local", "all", "all", "", localMethod));
        s.append("# IPv4 local connections:\n");
        s.append(row("host", "all", "all", "127.0.0.1/32", hostMethod));
        s.append("# IPv6 local connections:\n");
        s.append(row("host", "all", "all", "::1/128", hostMethod));
        s.append("# Allow replication connections from localhost, by a user with the\n# replication privilege.\n");
        s.append(row("local", "replication", "all", "", localMethod));
        s.append(row("host", "replication", "all", "127.0.0.1/32", hostMethod));
        s.append(row("host", "replication", "all", "::1/128", hostMethod));
        return s.toString();
    }

    /** One pg_hba.conf line, aligned in initdb's columns. */
    public static String row(String type, String database, String user, String address, String method) {
        return String.format("%-7s %-15s %-15s %-23s %s%n", type, database, user, address, method).replaceAll(
                " +\n", "\n");
    }

    /** The authentication methods initdb accepts. */
    public static final List<String> AUTH_METHODS = List.of("trust", "reject", "md5", "password", "scram-sha-256",
            "peer", "ident");

    public static boolean isPasswordMethod(String method) {
        return List.of("md5", "password", "scram-sha-256").contains(method.toLowerCase(Locale.ROOT));
    }
}
