package org.walden.sql.catalog;

/**
 * A table constraint (a pg_constraint row): primary key 'p' and unique 'u' (enforced by the
 * index {@code indexOid}), check 'c' ({@code checkSql} re-analyzed to enforce it), foreign key
 * 'f' (referencing {@code refTableOid}'s {@code refColumns}, with ON UPDATE / ON DELETE actions
 * a no action, r restrict, c cascade, n set null, d set default). {@code columns} and
 * {@code refColumns} hold attnums. {@code definition} is pg_get_constraintdef's text.
 */
public record Constraint(int oid, String name, int namespaceOid, char type, int tableOid, int[] columns,
                         int indexOid, String checkSql, int refTableOid, int[] refColumns, char onUpdate,
                         char onDelete, char matchType, boolean deferrable, boolean deferred, boolean validated,
                         String definition) {

    public static final char PRIMARY = 'p';
    public static final char UNIQUE = 'u';
    public static final char CHECK = 'c';
    public static final char FOREIGN = 'f';

    public Constraint withName(String newName) {
        return new Constraint(oid, newName, namespaceOid, type, tableOid, columns, indexOid, checkSql, refTableOid,
                refColumns, onUpdate, onDelete, matchType, deferrable, deferred, validated, definition);
    }

    public Constraint withDefinition(String newDefinition) {
        return new Constraint(oid, name, namespaceOid, type, tableOid, columns, indexOid, checkSql, refTableOid,
                refColumns, onUpdate, onDelete, matchType, deferrable, deferred, validated, newDefinition);
    }
}
