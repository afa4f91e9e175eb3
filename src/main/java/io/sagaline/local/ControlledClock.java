package io.sagaline.local;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import io.sagaline.asl.Interpreter;

/**
 * Time a test moves through the API (README, "Time you control"): the clock and scheduler of the executions
 * started while the local engine's clock is controlled. Their work runs on the engine's workers as any
 * execution's does; what is due later (a Wait, a retry's back-off, a timeout, a heartbeat's deadline) waits
 * until {@link #advance} moves the clock past it, and then runs in order of due time, each piece with the clock
 * at its due instant, so that a Wait of a day costs no real time and the history shows the day.
 */
final class ControlledClock implements Interpreter.Scheduler {

    private record Due(Instant at, long sequence, Runnable work) {
    }

    /** What the clock reads: its time, how much work waits on it and when the next piece is due (null: none). */
    record Reading(Instant now, int timers, Instant nextDue, int fired) {
    }

    /** The executions' work did not come to rest within the patience given: one still runs a task. */
    static final class Busy extends RuntimeException {
        Busy(String message) {
            super(message, null, false, false);
        }
    }

    private final Executor workers;
    private final Object lock = new Object();
    private final PriorityQueue<Due> due = new PriorityQueue<>(Comparator.comparing(Due::at).thenComparingLong(Due::sequence));
    /** One advance at a time: two tests moving the clock at once would each see the other's work fire. */
    private final ReentrantLock advancing = new ReentrantLock();
    private Instant now;
    private long sequence;
    /** Pieces of work handed to the workers and not finished: the clock moves only when none is. */
    private int running;

    private final Clock clock = new Clock() {
        @Override
        public Instant instant() {
            synchronized (lock) {
                return now;
            }
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

    ControlledClock(Executor workers, Instant start) {
        this.workers = workers;
        this.now = start;
    }

    /** The clock to give the interpreter. */
    Clock clock() {
        return clock;
    }

    @Override
    public void run(Runnable work) {
        synchronized (lock) {
            running++;
        }
        dispatch(work);
    }

    @Override
    public void after(Duration delay, Runnable work) {
        if (delay.isNegative() || delay.isZero()) {
            run(work);
            return;
        }
        synchronized (lock) {
            due.add(new Due(now.plus(delay), sequence++, work));
        }
    }

    private void dispatch(Runnable work) {
        try {
            workers.execute(() -> {
                try {
                    work.run();
                } finally {
                    finished();
                }
            });
        } catch (RejectedExecutionException e) {
            finished();
            throw e;
        }
    }

    private void finished() {
        synchronized (lock) {
            running--;
            lock.notifyAll();
        }
    }

    Reading read() {
        synchronized (lock) {
            return reading(0);
        }
    }

    private Reading reading(int fired) {
        Due next = due.peek();
        return new Reading(now, due.size(), next == null ? null : next.at(), fired);
    }

    /**
     * Sets the clock to {@code to}, once the work under way has come to rest (waiting at most {@code patience}, as an
     * advance does: an execution just started has then set its first timer). It may go back only while nothing waits
     * on it: work already due at a later instant would otherwise be due before work scheduled after it.
     *
     * @throws Busy when work still runs after {@code patience}
     */
    Reading set(Instant to, Duration patience) {
        advancing.lock();
        try {
            synchronized (lock) {
                awaitRest(patience);
                if (to.isBefore(now) && !due.isEmpty()) {
                    throw new IllegalStateException("the clock reads " + now + " and " + due.size()
                            + " pieces of work wait on it: it cannot go back to " + to);
                }
                now = to;
                return reading(0);
            }
        } finally {
            advancing.unlock();
        }
    }

    /**
     * Moves the clock to {@code to}, running every piece of work due by then in order of due time, the clock at each
     * piece's due instant, and returns once the work has come to rest: what it started (a task, the next state)
     * has finished, and what is due next is due after {@code to}. Waits at most {@code patience} for the work to
     * come to rest between two pieces.
     *
     * @throws Busy when work still runs after {@code patience}; the clock then stays where that work began
     */
    Reading advance(Instant to, Duration patience) {
        advancing.lock();
        try {
            int fired = 0;
            while (true) {
                Due next;
                synchronized (lock) {
                    awaitRest(patience);
                    next = due.peek();
                    if (next == null || next.at().isAfter(to)) {
                        if (to.isAfter(now)) {
                            now = to;
                        }
                        return reading(fired);
                    }
                    due.poll();
                    if (next.at().isAfter(now)) {
                        now = next.at();
                    }
                    running++;
                }
                fired++;
                dispatch(next.work());
            }
        } finally {
            advancing.unlock();
        }
    }

    /** Called holding {@link #lock}. */
    private void awaitRest(Duration patience) {
        long until = System.nanoTime() + patience.toNanos();
        while (running > 0) {
            long left = until - System.nanoTime();
            if (left <= 0) {
                throw new Busy(running + " pieces of the executions' work still run after " + patience
                        + "; the clock stays at " + now);
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Busy("interrupted while the executions' work ran");
            }
        }
    }
}
