package dev.zipstream.http;

import dev.zipstream.config.Settings;
import dev.zipstream.log.Log;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import java.io.IOException;

/** Starts the service with the web application and stops it, downloads and threads included, with it. */
public final class Lifecycle implements ServletContextListener {

    @Override
    public void contextInitialized(ServletContextEvent event) {
        var context = event.getServletContext();
        Settings settings;
        Log log;
        try {
            settings = Settings.from(context::getInitParameter, System.getenv());
            log = new Log(settings.logFile());
        } catch (Settings.Invalid | IOException e) {
            String line = "zipstream not started: " + e.getMessage();
            Log.JUL.severe(line);
            // Failing here fails the deployment: nothing is served half-configured.
            throw new IllegalStateException(line, null);
        }
        String jnu = System.getProperty("sun.jnu.encoding", "");
        if (!jnu.equalsIgnoreCase("UTF-8")) {
            log.warning("file names are decoded as " + jnu + ", not UTF-8: names with accents or other "
                    + "non-ASCII characters will break. Start the JVM with LANG=C.UTF-8 (or another UTF-8 locale).");
        }
        var service = new Service(settings, log, context.getServerInfo());
        context.setAttribute(Service.ATTRIBUTE, service);
        context.setAttribute(Service.STATS_ATTRIBUTE, service.stats());
        log.info("zipstream started: " + settings.describe() + ", producers on "
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
            service.log.info("zipstream stopped");
            service.log.close();
        }
    }
}
