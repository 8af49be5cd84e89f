package dev.zipstream.http;

import dev.zipstream.config.Settings;
import dev.zipstream.log.Log;
import dev.zipstream.ops.HealthServlet;
import dev.zipstream.ops.Metrics;
import dev.zipstream.ops.MetricsServlet;
import jakarta.servlet.ServletContext;
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
            log = new Log(settings.logFile(), settings.logFormat() == Settings.LogFormat.JSON);
        } catch (Settings.Invalid | IOException e) {
            throw refuse(e.getMessage());
        }
        String ascii = asciiNamesRefusal(System.getProperty("sun.jnu.encoding", ""), settings.allowAsciiNames());
        if (ascii != null) {
            log.close();
            throw refuse(ascii);
        }
        var service = new Service(settings, log, context.getServerInfo());
        context.setAttribute(Service.ATTRIBUTE, service);
        context.setAttribute(Service.STATS_ATTRIBUTE, service.stats());
        addOperationsServlets(context, service);
        log.info("zipstream started: " + settings.describe() + ", producers on "
                + (service.virtualThreads ? "virtual" : "platform") + " threads");
        String unavailable = service.storage.unavailableReason();
        if (unavailable != null) {
            // Deployed anyway: /readyz and every archive answer say 503 until the folder appears.
            log.warning("not ready: " + unavailable + " (STORAGE_PATH=" + settings.storagePath()
                    + "); /readyz and archive requests answer 503 until it can be read");
        }
    }

    /**
     * With an ASCII locale Java decodes every non-ASCII file name to '?': two files would become one name, and the
     * archive would be wrong. That must stop the deployment, not be a line in a log nobody reads.
     */
    static String asciiNamesRefusal(String jnuEncoding, boolean allowed) {
        if (jnuEncoding.equalsIgnoreCase("UTF-8") || allowed) {
            return null;
        }
        return "file names are decoded as " + jnuEncoding + ", not UTF-8, so names with accents or other "
                + "non-ASCII characters would come out as '?'. Start the JVM with LANG=C.UTF-8 (or another UTF-8 "
                + "locale), or set ALLOW_ASCII_NAMES=true if every name is ASCII";
    }

    /** Failing the listener fails the deployment: nothing is served half-configured. */
    private static IllegalStateException refuse(String why) {
        String line = "zipstream not started: " + why;
        Log.JUL.severe(line);
        return new IllegalStateException(line, null);
    }

    /**
     * /healthz and /readyz always; /metrics only with a token, so that without one the path is as absent as any
     * other (the root servlet's 404). Added here rather than in web.xml because they are built with what they need.
     */
    private static void addOperationsServlets(ServletContext context, Service service) {
        context.addServlet("healthz", new HealthServlet(null)).addMapping("/healthz");
        context.addServlet("readyz", new HealthServlet(service.readiness)).addMapping("/readyz");
        Metrics metrics = service.metrics;
        if (metrics != null) {
            context.addServlet("metrics", new MetricsServlet(metrics.registry(), service.settings.metricsToken()))
                    .addMapping("/metrics");
        }
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
