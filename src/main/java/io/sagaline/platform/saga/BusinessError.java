package io.sagaline.platform.saga;

/**
 * A business outcome a saga reacts to. The error name that Step Functions matches in
 * {@code Retry}/{@code Catch} is the Lambda error type, which the Quarkus Lambda runtime
 * reports as the class name of the exception a handler throws; subclasses are therefore named
 * after the error ({@code io.sagaline.inventory.OutOfStock}) and carry no stack trace: they are
 * answers, not bugs.
 */
public abstract class BusinessError extends RuntimeException {

    protected BusinessError(String message) {
        super(message, null, false, false);
    }

    /** The name ASL {@code ErrorEquals} matches: exactly what AWS Lambda reports as errorType. */
    public String errorName() {
        return getClass().getName();
    }
}
