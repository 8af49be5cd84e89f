package dev.zipstream.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClientLimitTest {

    private final List<String> warnings = new ArrayList<>();

    @Test
    void eachAddressGetsItsOwnSlotsAndGetsThemBack() {
        var limit = new ClientLimit(2, warnings::add);
        assertTrue(limit.tryAcquire("10.0.0.1"));
        assertTrue(limit.tryAcquire("10.0.0.1"));
        assertFalse(limit.tryAcquire("10.0.0.1"), "third from the same address");
        assertTrue(limit.tryAcquire("10.0.0.2"), "another address is not affected");
        limit.release("10.0.0.1");
        assertTrue(limit.tryAcquire("10.0.0.1"), "a slot freed is a slot again");
        limit.release("10.0.0.1");
        limit.release("10.0.0.1");
        limit.release("10.0.0.2");
        assertEquals(0, limit.addressesHeld(), "no address kept once its downloads ended");
    }

    @Test
    void offAdmitsEverything() {
        var limit = new ClientLimit(0, warnings::add);
        for (int i = 0; i < 1000; i++) {
            assertTrue(limit.tryAcquire("10.0.0.1"));
        }
        assertEquals(0, limit.addressesHeld());
        assertEquals(List.of(), warnings);
    }

    @Test
    void warnsOnceWhenEveryDownloadComesFromOneAddress() {
        var limit = new ClientLimit(1, warnings::add);
        for (int i = 0; i < ClientLimit.ONE_ADDRESS_WARNING_AFTER * 3; i++) {
            assertTrue(limit.tryAcquire("127.0.0.1"));
            limit.release("127.0.0.1");
        }
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("127.0.0.1") && warnings.get(0).contains("TRUST_PROXY"), warnings.get(0));
    }

    @Test
    void doesNotWarnWhenClientsDiffer() {
        var limit = new ClientLimit(1, warnings::add);
        for (int i = 0; i < ClientLimit.ONE_ADDRESS_WARNING_AFTER * 3; i++) {
            String address = i % 5 == 4 ? "10.0.0.9" : "10.0.0.1";
            assertTrue(limit.tryAcquire(address));
            limit.release(address);
        }
        assertEquals(List.of(), warnings);
    }
}
