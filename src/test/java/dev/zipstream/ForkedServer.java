package dev.zipstream;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Runs the WAR in Jetty in a JVM of its own, so that a test can give it a real environment (a JVM cannot change
 * its own). Prints "PORT n" when up, or "UNAVAILABLE" when the web application refused to start; runs until its
 * standard input closes.
 */
public final class ForkedServer {
    public static void main(String[] args) throws Exception {
        Path scratch = Files.createTempDirectory("zipstream-forked");
        try (var server = Server.Kind.JETTY.start(scratch, Map.of())) {
            System.out.println(server.available() ? "PORT " + server.port() : "UNAVAILABLE");
            System.out.flush();
            System.in.transferTo(java.io.OutputStream.nullOutputStream());
        }
    }
}
