package org.walden.txn;

/**
 * One relation row of pg_locks: {@code mode} on {@code relation} held ({@code granted}) or
 * waited for by the backend {@code pid} connected to {@code databaseOid} (pid 0: a prepared
 * transaction, which has no backend).
 */
public record RelationLockRow(int relation, int databaseOid, int pid, RelationLockMode mode, boolean granted) {
}
