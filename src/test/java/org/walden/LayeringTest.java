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
            List.of("common", "protocol", "wal", "storage", "txn", "recovery", "replication", "sql", "server", "cli");

    private static final Map<String, Set<String>> MAY_IMPORT = Map.of(
            "common", Set.of(),
            "protocol", Set.of("common"),
            "wal", Set.of("common"),
            "storage", Set.of("common", "wal"),
            "txn", Set.of("common", "wal", "storage"),
            "recovery", Set.of("common", "wal", "storage", "txn"),
            "replication", Set.of("common", "protocol", "wal", "storage", "txn", "recovery"),
            "sql", Set.of("common", "wal", "txn", "replication"),
            "server", Set.of("common", "protocol", "wal", "storage", "txn", "recovery", "replication", "sql"),
            "cli", Set.copyOf(LAYERS));

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
}
