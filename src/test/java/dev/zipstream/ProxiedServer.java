package dev.zipstream;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.catalina.startup.Tomcat;
import org.apache.catalina.valves.RemoteIpValve;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.ForwardedRequestCustomizer;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;

/**
 * The WAR in a container told to trust the proxy in front, each the way its operator would: Jetty with its
 * forwarded module's ForwardedRequestCustomizer (what {@code TRUST_PROXY=true} enables in jetty-base), Tomcat with a
 * RemoteIpValve whose {@code internalProxies} is the proxy's address (here 127.0.0.1, where the test connects from).
 */
abstract class ProxiedServer implements AutoCloseable {

    abstract int port();

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port() + path);
    }

    static ProxiedServer start(Server.Kind kind, Path scratch, Map<String, String> params) throws Exception {
        return kind == Server.Kind.JETTY ? new OnJetty(scratch, params) : new OnTomcat(scratch, params);
    }

    private static final class OnJetty extends ProxiedServer {
        private final org.eclipse.jetty.server.Server server = new org.eclipse.jetty.server.Server();

        OnJetty(Path scratch, Map<String, String> params) throws Exception {
            var config = new HttpConfiguration();
            config.setHeaderCacheCaseSensitive(true);
            config.addCustomizer(new ForwardedRequestCustomizer());
            var connector = new ServerConnector(server, new HttpConnectionFactory(config));
            connector.setHost("127.0.0.1");
            connector.setPort(0);
            server.addConnector(connector);
            var context = new WebAppContext();
            context.setContextPath("/");
            context.setWar(Server.war().toString());
            context.setOverrideDescriptor(Server.overrideDescriptor(scratch, params).toString());
            context.setTempDirectory(Files.createTempDirectory(scratch, "jetty-work").toFile());
            server.setHandler(context);
            server.start();
        }

        @Override
        int port() {
            return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
        }

        @Override
        public void close() throws Exception {
            server.stop();
        }
    }

    private static final class OnTomcat extends ProxiedServer {
        private final Tomcat tomcat = new Tomcat();

        OnTomcat(Path scratch, Map<String, String> params) throws Exception {
            Path base = Files.createTempDirectory(scratch, "tomcat");
            Files.createDirectories(base.resolve("webapps"));
            tomcat.setBaseDir(base.toString());
            tomcat.setAddDefaultWebXmlToWebapp(false);
            tomcat.setHostname("127.0.0.1");
            tomcat.setPort(0);
            tomcat.getConnector().setProperty("address", "127.0.0.1");
            var valve = new RemoteIpValve();
            valve.setInternalProxies("127\\.0\\.0\\.1");
            valve.setRemoteIpHeader("X-Forwarded-For");
            tomcat.getHost().getPipeline().addValve(valve);
            var context = tomcat.addWebapp("", Server.war().toString());
            Server.overrideParameters(context, params);
            tomcat.start();
        }

        @Override
        int port() {
            return tomcat.getConnector().getLocalPort();
        }

        @Override
        public void close() throws Exception {
            tomcat.stop();
            tomcat.destroy();
        }
    }
}
