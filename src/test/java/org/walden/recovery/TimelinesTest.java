package org.walden.recovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.walden.common.PgException;
import org.walden.wal.Lsn;
import org.walden.wal.TimelineId;

class TimelinesTest {

    private static final long SEG = 16L * 1024 * 1024;
    private static final TimelineId T1 = TimelineId.FIRST;
    private static final TimelineId T2 = new TimelineId(2);
    private static final TimelineId T3 = new TimelineId(3);

    @TempDir
    Path walDir;

    /** PostgreSQL's files: a blank line between an inherited history and the new line. */
    private static final String HISTORY_3 = "1\t0/30032C8\tno recovery target specified\n\n"
            + "2\t0/5000060\tbefore LSN 0/5000060\n\n";

    @Test
    void parsesPostgresHistoryFilesIncludingBlankLinesAndComments() {
        Timelines.History h = Timelines.History.parse(T3, "# a comment\n" + HISTORY_3);
        assertThat(h.entries()).containsExactly(new Timelines.Entry(T1, Lsn.INVALID, Lsn.parse("0/30032C8")),
                new Timelines.Entry(T2, Lsn.parse("0/30032C8"), Lsn.parse("0/5000060")),
                new Timelines.Entry(T3, Lsn.parse("0/5000060"), Lsn.INVALID));
        assertThat(h.target()).isEqualTo(T3);
        assertThat(h.switchPoint(T1)).isEqualTo(Lsn.parse("0/30032C8"));
        assertThat(h.switchPoint(T3)).isEqualTo(Lsn.INVALID);
        assertThat(h.switchPoint(new TimelineId(7))).isNull();
        assertThat(h.successor(T1)).isEqualTo(T2);
        assertThat(h.successor(T3)).isNull();
        assertThat(h.timelineOf(Lsn.parse("0/30032C7"))).isEqualTo(T1);
        assertThat(h.timelineOf(Lsn.parse("0/30032C8"))).as("the switch point is on the new timeline").isEqualTo(T2);
        assertThat(h.timelineOf(Lsn.parse("1/0"))).isEqualTo(T3);
        assertThat(h.includes(T1, Lsn.parse("0/30032C8"))).isTrue();
        assertThat(h.includes(T1, Lsn.parse("0/30032D0"))).as("beyond the fork").isFalse();
    }

    @Test
    void malformedHistoryFilesAreFatalInPostgresWords() {
        assertThatThrownBy(() -> Timelines.History.parse(T2, "x\t0/1\treason\n"))
                .isInstanceOfSatisfying(PgException.class, e -> {
                    assertThat(e.getMessage()).isEqualTo("syntax error in history file: x\t0/1\treason");
                    assertThat(e.hint()).isEqualTo("Expected a numeric timeline ID.");
                });
        assertThatThrownBy(() -> Timelines.History.parse(T2, "1\n")).hasMessage("syntax error in history file: 1");
        assertThatThrownBy(() -> Timelines.History.parse(T3, "2\t0/1\ta\n1\t0/2\tb\n"))
                .hasMessageStartingWith("invalid data in history file: 1");
        assertThatThrownBy(() -> Timelines.History.parse(T2, "2\t0/1\ta\n"))
                .hasMessage("invalid data in history file \"00000002.history\"");
    }

    @Test
    void segmentFilesAreReadFromTheNewestTimelineThatHadBegunAndNotEnded() {
        Timelines.History h = Timelines.History.parse(T3, HISTORY_3);
        // segment 3 holds the first switch: timeline 2's file has timeline 1's WAL before it
        assertThat(h.candidates(3, SEG, Lsn.parse("0/3000000"))).containsExactly(T2, T1);
        // past timeline 1's end, its file is never read
        assertThat(h.candidates(3, SEG, Lsn.parse("0/30032C8"))).containsExactly(T2);
        assertThat(h.candidates(1, SEG, Lsn.parse("0/1000000"))).containsExactly(T1);
        assertThat(h.candidates(5, SEG, Lsn.parse("0/5000060"))).containsExactly(T3);
        assertThat(h.candidates(6, SEG, Lsn.parse("0/6000000"))).containsExactly(T3);
    }

    @Test
    void divergenceIsTheEarlierEndOnTheLastSharedTimeline() {
        Timelines.History a = Timelines.History.parse(T2, "1\t0/3000100\tno recovery target specified\n");
        Timelines.History old = Timelines.History.root(T1);
        assertThat(Timelines.History.divergence(a, old)).isEqualTo(Lsn.parse("0/3000100"));
        Timelines.History b = Timelines.History.parse(T3, "1\t0/3000100\tx\n\n2\t0/4000000\ty\n");
        assertThat(Timelines.History.divergence(a, b)).isEqualTo(Lsn.parse("0/4000000"));
        Timelines.History sibling = Timelines.History.parse(T3, "1\t0/3000080\tx\n");
        assertThat(Timelines.History.divergence(a, sibling)).isEqualTo(Lsn.parse("0/3000080"));
    }

    @Test
    void filesNewestTimelineAndCreation() throws Exception {
        Timelines t = new Timelines(walDir);
        assertThat(t.findNewest(T1)).isEqualTo(T1);
        assertThat(t.history(T1).entries()).hasSize(1);
        String name = t.createHistory(T2, T1, Lsn.parse("0/30032C8"), "no recovery target specified");
        assertThat(name).isEqualTo("00000002.history");
        assertThat(Files.readString(walDir.resolve(name))).isEqualTo("1\t0/30032C8\tno recovery target specified\n");
        t.createHistory(T3, T2, Lsn.parse("0/5000060"), "before LSN 0/5000060\n");
        assertThat(Files.readString(walDir.resolve("00000003.history"))).isEqualTo(HISTORY_3);
        assertThat(t.findNewest(T1)).isEqualTo(T3);
        assertThat(t.findNewest(T2)).isEqualTo(T3);
        assertThat(t.history(T3).entries()).extracting(Timelines.Entry::tli).containsExactly(T1, T2, T3);
        assertThat(t.localFile(new TimelineId(9))).isNull();
        t.saveFetched(new TimelineId(4), "3\t0/6000000\tz\n");
        assertThat(t.findNewest(T1)).isEqualTo(new TimelineId(4));
        assertThat(List.of(walDir.toFile().list())).doesNotContain("00000004.history.tmp");
    }
}
