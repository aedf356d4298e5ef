package org.walden.sql;

import java.util.List;

/** A parsed statement (PostgreSQL's prepared statement, named or unnamed). */
public interface Prepared {

    String sql();

    /** The parameter types, with inferred ones filled in (ParameterDescription). */
    int[] paramTypeOids();

    /** The result columns in text format (RowDescription), or null if it returns no rows. */
    List<ColumnDesc> columns();

    /** True for an empty query string (EmptyQueryResponse). */
    boolean isEmpty();
}
