package org.walden.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.postgresql.util.PSQLException;
import org.walden.test.TestCluster;

/**
 * LISTEN / NOTIFY between sessions through pgjdbc, as PostgreSQL delivers them: at the
 * sender's commit, to an idle listener at once (woken while it waits for its client), to a
 * listener in a transaction block only after that block ends; per database; nothing after a
 * rollback or a ROLLBACK TO; duplicates in one transaction folded; refused by PREPARE
 * TRANSACTION and on a standby.
 */
class ListenNotifyIT {

    @Test
    void notificationsReachListenersAtCommitAndOnlyWhenTheyAreIdle() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node primary = cluster.initPrimary("primary");
            primary.appendConf("max_prepared_transactions = 2\n");
            primary.start();
            primary.psql("CREATE DATABASE other");
            try (Connection listener = primary.connect(); Connection sender = primary.connect();
                 Connection elsewhere = primary.connect("other");
                 Statement ls = listener.createStatement(); Statement ss = sender.createStatement();
                 Statement es = elsewhere.createStatement()) {
                PGConnection pgListener = listener.unwrap(PGConnection.class);
                ls.execute("LISTEN jobs");
                ls.execute("LISTEN \"Other Channel\"");
                int senderPid = pid(ss);

                // an idle listener gets the notification without sending anything itself
                ss.execute("NOTIFY jobs, 'first'");
                PGNotification[] got = pgListener.getNotifications(10_000);
                assertThat(describe(got)).containsExactly("jobs:first:" + senderPid);

                // nothing before the sender commits; duplicates folded; a rolled-back savepoint's dropped;
                // the order of sending kept; another database's NOTIFY of the same channel not heard
                sender.setAutoCommit(false);
                ss.execute("NOTIFY jobs, 'a'");
                ss.execute("SELECT pg_notify('jobs', 'a')");
                ss.execute("SAVEPOINT s");
                ss.execute("NOTIFY jobs, 'gone'");
                ss.execute("ROLLBACK TO s");
                ss.execute("SELECT pg_notify('Other Channel', 'b')");
                es.execute("NOTIFY jobs, 'other database'");
                assertThat(pgListener.getNotifications(300)).isNullOrEmpty();
                sender.commit();
                assertThat(describe(collect(pgListener, 2))).containsExactly("jobs:a:" + senderPid,
                        "Other Channel:b:" + senderPid);

                // a rolled-back NOTIFY is never delivered
                ss.execute("NOTIFY jobs, 'rolled back'");
                sender.rollback();
                sender.setAutoCommit(true);

                // a listener inside a transaction block hears it only after its block ends
                listener.setAutoCommit(false);
                ls.executeQuery("SELECT 1").close();
                ss.execute("NOTIFY jobs, 'after your commit'");
                Thread.sleep(300);
                assertThat(pgListener.getNotifications()).isNullOrEmpty();
                listener.commit();
                listener.setAutoCommit(true);
                assertThat(describe(collect(pgListener, 1))).containsExactly("jobs:after your commit:" + senderPid);

                // UNLISTEN stops it; pg_listening_channels shows what is left
                ls.execute("UNLISTEN jobs");
                ss.execute("NOTIFY jobs, 'unheard'");
                try (ResultSet rs = ls.executeQuery("SELECT pg_listening_channels()")) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString(1)).isEqualTo("Other Channel");
                    assertThat(rs.next()).isFalse();
                }
                assertThat(pgListener.getNotifications(300)).isNullOrEmpty();

                // PREPARE TRANSACTION refuses a transaction that notified, as PostgreSQL's does
                sender.setAutoCommit(false);
                ss.execute("NOTIFY jobs, 'prepared'");
                PSQLException e = catchThrowableOfType(PSQLException.class,
                        () -> ss.execute("PREPARE TRANSACTION 'n1'"));
                assertThat(e.getSQLState()).isEqualTo("0A000");
                assertThat(e.getServerErrorMessage().getMessage())
                        .isEqualTo("cannot PREPARE a transaction that has executed LISTEN, UNLISTEN, or NOTIFY");
                sender.setAutoCommit(true);

                // a listener's session that ended hears nothing more, and the others go on
                listener.close();
                ss.execute("NOTIFY \"Other Channel\", 'to nobody'");
                assertThat(pid(ss)).isEqualTo(senderPid);
            }
        }
    }

    @Test
    void aStandbyRefusesListenUnlistenAndNotify() throws Exception {
        try (TestCluster cluster = new TestCluster()) {
            TestCluster.Node primary = cluster.initPrimary("primary");
            primary.start();
            primary.backup("b");
            TestCluster.Node standby = cluster.startStandby(primary, "b", "standby");
            try (Connection c = standby.connect(); Statement s = c.createStatement()) {
                for (String[] statement : List.of(new String[] {"LISTEN x", "LISTEN"},
                        new String[] {"UNLISTEN *", "UNLISTEN"}, new String[] {"NOTIFY x", "NOTIFY"},
                        new String[] {"SELECT pg_notify('x', 'y')", "NOTIFY"})) {
                    PSQLException e = catchThrowableOfType(PSQLException.class, () -> s.execute(statement[0]));
                    assertThat(e.getSQLState()).as(statement[0]).isEqualTo("25006");
                    assertThat(e.getServerErrorMessage().getMessage())
                            .isEqualTo("cannot execute " + statement[1] + " during recovery");
                }
                s.execute("DISCARD ALL"); // what connection poolers send: its UNLISTEN * is allowed here
            }
        }
    }

    private static int pid(Statement s) throws Exception {
        try (ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** At least {@code n} notifications, waiting up to 10 s for each. */
    private static PGNotification[] collect(PGConnection c, int n) throws Exception {
        List<PGNotification> all = new ArrayList<>();
        while (all.size() < n) {
            PGNotification[] got = c.getNotifications(10_000);
            if (got == null || got.length == 0) {
                break;
            }
            all.addAll(Arrays.asList(got));
        }
        return all.toArray(PGNotification[]::new);
    }

    private static List<String> describe(PGNotification[] got) {
        List<String> out = new ArrayList<>();
        for (PGNotification n : got == null ? new PGNotification[0] : got) {
            out.add(n.getName() + ":" + n.getParameter() + ":" + n.getPID());
        }
        return out;
    }
}
