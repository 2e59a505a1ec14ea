package io.scorpio.live;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;

/**
 * CPU use over an interval, to tell whether the machine (not the system under test) limited a run: the whole
 * machine's busy time from {@code /proc/stat} (Linux; NaN elsewhere), and the CPU time of the processes we
 * started (the client's own JVM and the nodes'), so that what other processes took is the difference.
 */
public final class CpuMeter {

    /** A reading: machine busy and total jiffies, our processes' CPU seconds, and when. */
    public record Reading(long busyJiffies, long totalJiffies, double oursCpuSeconds, long nanos) {
    }

    /**
     * Use over an interval, in cores (1.0 = one core fully busy for the whole interval).
     *
     * @param machineCores busy cores of the whole machine (NaN when /proc/stat is unreadable)
     * @param oursCores    cores used by the client and the nodes
     * @param otherCores   the rest: other processes on the machine (NaN when machineCores is)
     * @param cpus         logical CPUs of the machine
     */
    public record Use(double machineCores, double oursCores, double otherCores, int cpus) {
    }

    private CpuMeter() {
    }

    /** Reads now; {@code processes} are ours besides this JVM (the nodes). */
    public static Reading read(Collection<ProcessHandle> processes) {
        double ours = cpuSeconds(ProcessHandle.current());
        for (ProcessHandle p : processes) {
            ours += cpuSeconds(p);
        }
        long[] stat = procStat();
        return new Reading(stat[0], stat[1], ours, System.nanoTime());
    }

    public static Use between(Reading a, Reading b) {
        int cpus = Runtime.getRuntime().availableProcessors();
        double wall = (b.nanos() - a.nanos()) / 1e9;
        double ours = wall > 0 ? (b.oursCpuSeconds() - a.oursCpuSeconds()) / wall : Double.NaN;
        long total = b.totalJiffies() - a.totalJiffies();
        double machine = a.totalJiffies() < 0 || b.totalJiffies() < 0 || total <= 0 ? Double.NaN
                : cpus * (double) (b.busyJiffies() - a.busyJiffies()) / total;
        return new Use(machine, ours, machine - ours, cpus);
    }

    /** The 1-minute load average from /proc/loadavg, NaN when unreadable. */
    public static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).strip().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    private static double cpuSeconds(ProcessHandle p) {
        return p.info().totalCpuDuration().map(Duration::toNanos).orElse(0L) / 1e9;
    }

    /** {busy, total} jiffies of the machine's first "cpu" line, or {-1, -1}. */
    static long[] procStat() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/stat"))) {
                if (line.startsWith("cpu ")) {
                    return parseCpuLine(line);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or not readable: the machine figures become NaN
        }
        return new long[] {-1, -1};
    }

    /**
     * {@code cpu user nice system idle iowait irq softirq steal ...}: busy = user + nice + system + irq + softirq +
     * steal (steal is time a virtual machine wanted and did not get, so it counts against us); total adds idle and
     * iowait. Guest time is already inside user and nice.
     */
    static long[] parseCpuLine(String line) {
        String[] f = line.strip().split("\\s+");
        long[] v = new long[8];
        for (int i = 0; i < 8 && i + 1 < f.length; i++) {
            v[i] = Long.parseLong(f[i + 1]);
        }
        long busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
        return new long[] {busy, busy + v[3] + v[4]};
    }
}
