package org.walden.sql;

/**
 * One RowDescription field: name, table OID and column number (0 when not a table column),
 * type OID, type size, type modifier, format code (0 text, 1 binary).
 */
public record ColumnDesc(String name, int tableOid, short columnNumber, int typeOid, short typeSize,
                         int typeModifier, short format) {

    public ColumnDesc withFormat(short newFormat) {
        return new ColumnDesc(name, tableOid, columnNumber, typeOid, typeSize, typeModifier, newFormat);
    }
}
