package org.walden.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.walden.common.PgException;
import org.walden.common.SqlState;
import org.walden.replication.ReplicationCommand.GenericOption;
import org.walden.wal.Lsn;

class ReplicationCommandParserTest {

    private static ReplicationCommand parse(String s) {
        return ReplicationCommandParser.parse(s);
    }

    @Test
    void identifySystemAndShow() {
        assertThat(parse("IDENTIFY_SYSTEM")).isEqualTo(new ReplicationCommand.IdentifySystem());
        assertThat(parse("identify_system;")).isEqualTo(new ReplicationCommand.IdentifySystem());
        assertThat(parse("SHOW data_directory_mode")).isEqualTo(new ReplicationCommand.Show("data_directory_mode"));
        assertThat(parse("SHOW Wal_Segment_Size")).isEqualTo(new ReplicationCommand.Show("wal_segment_size"));
        assertThat(parse("SHOW a.b")).isEqualTo(new ReplicationCommand.Show("a.b"));
    }

    @Test
    void startReplicationFromEveryClient() {
        // pg_receivewal / pg_basebackup
        assertThat(parse("START_REPLICATION SLOT \"rs1\" 0/2000000 TIMELINE 1"))
                .isEqualTo(new ReplicationCommand.StartReplication("rs1", true, Lsn.parse("0/2000000"), 1));
        // a PostgreSQL walreceiver
        assertThat(parse("START_REPLICATION 0/5000000 TIMELINE 1"))
                .isEqualTo(new ReplicationCommand.StartReplication(null, true, Lsn.parse("0/5000000"), 1));
        // pgjdbc
        assertThat(parse("START_REPLICATION SLOT jslot PHYSICAL 0/7026708"))
                .isEqualTo(new ReplicationCommand.StartReplication("jslot", true, Lsn.parse("0/7026708"), 0));
        assertThat(parse("start_replication physical ab/cdef0"))
                .isEqualTo(new ReplicationCommand.StartReplication(null, true, Lsn.parse("AB/CDEF0"), 0));
    }

    @Test
    void quotedIdentifiersKeepCaseAndUnquotedAreDowncased() {
        assertThat(parse("START_REPLICATION SLOT \"MySlot\" 0/0")).isEqualTo(
                new ReplicationCommand.StartReplication("MySlot", true, Lsn.INVALID, 0));
        assertThat(parse("START_REPLICATION SLOT MySlot 0/0")).isEqualTo(
                new ReplicationCommand.StartReplication("myslot", true, Lsn.INVALID, 0));
        assertThat(parse("DROP_REPLICATION_SLOT \"a\"\"b\" WAIT"))
                .isEqualTo(new ReplicationCommand.DropReplicationSlot("a\"b", true));
        assertThat(parse("READ_REPLICATION_SLOT rs1")).isEqualTo(new ReplicationCommand.ReadReplicationSlot("rs1"));
    }

    @Test
    void createSlotSyntaxes() {
        var c = (ReplicationCommand.CreateReplicationSlot) parse(
                "CREATE_REPLICATION_SLOT \"pg_basebackup_21393\" TEMPORARY PHYSICAL ( RESERVE_WAL)");
        assertThat(c.slotName()).isEqualTo("pg_basebackup_21393");
        assertThat(c.temporary()).isTrue();
        assertThat(c.physical()).isTrue();
        assertThat(c.reserveWal()).isTrue();
        var j = (ReplicationCommand.CreateReplicationSlot) parse("CREATE_REPLICATION_SLOT jslot  PHYSICAL");
        assertThat(j.temporary()).isFalse();
        assertThat(j.reserveWal()).isFalse();
        var legacy = (ReplicationCommand.CreateReplicationSlot) parse("CREATE_REPLICATION_SLOT s PHYSICAL RESERVE_WAL");
        assertThat(legacy.reserveWal()).isTrue();
        var off = (ReplicationCommand.CreateReplicationSlot) parse(
                "CREATE_REPLICATION_SLOT s PHYSICAL (RESERVE_WAL false)");
        assertThat(off.reserveWal()).isFalse();
    }

