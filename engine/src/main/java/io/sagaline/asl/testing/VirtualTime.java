package io.sagaline.asl.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

import io.sagaline.asl.Interpreter;

/**
 * Time a test controls: a {@link Interpreter.Scheduler} that runs the engine's work on the calling thread,
 * in order of due time, and a clock that moves only when that work is due or the test moves it. A Wait of a
 * day, a retry back-off or a timeout costs no real time: {@link #runUntilIdle()} jumps the clock to the next
 * due work. Give the same instance to the interpreter as its scheduler and {@link #clock()} as its clock.
 */
public final class VirtualTime implements Interpreter.Scheduler {

    private record Due(Instant at, long sequence, Runnable work) {
    }

    private final PriorityQueue<Due> work = new PriorityQueue<>(
            Comparator.comparing(Due::at).thenComparingLong(Due::sequence));
    private final List<Duration> delays = new ArrayList<>();
    private final Clock clock = new Clock() {
        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    };
    private final int maxSteps;
    private volatile Instant now;
    private long sequence;

    /** Starts at {@code start}; {@link #runUntilIdle()} gives up after 10,000 pieces of work. */
    public VirtualTime(Instant start) {
        this(start, 10_000);
    }

    /** Starts at {@code start}; {@link #runUntilIdle()} gives up after {@code maxSteps} pieces of work. */
    public VirtualTime(Instant start, int maxSteps) {
        this.now = start;
        this.maxSteps = maxSteps;
    }

    /** The clock to give the interpreter. */
    public Clock clock() {
        return clock;
    }

    /** Moves the clock, as time passing during a task does. */
    public synchronized void advance(Duration duration) {
        if (duration.isNegative()) {
            throw new IllegalArgumentException("time does not go back: " + duration);
        }
        now = now.plus(duration);
    }

    @Override
    public synchronized void run(Runnable task) {
        work.add(new Due(now, sequence++, task));
    }

    @Override
    public synchronized void after(Duration delay, Runnable task) {
        delays.add(delay);
        work.add(new Due(now.plus(delay), sequence++, task));
    }

    /** Every delay the engine asked for (waits, back-offs, timeouts), in the order asked. */
    public synchronized List<Duration> delays() {
        return List.copyOf(delays);
    }

    /**
     * Runs the work due within {@code duration} from now, in order, moving the clock to each piece's due time, and
     * leaves the clock {@code duration} on: what falls due later stays pending.
     */
    public void runFor(Duration duration) {
        Instant until = now.plus(duration);
        while (true) {
            Due next;
            synchronized (this) {
                next = work.peek();
                if (next == null || next.at().isAfter(until)) {
                    now = until;
                    return;
                }
                work.poll();
                if (next.at().isAfter(now)) {
                    now = next.at();
                }
            }
            next.work().run();
        }
    }

    /**
     * Runs the work due, moving the clock to each piece's due time, until none is left.
     *
     * @throws IllegalStateException when more than the maximum number of pieces ran: the execution does not end
     */
    public void runUntilIdle() {
        for (int steps = 0;; steps++) {
            Due next;
            synchronized (this) {
                next = work.poll();
                if (next == null) {
                    return;
                }
                if (steps >= maxSteps) {
                    throw new IllegalStateException("still running after " + maxSteps + " steps: the execution does not end");
                }
                if (next.at().isAfter(now)) {
                    now = next.at();
                }
            }
            next.work().run();
        }
    }
}
