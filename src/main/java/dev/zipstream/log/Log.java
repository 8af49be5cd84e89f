package dev.zipstream.log;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The service's log: always the container's (java.util.logging, logger {@code dev.zipstream}), and with
 * {@code LOG_FILE} also that file, appended to directly. Not through a logging handler: the JVM's logging closes
 * its handlers in a shutdown hook while the container is still stopping, and the lines that matter most (the
 * downloads ended by the shutdown) would be lost.
 */
public final class Log {

    public static final Logger JUL = Logger.getLogger("dev.zipstream");

    private final Writer file;
    private final boolean json;

    /** @param path LOG_FILE, or null for the container's log only */
    public Log(Path path) throws IOException {
        this(path, false);
    }

    /**
     * @param path LOG_FILE, or null for the container's log only
     * @param json LOG_FORMAT=json: every line of LOG_FILE is one JSON object, for log shippers
     */
    public Log(Path path, boolean json) throws IOException {
        this.json = json;
        this.file = path == null ? null : Files.newBufferedWriter(path, StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    public void info(String line) {
        write(Level.INFO, line);
    }

    public void warning(String line) {
        write(Level.WARNING, line);
    }

    public void write(Level level, String line) {
        if (!json) {
            JUL.log(level, line);
            append(now() + " " + level.getName() + " " + line);
            return;
        }
        var fields = new LinkedHashMap<String, Object>();
        fields.put("time", now());
        fields.put("level", level.getName());
        fields.put("message", line);
        String object = Json.object(fields);
        JUL.log(level, object);
        append(object);
    }

    /**
     * One event with named fields: {@code text} in text format; in JSON format the fields, with "time" and
     * "level" first, as one object.
     */
    public void event(Level level, String text, Map<String, ?> fields) {
        if (!json) {
            write(level, text);
            return;
        }
        var all = new LinkedHashMap<String, Object>();
        all.put("time", now());
        all.put("level", level.getName());
        all.putAll(fields);
        String object = Json.object(all);
        JUL.log(level, object);
        append(object);
    }

    private static String now() {
        return OffsetDateTime.now().truncatedTo(ChronoUnit.MILLIS).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    }

    private void append(String line) {
        if (file != null) {
            String stamped = line + System.lineSeparator();
            synchronized (file) {
                try {
                    file.write(stamped);
                    file.flush();
                } catch (IOException e) {
                    JUL.log(Level.WARNING, "cannot write LOG_FILE: " + e);
                }
            }
        }
    }

    public void close() {
        if (file != null) {
            synchronized (file) {
                try {
                    file.close();
                } catch (IOException e) {
                    JUL.log(Level.WARNING, "cannot close LOG_FILE: " + e);
                }
            }
        }
    }
}
