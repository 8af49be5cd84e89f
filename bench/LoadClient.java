import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Load client for zipstream's scale benchmark: many slow HTTP/1.1 downloads at once, on one thread.
 *
 * <pre>
 *   java bench/LoadClient.java --port 8080 --path /archive/HASH/ --clients 1000 --seconds 20 \
 *        --chunk-bytes 102400 --delay-ms 500 [--server-pid PID] [--host 127.0.0.1] [--clk-tck 100]
 * </pre>
 *
 * JDK only, one selector thread and non-blocking sockets, so that it is never the bottleneck (its own CPU is
 * reported). Phases: open every connection (at most {@code --max-pending} without a status line yet, so the
 * server's accept queue, 50 by default in Jetty, never overflows: an overflow costs a client a 1 s SYN retry) and send one GET each; wait until every connection has its status line
 * (or {@code --ramp-timeout} seconds); wait {@code --settle} seconds; then the measured window of
 * {@code --seconds}, during which every connection is read as fast as it delivers. Then everything is closed.
 *
 * <p>Per connection, the delivered rate in the window is measured from chunk to chunk: a read after at least
 * {@code --gap-ms} of silence starts a new chunk ("burst"); the rate is the bytes of the bursts from the first one in
 * the window up to (not including) the last one, divided by the time between the starts of those two bursts. That is
 * exact for a stream of equal chunks and does not depend on where the window cuts a chunk. So that a connection that
 * stalls or ends inside the window cannot hide it, the time is at least {@code window - 2 x delay}. A connection
 * without two bursts in the window falls back to bytes in the window / window. The share is rate / (chunk / delay).
 *
 * <p>With {@code --server-pid}, it samples the server's /proc/PID/status (VmRSS, Threads) every 200 ms from the first
 * connection to the end of the window (peaks), and /proc/PID/stat utime+stime at the window's ends (CPU = delta /
 * window). Its own CPU comes from /proc/self/stat the same way. After closing every connection it watches the
 * server's thread count for {@code --close-watch} more seconds ({@code server_close_peak_threads}).
 *
 * <p>With {@code --arrive-over S} (the crowd rows of issue 13), the clients instead arrive at an even pace over S
 * seconds, without any gating, and each is measured on its own clock from the moment its connect began: its share is
 * the body bytes that arrived within {@code --seconds} of that moment over {@code --seconds} x the configured rate,
 * so a late first byte costs share as it costs a user; {@code fb_*} are the times from connect to the first body
 * byte. The run ends {@code --seconds} after the last arrival; {@code server_idle_threads} is the server's thread
 * count before the first connection.
 *
 * <p>Last line of output: {@code RESULT key=value ...}, for scripts.
 */
public class LoadClient {

    static final class Conn {
        final int index;
        SocketChannel channel;
        ByteBuffer request;
        byte[] head = new byte[0];
        int status = -1;
        long body;
        long lastRead = Long.MIN_VALUE / 2;
        long firstBurst = -1;
        long lastBurst = -1;
        long bytesFromFirstBurst;
        long bytesBeforeLastBurst;
        long windowBytes;
        boolean open;
        String end; // why the connection ended before the window did, if it did
        long connectAt = -1;   // --arrive-over: when its connect began (its own clock starts there)
        long firstBodyAt = -1; // when its first body byte arrived
        long connectedAt = -1; // when its TCP connect completed
        long headAt = -1;      // when its response head was complete
        long ownBytes;         // body bytes within --seconds of connectAt

        Conn(int index) {
            this.index = index;
        }
    }

    // settings
    String host = "127.0.0.1";
    int port;
    String path;
    int clients;
    double seconds = 20;
    long chunkBytes = 100 * 1024;
    double delayMs = 500;
    int serverPid = -1;
    int clkTck = 100;
    double gapMs = 100;
    int maxPending = 32;
    double rampTimeout = 60;
    double settle = 1;
    double closeWatch = 2;
    double arriveOver = -1; // >= 0: paced arrivals over this many seconds, each client measured on its own clock
    boolean verbose;
    long givenIdleThreads = -1; // --idle-threads N: the idle server's count, taken before any warm-up load
    String timeline; // --timeline FILE: one line per connection, where its first-byte time went

