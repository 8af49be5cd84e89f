package dev.zipstream.zip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RecentCrcsTest {

    @Test
    void neverHoldsMoreThanItsCapacity() {
        var crcs = new RecentCrcs<Integer>(100);
        for (int i = 0; i < 1_000; i++) {
            crcs.put(i, i * 7);
            assertTrue(crcs.size() <= 100, "size " + crcs.size() + " after " + (i + 1) + " insertions");
        }
    }

    @Test
    void forgetsTheLeastRecentlyUsedFirst() {
        var crcs = new RecentCrcs<String>(10);
        for (int i = 0; i < 10; i++) {
            crcs.put("file" + i, i);
        }
        assertEquals(0, crcs.get("file0"), "used again: now the most recent");
        crcs.put("file10", 10); // over capacity: the oldest tenth goes
        assertNotNull(crcs.get("file0"), "recently used, kept");
        assertNull(crcs.get("file1"), "the least recently used, forgotten");
        assertEquals(10, crcs.get("file10"));
    }

    @Test
    void aRemovedCrcIsGone() {
        var crcs = new RecentCrcs<String>(10);
        crcs.put("a", 1);
        crcs.remove("a");
        assertNull(crcs.get("a"));
    }
}