    @Test
    void baseBackupNewAndLegacySyntax() {
        var b = (ReplicationCommand.BaseBackup) parse("BASE_BACKUP ( LABEL 'pg_basebackup base backup',  PROGRESS,  "
                + "CHECKPOINT 'fast',  WAIT 0,  TABLESPACE_MAP,  MANIFEST 'yes',  TARGET 'client')");
        assertThat(b.options()).containsExactly(new GenericOption("label", "pg_basebackup base backup"),
                new GenericOption("progress", null), new GenericOption("checkpoint", "fast"),
                new GenericOption("wait", "0"), new GenericOption("tablespace_map", null),
                new GenericOption("manifest", "yes"), new GenericOption("target", "client"));
        BaseBackupOptions o = BaseBackupOptions.parse(b.options());
        assertThat(o.fastCheckpoint()).isTrue();
        assertThat(o.waitForWalArchive()).isFalse();
        assertThat(o.manifest()).isTrue();
        assertThat(o.progress()).isTrue();
        var legacy = (ReplicationCommand.BaseBackup) parse("BASE_BACKUP LABEL 'it''s' PROGRESS FAST NOWAIT MAX_RATE 100");
        assertThat(legacy.options()).containsExactly(new GenericOption("label", "it's"),
                new GenericOption("progress", null), new GenericOption("checkpoint", "fast"),
                new GenericOption("wait", "false"), new GenericOption("max_rate", "100"));
        assertThat(((ReplicationCommand.BaseBackup) parse("BASE_BACKUP")).options()).isEmpty();
    }

    @Test
    void baseBackupOptionErrors() {
        assertThatThrownBy(() -> BaseBackupOptions.parse(List.of(new GenericOption("bogus", null))))
                .isInstanceOfSatisfying(PgException.class, e -> {
                    assertThat(e.sqlState()).isEqualTo(SqlState.SYNTAX_ERROR);
                    assertThat(e).hasMessage("unrecognized base backup option: \"bogus\"");
                });
        assertThatThrownBy(() -> BaseBackupOptions.parse(List.of(new GenericOption("checkpoint", "slow"))))
                .hasMessage("unrecognized checkpoint type: \"slow\"");
        assertThatThrownBy(() -> BaseBackupOptions.parse(
                List.of(new GenericOption("label", "a"), new GenericOption("label", "b"))))
                .hasMessage("duplicate option \"label\"");
    }

    @Test
    void sqlIsNotACommand() {
        assertThat(parse("SELECT 1")).isNull();
        assertThat(parse("")).isNull();
        assertThat(parse("  ")).isNull();
        assertThat(parse("\"IDENTIFY_SYSTEM\"")).isNull();
    }

    @Test
    void malformedCommandsAreSyntaxErrors() {
        for (String bad : List.of("IDENTIFY_SYSTEM extra", "START_REPLICATION", "START_REPLICATION SLOT 0/0",
                "START_REPLICATION 0/0 TIMELINE", "START_REPLICATION 0/ZZ", "TIMELINE_HISTORY x",
                "CREATE_REPLICATION_SLOT s", "BASE_BACKUP (LABEL 'x'", "BASE_BACKUP (LABEL 'x' PROGRESS)",
                "SHOW", "DROP_REPLICATION_SLOT", "IDENTIFY_SYSTEM ; ;", "SHOW a #")) {
            assertThatThrownBy(() -> parse(bad)).as(bad).isInstanceOfSatisfying(PgException.class,
                    e -> assertThat(e.sqlState()).isEqualTo(SqlState.SYNTAX_ERROR));
        }
        assertThatThrownBy(() -> parse("SHOW \"abc")).hasMessage("unterminated quoted identifier");
        assertThatThrownBy(() -> parse("BASE_BACKUP (LABEL 'abc)")).hasMessage("unterminated quoted string");
        assertThatThrownBy(() -> parse("SHOW \"\"")).hasMessage("zero-length delimited identifier");
    }
}
