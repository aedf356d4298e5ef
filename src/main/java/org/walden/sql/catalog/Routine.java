package org.walden.sql.catalog;

import java.util.List;

/**
 * A user-defined function (a pg_proc row of prolang sql): its signature, result, volatility,
 * strictness and body. {@code argNames} has one entry per argument, null where it is unnamed;
 * {@code outNames} / {@code outTypeOids} are the columns of RETURNS TABLE (empty otherwise), and
 * {@code retset} is true for RETURNS SETOF and RETURNS TABLE.
 */
public record Routine(int oid, String name, int namespaceOid, int ownerOid, List<String> argNames,
                      List<Integer> argTypeOids, int resultTypeOid, boolean retset, List<String> outNames,
                      List<Integer> outTypeOids, char volatility, boolean strict, String body) {
}
