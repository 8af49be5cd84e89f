package dev.zipstream;

import dev.zipstream.http.Pages;
import dev.zipstream.http.Service;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleState;
import org.apache.catalina.startup.Tomcat;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.tomcat.util.descriptor.web.ApplicationParameter;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;

/**
 * The packaged WAR in a real container on a free port, configured the way an operator would: through the
 * container's own override of the context parameters (Jetty's override descriptor, Tomcat's
 * {@code <Parameter override="false">}).
 */
abstract class Server implements AutoCloseable {

    enum Kind {
        JETTY, TOMCAT;

        Server start(Path scratch, Map<String, String> params) throws Exception {
            return start(scratch, params, "");
        }

        Server start(Path scratch, Map<String, String> params, String contextPath) throws Exception {
            return start(scratch, params, contextPath, java.time.Duration.ofSeconds(30));
        }

        /** @param idleTimeout the connector's idle (Jetty) or connection (Tomcat) timeout: the stall guard */
        Server start(Path scratch, Map<String, String> params, String contextPath, java.time.Duration idleTimeout)
                throws Exception {
            var server = this == JETTY ? new OnJetty(scratch, params, contextPath)
                    : new OnTomcat(scratch, params, contextPath);
            server.idleTimeout = idleTimeout;
            try {
                server.begin();
            } catch (Exception | Error e) {
                server.close();
                throw e;
            }
            return server;
        }
    }

