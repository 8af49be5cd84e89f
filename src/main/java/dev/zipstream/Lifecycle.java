package dev.zipstream;

import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import java.io.IOException;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.logging.FileHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;

/** Starts the service with the web application and stops it, downloads and threads included, with it. */
public final class Lifecycle implements ServletContextListener {

    private Handler fileHandler;
    private boolean parentHandlers;

    @Override
    public void contextInitialized(ServletContextEvent event) {
        var context = event.getServletContext();
        Settings settings;
        try {
            settings = Settings.from(context::getInitParameter, System.getenv());
        } catch (Settings.Invalid e) {
            Service.LOG.severe("zipstream not started: " + e.getMessage());
            // Failing here fails the deployment: nothing is served half-configured.
            throw new IllegalStateException("zipstream not started: " + e.getMessage(), null);
        }
        if (settings.logFile() != null) {
            try {
                fileHandler = new FileHandler(settings.logFile().toString(), true);
            } catch (IOException e) {
                String line = "zipstream not started: LOG_FILE=\"" + settings.logFile() + "\" cannot be opened: " + e;
                Service.LOG.severe(line);
                throw new IllegalStateException(line, null);
            }
            fileHandler.setFormatter(new OneLine());
            parentHandlers = Service.LOG.getUseParentHandlers();
            Service.LOG.addHandler(fileHandler);
            Service.LOG.setUseParentHandlers(false);
        }
        String jnu = System.getProperty("sun.jnu.encoding", "");
        if (!jnu.equalsIgnoreCase("UTF-8")) {
            Service.LOG.warning("file names are decoded as " + jnu + ", not UTF-8: names with accents or other "
                    + "non-ASCII characters will break. Start the JVM with LANG=C.UTF-8 (or another UTF-8 locale).");
        }
        var service = new Service(settings);
        context.setAttribute(Service.ATTRIBUTE, service);
        context.setAttribute(Service.STATS_ATTRIBUTE, service.stats());
        Service.LOG.info("zipstream started: " + settings.describe() + ", producers on "
                + (service.virtualThreads ? "virtual" : "platform") + " threads");
    }

    @Override
    public void contextDestroyed(ServletContextEvent event) {
        var context = event.getServletContext();
        var service = (Service) context.getAttribute(Service.ATTRIBUTE);
        if (service != null) {
            service.stop();
            context.removeAttribute(Service.ATTRIBUTE);
            context.removeAttribute(Service.STATS_ATTRIBUTE);
            Service.LOG.info("zipstream stopped");
        }
        if (fileHandler != null) {
            Service.LOG.removeHandler(fileHandler);
            Service.LOG.setUseParentHandlers(parentHandlers);
            fileHandler.close();
            fileHandler = null;
        }
    }

    /** One line per record, with the time, so the log file reads like the container's. */
    static final class OneLine extends Formatter {
        @Override
        public String format(LogRecord record) {
            String time = DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(
                    ZonedDateTime.ofInstant(record.getInstant(), java.time.ZoneId.systemDefault()));
            String text = formatMessage(record);
            if (record.getThrown() != null && record.getLevel().intValue() >= Level.WARNING.intValue()) {
                text += " (" + record.getThrown() + ")";
            }
            return time + " " + record.getLevel() + " " + text + System.lineSeparator();
        }
    }
}
