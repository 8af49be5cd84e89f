package dev.zipstream.streaming;

import jakarta.servlet.ServletOutputStream;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;

/**
 * Hands a chunk to the container as a {@code ByteBuffer}: a direct buffer then goes to the socket without being
 * copied to the heap and back. {@code ServletOutputStream.write(ByteBuffer)} is Servlet 6.1 (Jetty ee11, Tomcat 11);
 * the output streams of Jetty ee10 and Tomcat 10.1 have a public one of their own. This WAR is compiled against
 * Servlet 6.0 so that those still run it, hence a method handle looked up once per runtime class; where there is
 * none, the chunk is copied into one reused array and written as bytes.
 */
final class ResponseWriter {

    private static final MethodType WRITE_BUFFER = MethodType.methodType(void.class, ByteBuffer.class);
    private static final MethodType EXACT = MethodType.methodType(void.class, ServletOutputStream.class,
            ByteBuffer.class);

    /** The handle for each output stream class; null in the holder where the class has no write(ByteBuffer). */
    private static final ClassValue<Holder> HANDLES = new ClassValue<>() {
        @Override
        protected Holder computeValue(Class<?> type) {
            return new Holder(lookup(type));
        }
    };

    private record Holder(MethodHandle handle) {
    }

    private final ServletOutputStream out;
    private final MethodHandle write;
    private byte[] scratch;

    ResponseWriter(ServletOutputStream out) {
        this.out = out;
        this.write = HANDLES.get(out.getClass()).handle();
    }

    /** Whether chunks reach the container as buffers (false: copied into an array first). */
    boolean writesBuffers() {
        return write != null;
    }

    /** Writes the chunk's remaining bytes; the container may read it until {@code isReady()} returns true again. */
    void write(ByteBuffer chunk) throws IOException {
        if (write != null) {
            try {
                write.invokeExact(out, chunk);
            } catch (IOException | RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IOException(t);
            }
            return;
        }
        int n = chunk.remaining();
        if (chunk.hasArray()) {
            out.write(chunk.array(), chunk.arrayOffset() + chunk.position(), n);
            return;
        }
        if (scratch == null || scratch.length < n) {
            scratch = new byte[Math.max(n, chunk.capacity())];
        }
        chunk.get(scratch, 0, n);
        out.write(scratch, 0, n);
    }

    static MethodHandle lookup(Class<?> type) {
        var lookup = MethodHandles.publicLookup();
        // The runtime class's public method (inherited from ServletOutputStream on Servlet 6.1); where the class
        // itself is not accessible, its public superclasses'.
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            try {
                return lookup.findVirtual(c, "write", WRITE_BUFFER).asType(EXACT);
            } catch (NoSuchMethodException | IllegalAccessException | ClassCastException e) {
                // not here, or not public here: try the superclass
            } catch (RuntimeException e) {
                return null;
            }
        }
        return null;
    }
}
