package io.sagaline.asl;

/**
 * Where executions are made durable. The interpreter commits at every point after which a crash
 * must not lose what happened: when an execution starts, before a task is invoked (so that a
 * crash re-invokes it: at least once, never skipped), after every state's transition, before
 * every wait (with the time to resume), and when it ends. A store shared by several engines
 * gives each execution a lease ({@link Execution.Commit#lease()}) and refuses a commit under a
 * lease that is no longer the execution's ({@link LeaseLost}).
 */
@FunctionalInterface
public interface ExecutionStore {

    /** Makes the commit durable, atomically, or throws. */
    void commit(Execution.Commit commit);

    /**
     * Opens a transaction that a transactional task's own statements and the engine's next commit share
     * ({@link Interpreter.TaskInvoker#transactional}); null when this store has none, and the task then runs on its own.
     */
    default Transaction begin() {
        return null;
    }

    /** A transaction of the store's, open until the engine commits its next transition in it, or rolls it back. */
    interface Transaction {
        /** Adds the commit's rows, under its lease, and commits everything done in the transaction; or throws. */
        void commit(Execution.Commit commit);

        void rollback();
    }

    /** For runs that need no durability (the interpreter's own tests). */
    ExecutionStore NONE = commit -> {
    };

    /** The store could not commit: the execution stops here, in this process, as if it had crashed. */
    class Unavailable extends RuntimeException {
        public Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * The execution's lease has passed to another engine (this one was thought dead, or the execution was stopped
     * or redriven from there): the commit is refused, and the execution stops in this process, where it is no
     * longer this engine's to run.
     */
    class LeaseLost extends Unavailable {
        public LeaseLost(String message) {
            super(message, null);
        }
    }
}