    // state
    final ByteBuffer readBuffer = ByteBuffer.allocateDirect(1 << 20);
    long windowStart = Long.MAX_VALUE;
    long windowEnd = Long.MAX_VALUE;
    long peakRssKb;
    long peakThreads;
    long windowPeakRssKb;
    long windowPeakThreads;
    long lastSample = Long.MIN_VALUE / 2;
    long idleThreads = -1;

    public static void main(String[] args) throws Exception {
        var client = new LoadClient();
        client.parse(args);
        client.run();
    }

    void parse(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--verbose")) {
                verbose = true;
                continue;
            }
            if (i + 1 >= args.length) {
                usage("missing value for " + a);
            }
            String v = args[++i];
            switch (a) {
                case "--host" -> host = v;
                case "--port" -> port = Integer.parseInt(v);
                case "--path" -> path = v;
                case "--clients" -> clients = Integer.parseInt(v);
                case "--seconds" -> seconds = Double.parseDouble(v);
                case "--chunk-bytes" -> chunkBytes = Long.parseLong(v);
                case "--delay-ms" -> delayMs = Double.parseDouble(v);
                case "--server-pid" -> serverPid = Integer.parseInt(v);
                case "--clk-tck" -> clkTck = Integer.parseInt(v);
                case "--gap-ms" -> gapMs = Double.parseDouble(v);
                case "--max-pending" -> maxPending = Integer.parseInt(v);
                case "--ramp-timeout" -> rampTimeout = Double.parseDouble(v);
                case "--settle" -> settle = Double.parseDouble(v);
                case "--close-watch" -> closeWatch = Double.parseDouble(v);
                case "--arrive-over" -> arriveOver = Double.parseDouble(v);
                case "--timeline" -> timeline = v;
                case "--idle-threads" -> givenIdleThreads = Long.parseLong(v);
                default -> usage("unknown option " + a);
            }
        }
        if (port <= 0 || path == null || clients <= 0) {
            usage("--port, --path and --clients are required");
        }
    }

    static void usage(String why) {
        System.err.println("LoadClient: " + why);
        System.err.println("usage: java bench/LoadClient.java --port P --path /archive/H/ --clients N [--seconds 20]"
                + " [--chunk-bytes 102400] [--delay-ms 500] [--server-pid PID] [--host 127.0.0.1] [--clk-tck 100]"
                + " [--gap-ms 100] [--max-pending 32] [--ramp-timeout 60] [--settle 1] [--close-watch 2]"
                + " [--arrive-over SECONDS] [--timeline FILE] [--idle-threads N] [--verbose]");
        System.exit(2);
    }

    void run() throws IOException, InterruptedException {
        var address = new InetSocketAddress(host, port);
        byte[] request = ("GET " + path + " HTTP/1.1\r\nHost: " + host + ":" + port
                + "\r\nUser-Agent: zipstream-LoadClient\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        var conns = new Conn[clients];
        for (int i = 0; i < clients; i++) {
            conns[i] = new Conn(i);
        }
        long gap = (long) (gapMs * 1e6);
        long t0 = System.nanoTime();
        long rampDeadline = t0 + (long) (rampTimeout * 1e9);
        long rampDone = -1;
        int opened = 0;
        int answered = 0; // status line seen, or ended without one
        long serverCpuStart = 0;
        long selfCpuStart = 0;
        boolean inWindow = false;

        try (Selector selector = Selector.open()) {
            while (true) {
                long now = System.nanoTime();
                // open connections, a bounded number of TCP connects at a time
                // after the ramp timeout, the rest are opened without waiting (the server is not answering)
                while (opened < clients && (arriveOver >= 0
                        ? now >= t0 + (long) (arriveOver * 1e9 * opened / clients)
                        : opened - answered < maxPending || now > rampDeadline)) {
                    var c = conns[opened++];
                    c.connectAt = now;
                    try {
                        c.channel = SocketChannel.open();
                        c.channel.configureBlocking(false);
                        c.channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                        c.request = ByteBuffer.wrap(request);
                        c.open = true;
                        var key = c.channel.register(selector, SelectionKey.OP_CONNECT, c);
                        if (c.channel.connect(address)) {
                            c.connectedAt = now;
                            sendRequest(c, key);
                        }
                    } catch (IOException e) {
                        answered += fail(c, "connect: " + e.getMessage());
                    }
                }
                if (arriveOver >= 0 && rampDone < 0 && opened == clients) {
                    // every client reads for --seconds from its own connect; the last one ends the run
                    rampDone = now;
                    windowStart = t0;
                    windowEnd = now + (long) (seconds * 1e9);
                    log(String.format(Locale.ROOT, "arrivals: %d connections opened in %.2f s", opened, (now - t0) / 1e9));
                } else if (arriveOver < 0 && rampDone < 0 && opened == clients
                        && (answered == clients || now > rampDeadline)) {
                    rampDone = now;
                    windowStart = now + (long) (settle * 1e9);
                    windowEnd = windowStart + (long) (seconds * 1e9);
                    log(String.format(Locale.ROOT, "ramp: %d connections, %d answered in %.2f s%s", opened, answered,
                            (now - t0) / 1e9, answered < clients ? " (ramp timeout)" : ""));
                }
                if (!inWindow && (now >= windowStart || arriveOver >= 0)) {
                    idleThreads = givenIdleThreads >= 0 ? givenIdleThreads : threads();
                    inWindow = true;
                    serverCpuStart = cpuTicks(serverPid);
                    selfCpuStart = cpuTicks(-1);
                    windowPeakRssKb = 0;
                    windowPeakThreads = 0;
                    lastSample = Long.MIN_VALUE / 2;
                }
                if (now >= windowEnd) {
                    break;
                }
                if (now - lastSample >= 200_000_000L) {
                    sample();
                    lastSample = now;
                }

                selector.select(arriveOver >= 0 ? 1 : 50);
                now = System.nanoTime();
                var keys = selector.selectedKeys();
                for (var key : keys) {
                    var c = (Conn) key.attachment();
                    try {
                        if (key.isConnectable()) {
                            c.channel.finishConnect();
                            c.connectedAt = now;
                            sendRequest(c, key);
                        } else if (key.isWritable()) {
                            c.channel.write(c.request);
                            if (!c.request.hasRemaining()) {
                                key.interestOps(SelectionKey.OP_READ);
                            }
                        } else if (key.isReadable()) {
                            int before = c.status;
                            boolean ended = read(c, now, gap);
                            if (before < 0 && c.status >= 0) {
                                answered++;
                            }
                            if (ended) {
                                key.cancel();
                                if (c.status < 0) {
                                    answered++;
                                }
                            }
                        }
                    } catch (IOException e) {
                        key.cancel();
                        answered += fail(c, e.getClass().getSimpleName() + ": " + e.getMessage());
                    }
                }
                keys.clear();
            }
            long serverCpu = cpuTicks(serverPid) - serverCpuStart;
            long selfCpu = cpuTicks(-1) - selfCpuStart;
            sample();
            for (var c : conns) {
                if (c.channel != null) {
                    try {
                        c.channel.close();
                    } catch (IOException ignored) {
                        // closing anyway
                    }
                }
            }
            // Every client leaves at once: how many threads the server needs for that (not part of the peaks above).
            long closePeakThreads = 0;
            long closeEnd = System.nanoTime() + (long) (closeWatch * 1e9);
            while (serverPid > 0 && System.nanoTime() < closeEnd) {
                closePeakThreads = Math.max(closePeakThreads, threads());
                Thread.sleep(100);
            }
            report(conns, t0, rampDone, serverCpu, selfCpu, closePeakThreads);
        }
    }

    void sendRequest(Conn c, SelectionKey key) throws IOException {
        c.channel.write(c.request);
        key.interestOps(c.request.hasRemaining() ? SelectionKey.OP_WRITE : SelectionKey.OP_READ);
    }

    /** Marks a connection ended by an error; returns 1 if it had no status yet (it now counts as answered). */
    int fail(Conn c, String why) {
        if (c.open) {
            c.open = false;
            if (c.end == null) {
                c.end = why;
            }
            try {
                c.channel.close();
            } catch (IOException ignored) {
                // already broken
            }
        }
        return c.status < 0 ? 1 : 0;
    }

    /** Reads what is there; returns true when the connection has ended. */
    boolean read(Conn c, long now, long gap) throws IOException {
        var buf = readBuffer;
        for (int round = 0; round < 4; round++) {
            buf.clear();
            int n = c.channel.read(buf);
            if (n < 0) {
                c.open = false;
                if (c.end == null) {
                    c.end = "closed by server";
                }
                c.channel.close();
                return true;
            }
            if (n == 0) {
                return false;
            }
            int bodyBytes = n;
            if (c.status < 0) {
                bodyBytes = parseHead(c, buf, n);
                if (bodyBytes < 0) {
                    continue; // still in the header
                }
            }
            if (bodyBytes > 0) {
                body(c, bodyBytes, now, gap);
            }
        }
        return false;
    }

    /** Collects the response head; once complete, sets the status and returns the body bytes in this read. */
    int parseHead(Conn c, ByteBuffer buf, int n) throws IOException {
        byte[] got = new byte[n];
        buf.flip();
        buf.get(got);
        byte[] all = Arrays.copyOf(c.head, c.head.length + n);
        System.arraycopy(got, 0, all, c.head.length, n);
        c.head = all;
        for (int i = 3; i < all.length; i++) {
            if (all[i - 3] == '\r' && all[i - 2] == '\n' && all[i - 1] == '\r' && all[i] == '\n') {
                String line = new String(all, 0, Math.min(all.length, 32), StandardCharsets.US_ASCII);
                try {
                    c.status = Integer.parseInt(line.substring(9, 12));
                } catch (RuntimeException e) {
                    throw new IOException("bad status line: " + line);
                }
                int bodyStart = i + 1;
                c.headAt = System.nanoTime();
                c.head = null;
                return all.length - bodyStart;
            }
        }
        if (all.length > 64 * 1024) {
            throw new IOException("response head over 64 KiB");
        }
        return -1;
    }

    void body(Conn c, int n, long now, long gap) {
        c.body += n;
        if (c.firstBodyAt < 0) {
            c.firstBodyAt = now;
        }
        if (c.connectAt >= 0 && now - c.connectAt < (long) (seconds * 1e9)) {
            c.ownBytes += n;
        }
        if (now >= windowStart && now < windowEnd && c.status == 200) {
            c.windowBytes += n;
            boolean burst = now - c.lastRead >= gap;
            if (c.firstBurst < 0) {
                if (burst) {
                    c.firstBurst = now;
                }
            } else if (burst) {
                c.lastBurst = now;
                c.bytesBeforeLastBurst = c.bytesFromFirstBurst;
            }
            if (c.firstBurst >= 0) {
                c.bytesFromFirstBurst += n;
            }
        }
        c.lastRead = now;
    }

    /** The share of the configured rate this connection got in the window (see the class comment). */
    double share(Conn c) {
        double configured = chunkBytes / (delayMs / 1000.0);
        double window = (windowEnd - windowStart) / 1e9;
        double rate;
        if (c.firstBurst >= 0 && c.lastBurst > c.firstBurst) {
            double span = (c.lastBurst - c.firstBurst) / 1e9;
            double atLeast = (windowEnd - c.firstBurst) / 1e9 - 2 * delayMs / 1000.0;
            rate = c.bytesBeforeLastBurst / Math.max(span, atLeast);
        } else {
            rate = c.windowBytes / window;
        }
        return rate / configured;
    }

    void sample() {
        if (serverPid <= 0) {
            return;
        }
        try {
            long rss = -1;
            long threads = -1;
            for (String line : Files.readAllLines(Path.of("/proc/" + serverPid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    rss = Long.parseLong(line.replaceAll("[^0-9]", ""));
                } else if (line.startsWith("Threads:")) {
                    threads = Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
            peakRssKb = Math.max(peakRssKb, rss);
            peakThreads = Math.max(peakThreads, threads);
            if (System.nanoTime() >= windowStart) {
                windowPeakRssKb = Math.max(windowPeakRssKb, rss);
                windowPeakThreads = Math.max(windowPeakThreads, threads);
            }
        } catch (IOException | RuntimeException e) {
            // the server is gone: its figures stop here
        }
    }

    /** utime + stime of a process (-1: this one), in clock ticks; 0 if unknown. */
    long cpuTicks(int pid) {
        if (pid == 0 || pid < -1) {
            return 0;
        }
        try {
            String stat = Files.readString(Path.of(pid == -1 ? "/proc/self/stat" : "/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15 of stat(5)
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    long threads() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + serverPid + "/status"))) {
                if (line.startsWith("Threads:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone
        }
        return 0;
    }

    void report(Conn[] conns, long t0, long rampDone, long serverTicks, long selfTicks, long closePeakThreads) {
        Map<String, Integer> statuses = new LinkedHashMap<>();
        List<Double> shares = new ArrayList<>();
        List<Double> rawShares = new ArrayList<>();
        int endedEarly = 0;
        int noAnswer = 0;
        Map<String, Integer> endReasons = new LinkedHashMap<>();
        long bodyTotal = 0;
        double window = (windowEnd - windowStart) / 1e9;
        double configured = chunkBytes / (delayMs / 1000.0);
        for (var c : conns) {
            bodyTotal += c.body;
            statuses.merge(c.status < 0 ? "none" : Integer.toString(c.status), 1, Integer::sum);
            if (c.status < 0) {
                noAnswer++;
            }
            if (c.status == 200) {
                shares.add(share(c));
                rawShares.add(c.windowBytes / window / configured);
                if (c.end != null) {
                    endedEarly++;
                    endReasons.merge(c.end.replaceAll("[0-9]+", "N"), 1, Integer::sum);
                }
            } else if (c.status < 0 && c.end != null) {
                endReasons.merge(c.end.replaceAll("[0-9]+", "N"), 1, Integer::sum);
            }
        }
        List<Double> firstBytes = new ArrayList<>();
        List<Double> ownShares = new ArrayList<>();
        for (var c : conns) {
            if (c.status == 200) {
                firstBytes.add(c.firstBodyAt < 0 ? Double.POSITIVE_INFINITY : (c.firstBodyAt - c.connectAt) / 1e6);
                ownShares.add(c.ownBytes / seconds / configured);
            }
        }
        firstBytes.sort(null);
        // where the first-byte time goes: TCP connect (accept queue), then request to response head
        List<Double> connects = new ArrayList<>();
        List<Double> heads = new ArrayList<>();
        for (var c : conns) {
            if (c.status == 200 && c.connectedAt >= 0 && c.headAt >= 0) {
                connects.add((c.connectedAt - c.connectAt) / 1e6);
                heads.add((c.headAt - c.connectedAt) / 1e6);
            }
        }
        if (timeline != null) {
            var lines = new ArrayList<String>();
            lines.add("# connection, connect began (ms after the first), TCP connect, response head, first body byte (ms after its connect began)");
            for (var c : conns) {
                if (c.connectAt >= 0) {
                    lines.add(String.format(Locale.ROOT, "%d %.1f %.1f %.1f %.1f", c.index, (c.connectAt - conns[0].connectAt) / 1e6,
                            c.connectedAt < 0 ? -1 : (c.connectedAt - c.connectAt) / 1e6,
                            c.headAt < 0 ? -1 : (c.headAt - c.connectAt) / 1e6,
                            c.firstBodyAt < 0 ? -1 : (c.firstBodyAt - c.connectAt) / 1e6));
                }
            }
            try {
                Files.write(Path.of(timeline), lines);
            } catch (IOException e) {
                log("timeline: " + e);
            }
        }
        connects.sort(null);
        heads.sort(null);
        ownShares.sort(null);
        if (arriveOver >= 0) {
            shares = ownShares; // the clock starts at connect: a late first byte costs share
        }
        shares.sort(null);
        rawShares.sort(null);
        var r = new LinkedHashMap<String, String>();
        r.put("clients", Integer.toString(clients));
        r.put("ok", Integer.toString(statuses.getOrDefault("200", 0)));
        r.put("s503", Integer.toString(statuses.getOrDefault("503", 0)));
        r.put("other", Integer.toString(clients - statuses.getOrDefault("200", 0) - statuses.getOrDefault("503", 0)));
        r.put("no_answer", Integer.toString(noAnswer));
        r.put("ended_early", Integer.toString(endedEarly));
        r.put("ramp_s", fmt((rampDone - t0) / 1e9));
        r.put("window_s", fmt(window));
        r.put("fb_median_ms", fmt(percentile(firstBytes, 0.5)));
        r.put("fb_p95_ms", fmt(percentile(firstBytes, 0.95)));
        r.put("fb_max_ms", fmt(firstBytes.isEmpty() ? Double.NaN : firstBytes.get(firstBytes.size() - 1)));
        r.put("connect_p95_ms", fmt(percentile(connects, 0.95)));
        r.put("head_median_ms", fmt(percentile(heads, 0.5)));
        r.put("head_p95_ms", fmt(percentile(heads, 0.95)));
        r.put("share_median", fmt(percentile(shares, 0.5)));
        r.put("share_p5", fmt(percentile(shares, 0.05)));
        r.put("share_worst", fmt(shares.isEmpty() ? Double.NaN : shares.get(0)));
        r.put("raw_share_median", fmt(percentile(rawShares, 0.5)));
        r.put("raw_share_worst", fmt(rawShares.isEmpty() ? Double.NaN : rawShares.get(0)));
        r.put("body_mib", fmt(bodyTotal / 1048576.0));
        r.put("server_peak_rss_mib", fmt(peakRssKb / 1024.0));
        r.put("server_peak_threads", Long.toString(peakThreads));
        r.put("server_window_peak_rss_mib", fmt(windowPeakRssKb / 1024.0));
        r.put("server_window_peak_threads", Long.toString(windowPeakThreads));
        r.put("server_close_peak_threads", Long.toString(closePeakThreads));
        r.put("server_idle_threads", Long.toString(idleThreads));
        r.put("server_cpu_s", fmt((double) serverTicks / clkTck));
        r.put("client_cpu_s", fmt((double) selfTicks / clkTck));
        r.put("server_cpu_pct", fmt(100.0 * serverTicks / clkTck / window));
        r.put("client_cpu_pct", fmt(100.0 * selfTicks / clkTck / window));
        System.out.println("statuses: " + statuses);
        if (!endReasons.isEmpty()) {
            System.out.println("ended before the window's end: " + endReasons);
        }
        var sb = new StringBuilder("RESULT");
        r.forEach((k, v) -> sb.append(' ').append(k).append('=').append(v));
        System.out.println(sb);
    }

    static double percentile(List<Double> sorted, double p) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        return sorted.get((int) Math.min(sorted.size() - 1, Math.floor(p * (sorted.size() - 1) + 0.5)));
    }

    static String fmt(double v) {
        return Double.isNaN(v) ? "nan" : String.format(Locale.ROOT, "%.4f", v);
    }

    void log(String line) {
        System.out.println(line);
    }
}
