package io.scorpio.predictor;

import ai.onnxruntime.OrtEnvironment;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The process's ONNX Runtime environment, created on a thread with a large stack.
 *
 * <p>Why: ONNX Runtime 1.29 reads {@code /proc/self/cmdline} while it creates its environment and walks it
 * recursively, a few stack frames per character. With the JVM's default 1 MiB thread stack, a command line longer
 * than about 3-4 KB (a {@code -cp} with a few dozen jars is enough) overflows the stack and the JVM dies with
 * SIGSEGV and no hs_err file. Creating the environment once, here, on a thread whose stack holds a command line of
 * a million characters, makes every launcher safe whatever its command line; later calls get the same environment.
 */
public final class OrtRuntime {

    /** Stack of the thread that creates the environment: 256 MiB of address space, touched only as deep as used. */
    private static final long INIT_STACK_BYTES = 256L << 20;

    private static volatile OrtEnvironment environment;

    private OrtRuntime() {
    }

    /** The shared environment ({@link OrtEnvironment#getEnvironment()}), created safely on first use. */
    public static OrtEnvironment environment() {
        OrtEnvironment env = environment;
        if (env != null) {
            return env;
        }
        synchronized (OrtRuntime.class) {
            if (environment == null) {
                environment = createOnLargeStack();
            }
            return environment;
        }
    }

    private static OrtEnvironment createOnLargeStack() {
        AtomicReference<OrtEnvironment> created = new AtomicReference<>();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread t = new Thread(null, () -> {
            try {
                created.set(OrtEnvironment.getEnvironment());
            } catch (Throwable e) {
                failed.set(e);
            }
        }, "onnxruntime-init", INIT_STACK_BYTES);
        t.setDaemon(true);
        t.start();
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while ONNX Runtime started", e);
        }
        if (failed.get() != null) {
            throw new IllegalStateException("ONNX Runtime could not start: " + failed.get(), failed.get());
        }
        return created.get();
    }
}
