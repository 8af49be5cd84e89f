package dev.zipstream;

import java.io.InputStream;
import java.net.URI;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.InputStreamResponseListener;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpMethod;

/** A real HTTP client (Jetty's), with whole-body and streaming calls. */
final class Http implements AutoCloseable {

    record Answer(int status, HttpFields headers, byte[] body) {
        String header(String name) {
            return headers.get(name);
        }
    }

    /** A response whose body is read as it arrives; closing it aborts the request. */
    record Stream(int status, HttpFields headers, InputStream body, Request request) implements AutoCloseable {
        void abort() {
            request.abort(new Exception("test client aborts"));
        }

        @Override
        public void close() throws Exception {
            abort();
            body.close();
        }
    }

    private final HttpClient client = new HttpClient();
    private final java.time.Duration idleTimeout;

    Http() throws Exception {
        this(java.time.Duration.ofSeconds(60));
    }

    Http(java.time.Duration idleTimeout) throws Exception {
        this.idleTimeout = idleTimeout;
        client.setFollowRedirects(false);
        client.setMaxConnectionsPerDestination(512);
        client.start();
    }

    Request request(String method, URI uri, String... headers) {
        var request = client.newRequest(uri).method(method).timeout(10, TimeUnit.MINUTES)
                .idleTimeout(idleTimeout.toMillis(), TimeUnit.MILLISECONDS);
        for (int i = 0; i + 1 < headers.length; i += 2) {
            String name = headers[i];
            String value = headers[i + 1];
            request.headers(h -> h.put(name, value));
        }
        return request;
    }

    Answer get(URI uri, String... headers) throws Exception {
        return send(HttpMethod.GET.asString(), uri, headers);
    }

    Answer send(String method, URI uri, String... headers) throws Exception {
        try (var s = stream(method, uri, headers)) {
            return new Answer(s.status(), s.headers(), s.body().readAllBytes());
        }
    }

    Stream stream(String method, URI uri, String... headers) throws Exception {
        try {
            return attempt(method, uri, headers);
        } catch (java.util.concurrent.ExecutionException e) {
            // A kept-alive connection the server closed as it was reused: a GET or HEAD that got no answer at all
            // may be sent again (RFC 9112, 9.3.1), as browsers do. Anything else is the test's to see.
            boolean idempotent = method.equals("GET") || method.equals("HEAD");
            if (!idempotent || !(e.getCause() instanceof java.io.EOFException)) {
                throw e;
            }
            return attempt(method, uri, headers);
        }
    }

    private Stream attempt(String method, URI uri, String... headers) throws Exception {
        var listener = new InputStreamResponseListener();
        var request = request(method, uri, headers);
        request.send(listener);
        var response = listener.get(60, TimeUnit.SECONDS);
        return new Stream(response.getStatus(), response.getHeaders(), listener.getInputStream(), request);
    }

    @Override
    public void close() throws Exception {
        client.stop();
    }
}
