package dev.zipstream.zip;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.zipstream.Readers;
import dev.zipstream.S3Proxy;
import dev.zipstream.Trees;
import dev.zipstream.log.Log;
import dev.zipstream.storage.s3.S3Storage;
import dev.zipstream.streaming.Produce;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Zip64 over a bucket: with the limits lowered, offsets, sizes and the entry count cross them with small objects,
 * so every Zip64 path is written from ranged GETs and read back, and the predicted length still holds. (The real
 * limits need 4 GiB objects, which s3proxy would have to store on disk.)
 */
class BucketZip64IT {

    @TempDir
    Path tmp;

    @Test
    void zip64PathsFromObjectsStayExactAndReadable() throws Exception {
        Path folder = tmp.resolve("z");
        var rnd = new Random(64);
        for (int i = 0; i < 45; i++) {
            Trees.file(folder, "dir/é-" + i + ".bin", Trees.bytes(rnd, rnd.nextInt(3) == 0 ? 0 : 900 + rnd.nextInt(300)));
        }
        Files.createDirectories(folder.resolve("empty"));
        try (var s3 = S3Proxy.start(tmp)) {
            s3.createBucket("zip64");
            s3.upload(folder, "zip64", "p/z/");
            S3Proxy.credentialsForServersInThisJvm();
            try (var storage = S3Storage.connect(new S3Storage.Location("zip64", "p/", s3.endpoint, "us-east-1", true),
                    new Log(null))) {
                var listing = storage.list("z").orElseThrow();
                var zip = new StoredZip(listing, ZoneOffset.UTC, new StoredZip.Limits(1000, 20));
                var content = StoredZip.files(new CrcCache(1000, storage), storage);
                byte[] bytes = Produce.run(4096, out -> Fixtures.store(zip, 0, zip.length(), content, out)).bytes();
                assertEquals(zip.length(), bytes.length);
                Path file = tmp.resolve("z.zip");
                Files.write(file, bytes);
                Readers.assertAllRead(file, Trees.expected(folder), tmp);
            }
        }
    }
}