    /** Jetty's way for an operator to override web.xml's context parameters: an override descriptor. */
    static Path overrideDescriptor(Path scratch, Map<String, String> params) throws IOException {
        var xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<web-app xmlns=\"https://jakarta.ee/xml/ns/jakartaee\" version=\"6.0\">\n");
        for (var e : params.entrySet()) {
            xml.append("  <context-param><param-name>").append(Pages.escape(e.getKey()))
                    .append("</param-name><param-value>").append(Pages.escape(e.getValue()))
                    .append("</param-value></context-param>\n");
        }
        xml.append("</web-app>\n");
        return Files.writeString(Files.createTempFile(scratch, "override", ".xml"), xml, StandardCharsets.UTF_8);
    }

    /** Tomcat's way: {@code <Parameter override="false">}, which wins over web.xml. */
    static void overrideParameters(Context context, Map<String, String> params) {
        for (var e : params.entrySet()) {
            var p = new ApplicationParameter();
            p.setName(e.getKey());
            p.setValue(e.getValue());
            p.setOverride(false);
            context.addApplicationParameter(p);
        }
    }

    static Path war() {
        String war = System.getProperty("zipstream.war", "target/zipstream.war");
        Path p = Path.of(war).toAbsolutePath();
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("no WAR at " + p + ": run mvn verify, which packages it first");
        }
        return p;
    }

    protected final Path scratch;
    protected final Map<String, String> params;
    protected final String contextPath;
    protected java.time.Duration idleTimeout;

    Server(Path scratch, Map<String, String> params, String contextPath) {
        this.scratch = scratch;
        this.params = params;
        this.contextPath = contextPath;
    }

    abstract void begin() throws Exception;

    abstract int port();

    /** The web application's context attribute, or null if it did not start. */
    abstract Object attribute(String name);

    /** Whether the web application is up (it is not when its settings were refused). */
    abstract boolean available();

    /** Stops the web application only (undeploy), leaving the server up. */
    abstract void undeploy() throws Exception;

    /** Starts the undeployed web application again. */
    abstract void redeploy() throws Exception;

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port() + contextPath + path);
    }

    @SuppressWarnings("unchecked")
    Map<String, Long> stats() {
        var supplier = (Supplier<Map<String, Long>>) attribute(Service.STATS_ATTRIBUTE);
        return supplier == null ? Map.of() : supplier.get();
    }

    static final class OnJetty extends Server {
        private final org.eclipse.jetty.server.Server server = new org.eclipse.jetty.server.Server();
        private final ContextHandlerCollection contexts = new ContextHandlerCollection(true);
        private WebAppContext webapp;

        OnJetty(Path scratch, Map<String, String> params, String contextPath) {
            super(scratch, params, contextPath);
        }

        @Override
        void begin() throws Exception {
            // As jetty-base configures it: no version in the Server header or on Jetty's own error pages.
            var config = new HttpConfiguration();
            config.setSendServerVersion(false);
            // As jetty-base configures it: Jetty's per-connection header cache otherwise matches values ignoring
            // case, and a request could be handed an earlier request's Authorization header (a token differing in case).
            config.setHeaderCacheCaseSensitive(true);
            var connector = new ServerConnector(server, new HttpConnectionFactory(config));
            connector.setPort(0);
            connector.setHost("127.0.0.1");
            connector.setIdleTimeout(idleTimeout.toMillis());
            server.addConnector(connector);
            webapp = newWebApp();
            contexts.addHandler(webapp);
            server.setHandler(contexts);
            server.start();
        }

        private WebAppContext newWebApp() throws IOException {
            var context = new WebAppContext();
            context.setContextPath(contextPath.isEmpty() ? "/" : contextPath);
            context.setWar(war().toString());
            context.setOverrideDescriptor(overrideDescriptor(scratch, params).toString());
            context.setTempDirectory(Files.createTempDirectory(scratch, "jetty-work").toFile());
            context.setThrowUnavailableOnStartupException(false);
            return context;
        }


        @Override
        int port() {
            return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
        }

        @Override
        Object attribute(String name) {
            return webapp.getServletContext().getAttribute(name);
        }

        @Override
        boolean available() {
            return webapp.isAvailable() && webapp.getUnavailableException() == null;
        }

        @Override
        void undeploy() throws Exception {
            webapp.stop();
        }

        /** A new context for the same WAR, as Jetty's deployer makes on a redeploy. */
        @Override
        void redeploy() throws Exception {
            contexts.removeHandler(webapp);
            webapp = newWebApp();
            contexts.addHandler(webapp);
            webapp.start();
        }

        @Override
        public void close() throws Exception {
            try {
                webapp.stop(); // a context added to the running server is not stopped with it
            } finally {
                server.stop();
            }
        }
    }

    static final class OnTomcat extends Server {
        private final Tomcat tomcat = new Tomcat();
        private Context context;

        OnTomcat(Path scratch, Map<String, String> params, String contextPath) {
            super(scratch, params, contextPath);
        }

        @Override
        void begin() throws Exception {
            Path base = Files.createTempDirectory(scratch, "tomcat");
            Files.createDirectories(base.resolve("webapps"));
            tomcat.setBaseDir(base.toString());
            tomcat.setAddDefaultWebXmlToWebapp(false); // no JSP servlet (not on the classpath), no default servlet
            tomcat.setHostname("127.0.0.1");
            tomcat.setPort(0);
            var connector = tomcat.getConnector();
            connector.setProperty("address", "127.0.0.1");
            connector.setProperty("connectionTimeout", String.valueOf(idleTimeout.toMillis()));
            connector.setAsyncTimeout(Long.getLong("org.eclipse.jetty.ee10.servlet.ServletChannelState.DEFAULT_TIMEOUT",
                    30_000));
            // As README.md tells Tomcat operators: Tomcat's own error pages without report or version.
            var errorReport = new ErrorReportValve();
            errorReport.setShowReport(false);
            errorReport.setShowServerInfo(false);
            tomcat.getHost().getPipeline().addValve(errorReport);
            context = tomcat.addWebapp(contextPath, war().toString());
            overrideParameters(context, params);
            tomcat.start();
        }

        @Override
        int port() {
            return tomcat.getConnector().getLocalPort();
        }

        @Override
        Object attribute(String name) {
            return context.getServletContext().getAttribute(name);
        }

        @Override
        boolean available() {
            return context.getState() == LifecycleState.STARTED;
        }

        @Override
        void undeploy() throws Exception {
            context.stop();
        }

        @Override
        void redeploy() throws Exception {
            context.start();
        }

        @Override
        public void close() throws Exception {
            tomcat.stop();
            tomcat.destroy();
        }
    }
}
