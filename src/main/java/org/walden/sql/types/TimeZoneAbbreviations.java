package org.walden.sql.types;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The time zone abbreviations of PostgreSQL's default timezone_abbreviations set (EST, PDT, CET,
 * ...; {@code timezone-abbreviations.txt}), each a fixed offset as PostgreSQL reads it in
 * date/time input ({@code '2020-01-01 12:00 EST'}) and AT TIME ZONE: EST is always five hours
 * west, whatever the date.
 */
final class TimeZoneAbbreviations {

    private static final Map<String, ZoneOffset> OFFSETS = load();

    private TimeZoneAbbreviations() {
    }

    /** The abbreviation's offset (any case), or null when it is not one. */
    static ZoneOffset offset(String abbreviation) {
        return OFFSETS.get(abbreviation.toUpperCase(Locale.ROOT));
    }

    private static Map<String, ZoneOffset> load() {
        Map<String, ZoneOffset> out = new HashMap<>();
        try (InputStream in = TimeZoneAbbreviations.class.getResourceAsStream("timezone-abbreviations.txt");
             BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    String[] f = line.trim().split("\\s+");
                    out.put(f[0].toUpperCase(Locale.ROOT), ZoneOffset.ofTotalSeconds(Integer.parseInt(f[1])));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.copyOf(out);
    }
}
