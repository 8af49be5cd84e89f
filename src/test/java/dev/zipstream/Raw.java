package dev.zipstream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A request sent byte for byte, so that no client library normalises a hostile path before it leaves. */
final class Raw {
    private Raw() {
    }

    record Answer(int status, String head, byte[] body) {
        String text() {
            return head + new String(body, StandardCharsets.ISO_8859_1);
        }
    }

    static Answer get(int port, String rawTarget) throws IOException {
        return send(port, "GET " + rawTarget + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    }

    static Answer send(int port, String request) throws IOException {
        try (var socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(20_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            var all = new ByteArrayOutputStream();
            socket.getInputStream().transferTo(all);
            byte[] b = all.toByteArray();
            String text = new String(b, StandardCharsets.ISO_8859_1);
            int end = text.indexOf("\r\n\r\n");
            String head = end < 0 ? text : text.substring(0, end);
            int status = head.length() >= 12 ? Integer.parseInt(head.substring(9, 12)) : -1;
            byte[] body = end < 0 ? new byte[0] : java.util.Arrays.copyOfRange(b, end + 4, b.length);
            return new Answer(status, head, body);
        }
    }
}
