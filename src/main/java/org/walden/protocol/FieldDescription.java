package org.walden.protocol;

/**
 * One RowDescription field as it goes on the wire. {@code tableOid}/{@code columnNumber} are
 * 0 when the column is not a table column; {@code typeSize} is negative for variable width;
 * {@code format} 0 text, 1 binary.
 */
public record FieldDescription(String name, int tableOid, short columnNumber, int typeOid, short typeSize,
                               int typeModifier, short format) {

    /** A text-format field of a computed column (as SHOW and the replication commands send). */
    public static FieldDescription text(String name, int typeOid, short typeSize) {
        return new FieldDescription(name, 0, (short) 0, typeOid, typeSize, -1, (short) 0);
    }
}
