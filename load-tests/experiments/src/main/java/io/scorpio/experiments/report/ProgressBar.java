package io.scorpio.experiments.report;

import java.io.PrintStream;

/** A one-line progress bar on standard error, redrawn in place; silent when the total is zero. */
public final class ProgressBar {

    private static final int WIDTH = 30;

    private final PrintStream out;
    private final String label;
    private final int total;
    private final long startNanos = System.nanoTime();
    private int done;

    public ProgressBar(String label, int total) {
        this(System.err, label, total);
    }

    ProgressBar(PrintStream out, String label, int total) {
        this.out = out;
        this.label = label;
        this.total = total;
    }

    public synchronized void step(String detail) {
        done++;
        if (total <= 0) {
            return;
        }
        int filled = (int) ((long) WIDTH * done / total);
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        out.printf("\r%s [%s%s] %d/%d %.0fs %s", label, "#".repeat(filled), ".".repeat(WIDTH - filled), done, total,
                seconds, detail.length() > 40 ? detail.substring(0, 40) : String.format("%-40s", detail));
        if (done == total) {
            out.println();
        }
        out.flush();
    }
}
