package dev.zipstream;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3 server for tests: s3proxy 2.6.0 on its filesystem backend, as a separate {@code java -jar} process on a
 * free port, with signed requests required. Tests put their objects through the S3 API, as a site would.
 * The jar comes from {@code target/s3proxy/} (copied there by the pom before the integration tests); without it the
 * calling test is skipped with the reason.
 */
public final class S3Proxy implements AutoCloseable {

    public static final String IDENTITY = "zipstream-test-identity";
    public static final String CREDENTIAL = "zipstream-test-credential-not-a-secret";

    private final Process process;
    private final Path log;
    public final URI endpoint;
    public final S3Client client;

    private S3Proxy(Process process, Path log, URI endpoint) {
        this.process = process;
        this.log = log;
        this.endpoint = endpoint;
        this.client = S3Client.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(IDENTITY, CREDENTIAL)))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .build();
    }

    static Path jar() {
        Path jar = Path.of(System.getProperty("zipstream.s3proxy.jar",
                "target/s3proxy/s3proxy-2.6.0-jar-with-dependencies.jar"));
        Assumptions.assumeTrue(Files.isRegularFile(jar), "skipped: no s3proxy jar at " + jar.toAbsolutePath()
                + " (mvn verify copies org.gaul:s3proxy:2.6.0:jar-with-dependencies there)");
        return jar;
    }

    /** Starts s3proxy with its buckets under {@code dir}, waiting (up to 60 s) until it accepts connections. */
    public static S3Proxy start(Path dir) throws Exception {
        return start(dir, "filesystem");
    }

    /**
     * @param provider {@code filesystem} (each object a file: keys must be valid paths, a key cannot be both a file
     *                 and a folder) or {@code transient} (in memory: any key, for keys a folder could not hold)
     */
    public static S3Proxy start(Path dir, String provider) throws Exception {
        Path jar = jar();
        int port;
        try (var s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path data = Files.createDirectories(dir.resolve("s3proxy-data-" + provider));
        Path conf = dir.resolve("s3proxy-" + provider + ".conf");
        Files.writeString(conf, String.join("\n",
                "s3proxy.endpoint=http://127.0.0.1:" + port,
                "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + IDENTITY,
                "s3proxy.credential=" + CREDENTIAL,
                "jclouds.provider=" + provider,
                "jclouds.filesystem.basedir=" + data) + "\n");
        Path log = dir.resolve("s3proxy-" + provider + ".log");
        String java = ProcessHandle.current().info().command().orElse("java");
        var process = new ProcessBuilder(java, "-Xmx256m", "-jar", jar.toString(), "--properties", conf.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        var proxy = new S3Proxy(process, log, URI.create("http://127.0.0.1:" + port));
        try {
            Eventually.within(Duration.ofSeconds(60), () -> !process.isAlive() || accepts(port), up -> up,
                    "s3proxy accepting connections on port " + port);
            if (!process.isAlive()) {
                throw new IllegalStateException("s3proxy exited: " + Files.readString(log));
            }
        } catch (Exception | Error e) {
            proxy.close();
            throw e;
        }
        return proxy;
    }

    private static boolean accepts(int port) {
        try (var socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public void createBucket(String bucket) {
        client.createBucket(b -> b.bucket(bucket));
    }

    public void put(String bucket, String key, byte[] content) {
        client.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(content));
    }

    /**
     * Copies a folder into the bucket under {@code prefix}: a file becomes an object named by its relative path, an
     * empty folder a marker key ending in '/'. Eight uploads at a time: a thousand small objects one by one take
     * seconds of round trips.
     */
    public void upload(Path folder, String bucket, String prefix) {
        var puts = new java.util.ArrayList<java.util.concurrent.Callable<Void>>();
        try (Stream<Path> walk = Files.walk(folder)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (p.equals(folder)) {
                    continue;
                }
                String name = folder.relativize(p).toString().replace('\\', '/');
                if (Files.isRegularFile(p)) {
                    puts.add(() -> {
                        client.putObject(b -> b.bucket(bucket).key(prefix + name), RequestBody.fromFile(p));
                        return null;
                    });
                } else if (Files.isDirectory(p)) {
                    try (Stream<Path> inside = Files.list(p)) {
                        if (inside.findAny().isEmpty()) {
                            puts.add(() -> {
                                put(bucket, prefix + name + "/", new byte[0]);
                                return null;
                            });
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        var pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            for (var f : pool.invokeAll(puts)) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("upload interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("upload failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /** The settings a server needs to serve {@code s3://bucket/prefix/} from this store. */
    public java.util.Map<String, String> settings(String bucket, String prefix) {
        return java.util.Map.of("STORAGE_PATH", "s3://" + bucket + "/" + prefix, "S3_ENDPOINT", endpoint.toString());
    }

    /**
     * The AWS chain reads credentials from system properties before the environment: a JVM cannot set its own
     * environment, and every server in the test JVM talks to this one store.
     */
    public static void credentialsForServersInThisJvm() {
        System.setProperty("aws.accessKeyId", IDENTITY);
        System.setProperty("aws.secretAccessKey", CREDENTIAL);
    }

    public String logText() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Stops the process (and waits for it): every test leaves no s3proxy behind. */
    @Override
    public void close() throws Exception {
        client.close();
        process.destroy();
        if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    public List<String> keys(String bucket, String prefix) {
        return client.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents().stream()
                .map(o -> o.key()).toList();
    }
}
