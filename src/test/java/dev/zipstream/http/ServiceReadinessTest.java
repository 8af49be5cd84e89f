package dev.zipstream.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.zipstream.config.Settings;
import dev.zipstream.log.Log;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServiceReadinessTest {

    @TempDir
    Path tmp;

    @Test
    void aStoppingServiceIsNotReadyAtOnce() throws Exception {
        var settings = Settings.from(Map.<String, String>of()::get, Map.of("STORAGE_PATH", tmp.toString(),
                "CHUNK_SIZE", "4", "DELAY", "0"));
        var service = new Service(settings, new Log(null), "test");
        assertNull(service.readiness.notReadyBecause());
        service.stop();
        assertEquals("shutting down", service.readiness.notReadyBecause());
    }

    @Test
    void aMissingStorageFolderIsNotReady() throws Exception {
        var settings = Settings.from(Map.<String, String>of()::get, Map.of("STORAGE_PATH",
                tmp.resolve("missing").toString(), "CHUNK_SIZE", "4", "DELAY", "0"));
        var service = new Service(settings, new Log(null), "test");
        try {
            assertEquals("the storage folder is missing", service.readiness.notReadyBecause());
        } finally {
            service.stop();
        }
    }
}
