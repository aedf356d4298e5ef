package org.walden;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Enforces the arrows between packages written in src/main/java/org/walden/README.md. */
class LayeringTest {

    private static final List<String> LAYERS =
            List.of("common", "protocol", "wal", "storage", "txn", "recovery", "replication", "sql", "server", "ha", "cli");

    private static final Map<String, Set<String>> MAY_IMPORT = Map.ofEntries(
            Map.entry("common", Set.of()),
            Map.entry("protocol", Set.of("common")),
            Map.entry("wal", Set.of("common")),
            Map.entry("storage", Set.of("common", "wal")),
            Map.entry("txn", Set.of("common", "wal", "storage")),
            Map.entry("recovery", Set.of("common", "wal", "storage", "txn")),
            Map.entry("replication", Set.of("common", "protocol", "wal", "storage", "txn", "recovery")),
            Map.entry("sql", Set.of("common", "wal", "txn", "replication")),
            Map.entry("server", Set.of("common", "protocol", "wal", "storage", "txn", "recovery", "replication", "sql")),
            Map.entry("ha", Set.of("common", "protocol", "wal", "storage", "txn", "recovery", "replication", "server")),
            Map.entry("cli", Set.copyOf(LAYERS)));

    @Test
    void packagesImportOnlyDownTheirArrows() {
        JavaClasses classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("org.walden");
        for (String layer : LAYERS) {
            List<String> forbidden = new ArrayList<>();
            for (String other : LAYERS) {
                if (!other.equals(layer) && !MAY_IMPORT.get(layer).contains(other)) {
                    forbidden.add("org.walden." + other + "..");
                }
            }
            if (forbidden.isEmpty()) {
                continue;
            }
            noClasses().that().resideInAPackage("org.walden." + layer + "..")
                    .should().dependOnClassesThat().resideInAnyPackage(forbidden.toArray(String[]::new))
                    .allowEmptyShould(true)
                    .check(classes);
        }
    }

    /** ZooKeeper and Curator are automatic failover's: no other package talks to the coordinator. */
    @Test
    void onlyHaTalksToTheCoordinator() {
        JavaClasses classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("org.walden");
        noClasses().that().resideOutsideOfPackage("org.walden.ha..")
                .should().dependOnClassesThat().resideInAnyPackage("org.apache.zookeeper..", "org.apache.curator..")
                .check(classes);
    }
}
