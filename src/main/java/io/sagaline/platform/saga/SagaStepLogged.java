package io.sagaline.platform.saga;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import jakarta.interceptor.InterceptorBinding;

/**
 * A saga step handler whose every invocation is logged with its correlation ids and outcome, traced
 * as a span and measured (its latency; for a compensation, that it ran).
 */
@InterceptorBinding
@Target({ ElementType.TYPE, ElementType.METHOD })
@Retention(RetentionPolicy.RUNTIME)
public @interface SagaStepLogged {

    /** For a compensation: the step whose effect it undoes (e.g. release-stock undoes reserve-stock). */
    @jakarta.enterprise.util.Nonbinding
    String compensates() default "";
}
