package io.sagaline.platform.http;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * What an HTTP function takes and answers, for the OpenAPI document the local runtime generates
 * from the catalog's routes: the body it reads ({@code Void} for none), the body it answers with
 * and that answer's status, the query parameters it reads and the headers it honours. The function
 * reads and writes exactly these types; a test keeps the document and the contract in step.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface HttpContract {

    Class<?> request() default Void.class;

    Class<?> response();

    int status() default 200;

    /** Query parameters, each {@code name: description}. */
    String[] query() default {};

    /** Request headers beyond x-api-key, each {@code name: description}. */
    String[] headers() default {};
}
