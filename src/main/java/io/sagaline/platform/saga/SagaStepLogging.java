package io.sagaline.platform.saga;

import jakarta.annotation.Priority;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import jakarta.interceptor.AroundInvoke;
import jakarta.interceptor.Interceptor;
import jakarta.interceptor.InvocationContext;

import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.sagaline.platform.observability.Metrics;
import io.sagaline.platform.observability.Telemetry;
import io.sagaline.platform.observability.Traces;

/**
 * Puts the tenant, order and execution of a saga task into the logging context for the length of
 * the step, and logs one line per step: which, for whom, how long, and how it ended. A business
 * error is an outcome (INFO); anything else is a failure (ERROR, with its stack trace).
 */
@SagaStepLogged
@Interceptor
@Priority(Interceptor.Priority.PLATFORM_AFTER)
public class SagaStepLogging {

    private static final Logger LOG = Logger.getLogger("io.sagaline.saga");
    private static final SeenBefore FAILURES_SEEN = new SeenBefore(1_000);

    /** The last {@code capacity} failures of this process, to log each one's trace once. */
    static final class SeenBefore {
        private final java.util.Map<String, Boolean> seen;

        SeenBefore(int capacity) {
            this.seen = java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(java.util.Map.Entry<String, Boolean> eldest) {
                    return size() > capacity;
                }
            });
        }

        boolean firstTime(String key) {
            return seen.put(key, Boolean.TRUE) == null;
        }
    }

    @Inject
    Telemetry telemetry;
    @Inject
    Metrics metrics;
    @Inject
    io.sagaline.platform.Catalog catalog;

    /** The handler's @Named, found on the bean class (the target may be a generated subclass of it). */
    private static String stepName(Class<?> type) {
        Named named = onBeanClass(type, Named.class);
        return named == null ? type.getSimpleName() : named.value();
    }

    /** What the step undoes, if it is a compensation ({@link SagaStepLogged#compensates}); empty otherwise. */
    private static String compensates(Class<?> type) {
        SagaStepLogged logged = onBeanClass(type, SagaStepLogged.class);
        return logged == null ? "" : logged.compensates();
    }

    /** {@code annotation} as the bean class declares it, found above the generated subclass the target may be. */
    private static <A extends java.lang.annotation.Annotation> A onBeanClass(Class<?> type, Class<A> annotation) {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            A found = c.getAnnotation(annotation);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    /**
     * The catalog's name of an execution's state machine, from its ARN
     * ({@code arn:aws:states:<region>:<account>:execution:<machine>:<name>}): in AWS the machine is
     * named {@code <prefix>-<catalog name>}, locally the catalog's name; the metrics say the latter.
     */
    static String machineOf(String executionArn, io.sagaline.platform.Catalog catalog) {
        String[] parts = executionArn == null ? new String[0] : executionArn.split(":");
        if (parts.length < 8 || !parts[5].equals("execution")) {
            return "unknown";
        }
        String machine = parts[6];
        for (io.sagaline.platform.Catalog.StateMachine m : catalog.stateMachines()) {
            if (machine.equals(m.name()) || machine.endsWith("-" + m.name())) {
                return m.name();
            }
        }
        return machine;
    }

    @AroundInvoke
    Object around(InvocationContext invocation) throws Exception {
        Object[] parameters = invocation.getParameters();
        if (parameters.length == 0 || !(parameters[0] instanceof SagaTask task)) {
            return invocation.proceed();
        }
        String step = stepName(invocation.getTarget().getClass());
        String machine = machineOf(task.executionId(), catalog);
        String undoes = compensates(invocation.getTarget().getClass());
        Span span = telemetry.tracer().spanBuilder(step).setParent(Traces.invocationParent())
                .setAttribute("sagaline.tenant", String.valueOf(task.tenant()))
                .setAttribute("sagaline.order_id", String.valueOf(task.orderId()))
                .setAttribute("aws.step_functions.execution.arn", String.valueOf(task.executionId())).startSpan();
        if (!undoes.isEmpty()) {
            span.setAttribute("sagaline.compensates", undoes);
        }
        Scope scope = span.makeCurrent();
        MDC.put("tenant", String.valueOf(task.tenant()));
        MDC.put("orderId", String.valueOf(task.orderId()));
        MDC.put("executionId", String.valueOf(task.executionId()));
        long started = System.nanoTime();
        String outcome = "failed";
        try {
            Object result = invocation.proceed();
            outcome = "ok";
            if (!undoes.isEmpty()) {
                metrics.compensated(machine, step, undoes);
            }
            LOG.infof("step=%s outcome=ok ms=%d", step, (System.nanoTime() - started) / 1_000_000);
            return result;
        } catch (BusinessError e) {
            outcome = e.errorName();
            span.setAttribute("aws.step_functions.error", e.errorName());
            span.setStatus(StatusCode.ERROR, e.errorName());
            LOG.infof("step=%s outcome=%s ms=%d reason=\"%s\"", step, e.errorName(), (System.nanoTime() - started) / 1_000_000,
                    e.getMessage());
            throw e;
        } catch (RuntimeException e) {
            Telemetry.failed(span, e);
            long ms = (System.nanoTime() - started) / 1_000_000;
            if (FAILURES_SEEN
                    .firstTime(step + "|" + task.executionId() + "|" + e.getClass().getName() + "|" + e.getMessage())) {
                LOG.errorf(e, "step=%s outcome=failed ms=%d", step, ms);
            } else {
                // The saga retries a technical failure: each attempt is a line, the trace is logged once.
                LOG.errorf("step=%s outcome=failed ms=%d error=%s: %s (the same failure as before; its trace is above)", step,
                        ms, e.getClass().getName(), e.getMessage());
            }
            throw e;
        } finally {
            metrics.stepEnded(machine, step, outcome, java.time.Duration.ofNanos(System.nanoTime() - started));
            span.setAttribute("sagaline.outcome", outcome);
            MDC.remove("tenant");
            MDC.remove("orderId");
            MDC.remove("executionId");
            scope.close();
            span.end();
            telemetry.endOfInvocation();
        }
    }
}
