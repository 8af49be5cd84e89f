package dev.zipstream.ops;

import java.util.LinkedHashMap;
import java.util.Map;

/** Reads Prometheus text exposition into "name{labels}" → value, the way a scraper would see the samples. */
public final class Exposition {
    private Exposition() {
    }

    public static Map<String, Double> samples(String text) {
        var m = new LinkedHashMap<String, Double>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            m.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
        return m;
    }

    /** The value of one series, 0 when absent would hide a bug: absent is NaN. */
    public static double value(Map<String, Double> samples, String series) {
        return samples.getOrDefault(series, Double.NaN);
    }
}
