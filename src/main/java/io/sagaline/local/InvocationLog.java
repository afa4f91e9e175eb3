package io.sagaline.local;

import java.util.logging.Handler;
import java.util.logging.LogRecord;

/**
 * What a function logs during one local invocation, for the Lambda API's {@code LogType=Tail}:
 * every record logged on the invocation's own thread while a capture is open, one line each, as
 * the console shows it. (Records logged on other threads, such as the reactive client's event
 * loop, are not the invocation's to claim.)
 */
final class InvocationLog extends Handler {

    private static final ThreadLocal<StringBuilder> CAPTURE = new ThreadLocal<>();
    private static volatile boolean installed;

    /** Opens ({@code log} not null) or closes the capture of the calling thread's records. */
    static void capture(StringBuilder log) {
        if (log == null) {
            CAPTURE.remove();
            return;
        }
        install();
        CAPTURE.set(log);
    }

    private static synchronized void install() {
        if (!installed) {
            java.util.logging.Logger.getLogger("").addHandler(new InvocationLog());
            installed = true;
        }
    }

    @Override
    public void publish(LogRecord record) {
        StringBuilder log = CAPTURE.get();
        if (log == null) {
            return;
        }
        String message = record instanceof org.jboss.logmanager.ExtLogRecord ext ? ext.getFormattedMessage()
                : record.getMessage();
        log.append(java.time.Instant.ofEpochMilli(record.getMillis())).append('\t').append(record.getLevel()).append('\t')
                .append(record.getLoggerName()).append('\t').append(message).append('\n');
        if (record.getThrown() != null) {
            java.io.StringWriter trace = new java.io.StringWriter();
            record.getThrown().printStackTrace(new java.io.PrintWriter(trace));
            log.append(trace);
        }
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }
}
