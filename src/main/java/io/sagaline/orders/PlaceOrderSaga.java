package io.sagaline.orders;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.ExecutionAlreadyExistsException;
import software.amazon.awssdk.services.sfn.model.StartExecutionRequest;

/**
 * Starts the PlaceOrder state machine through the Step Functions API: in AWS a real execution,
 * locally the embedded interpreter. The execution is named after the order, so starting it again
 * with the same input is the same execution.
 */
@ApplicationScoped
public class PlaceOrderSaga {

    private final SfnClient sfn;
    private final String stateMachineArn;

    PlaceOrderSaga(SfnClient sfn, @ConfigProperty(name = "sagaline.state-machines.place-order.arn") String stateMachineArn) {
        this.sfn = sfn;
        this.stateMachineArn = stateMachineArn;
    }

    /** The ARN Step Functions gives the execution named {@code name}, known before it starts. */
    public String executionArn(String name) {
        return stateMachineArn.replace(":stateMachine:", ":execution:") + ":" + name;
    }

    /** Starts the execution; a closed execution of the same name means it already ran. */
    public void start(String name, String input) {
        try {
            sfn.startExecution(StartExecutionRequest.builder()
                    .stateMachineArn(stateMachineArn).name(name).input(input).build());
        } catch (ExecutionAlreadyExistsException e) {
            // Started before (this is a replay): the order's saga is already under way or done.
        }
    }
}
