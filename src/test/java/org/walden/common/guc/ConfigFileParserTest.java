package org.walden.common.guc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigFileParserTest {

    @TempDir
    Path dir;

    private ConfigFileParser.Result parse(String text) {
        return ConfigFileParser.parseText(text, dir.resolve("postgresql.conf"));
    }

    private static List<String> pairs(ConfigFileParser.Result r) {
        return r.items().stream().map(i -> i.name() + "=" + i.value() + "@" + i.line()).toList();
    }

    @Test
    void readsEveryValueForm() {
        ConfigFileParser.Result r = parse("""
                # a comment
                listen_addresses = '*'		# what IP address(es) to listen on;
                port 5438
                shared_buffers = 128MB
                wal_keep_segments=1000
                log_line_prefix = '%m [%p] '
                archive_command = 'cp %p /mnt/server/archivedir/%f'
                random_page_cost = 1.1
                log_timezone = Asia/Shanghai
                search_path = '"$user", public'
                quoted = 'it''s a \\'test\\'\\n'
                my.custom = on
                negative = -1
                hex = 0x1F
                """);
        assertThat(r.problems()).isEmpty();
        assertThat(pairs(r)).containsExactly("listen_addresses=*@2", "port=5438@3", "shared_buffers=128MB@4",
                "wal_keep_segments=1000@5", "log_line_prefix=%m [%p] @6",
                "archive_command=cp %p /mnt/server/archivedir/%f@7", "random_page_cost=1.1@8",
                "log_timezone=Asia/Shanghai@9", "search_path=\"$user\", public@10", "quoted=it's a 'test'\n@11",
                "my.custom=on@12", "negative=-1@13", "hex=0x1F@14");
    }

    @Test
    void syntaxErrorsNameFileLineAndToken() {
        ConfigFileParser.Result r = parse("port = 5432\nbar baz qux\nwork_mem = \nlisten_addresses 'x' 'y'\n"
                + "work_mem = 'x\n=3\nwork_mem = 10 MB\n");
        String f = dir.resolve("postgresql.conf").toString();
        assertThat(r.hasErrors()).isTrue();
        assertThat(r.problems()).extracting(ConfigFileParser.Problem::message).containsExactly(
                "syntax error in file \"" + f + "\" line 2, near token \"qux\"",
                "syntax error in file \"" + f + "\" line 3, near end of line",
                "syntax error in file \"" + f + "\" line 4, near token \"'y'\"",
                "syntax error in file \"" + f + "\" line 5, near token \"'\"",
                "syntax error in file \"" + f + "\" line 6, near token \"=\"",
                "syntax error in file \"" + f + "\" line 7, near token \"MB\"");
        assertThat(pairs(r)).containsExactly("port=5432@1");
    }

    @Test
    void includesAreRelativeToTheIncludingFile() throws Exception {
        Files.createDirectories(dir.resolve("conf.d"));
        Files.writeString(dir.resolve("conf.d/b.conf"), "work_mem = 8MB\n");
        Files.writeString(dir.resolve("conf.d/a.conf"), "work_mem = 4MB\nport = 1\n");
        Files.writeString(dir.resolve("conf.d/.hidden.conf"), "port = 2\n");
        Files.writeString(dir.resolve("conf.d/ignored.txt"), "port = 3\n");
        Files.writeString(dir.resolve("extra.conf"), "max_connections = 50\n");
        Files.writeString(dir.resolve("postgresql.conf"),
                "include 'extra.conf'\ninclude_dir 'conf.d'\ninclude_if_exists 'nothere.conf'\nport = 5\n");
        ConfigFileParser.Result r = ConfigFileParser.parseFile(dir.resolve("postgresql.conf"));
        assertThat(r.hasErrors()).isFalse();
        assertThat(r.problems()).extracting(ConfigFileParser.Problem::message).containsExactly(
                "skipping missing configuration file \"" + dir.resolve("nothere.conf") + "\"");
        assertThat(r.items()).extracting(ConfigFileParser.Item::name)
                .containsExactly("max_connections", "work_mem", "port", "work_mem", "port");
        assertThat(r.items().get(0).file()).isEqualTo(dir.resolve("extra.conf"));
    }

    @Test
    void aMissingIncludeOrARecursiveOneIsAnError() throws Exception {
        Files.writeString(dir.resolve("postgresql.conf"), "include 'nothere2'\ninclude 'postgresql.conf'\n");
        ConfigFileParser.Result r = ConfigFileParser.parseFile(dir.resolve("postgresql.conf"));
        assertThat(r.hasErrors()).isTrue();
        assertThat(r.problems().get(0).message()).isEqualTo("could not open configuration file \""
                + dir.resolve("nothere2") + "\": No such file or directory");
        assertThat(r.problems()).anyMatch(p -> p.message().endsWith("maximum nesting depth exceeded"));
    }
}
