package io.sagaline.platform.saga;

/**
 * What every saga task input carries: the tenant, the order the saga is for (the key a step and
 * its compensation share) and the execution that sent it (the correlation id of its logs).
 */
public interface SagaTask {

    String tenant();

    String orderId();

    String executionId();
}
