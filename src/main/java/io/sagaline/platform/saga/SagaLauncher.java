package io.sagaline.platform.saga;

import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.ExecutionAlreadyExistsException;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;
import software.amazon.awssdk.services.sfn.model.StartExecutionRequest;

/**
 * Starts executions of one state machine through the Step Functions API: in AWS a real execution,
 * locally the embedded interpreter. Executions are named by the caller, so starting one again
 * with the same name is the same execution.
 */
public class SagaLauncher {

    private final SfnClient sfn;
    private final String stateMachineArn;

    public SagaLauncher(SfnClient sfn, String stateMachineArn) {
        this.sfn = sfn;
        this.stateMachineArn = stateMachineArn;
    }

    /** The ARN Step Functions gives the execution named {@code name}, known before it starts. */
    public String executionArn(String name) {
        return stateMachineArn.replace(":stateMachine:", ":execution:") + ":" + name;
    }

    /** Starts the execution; an execution of the same name means it was started before. */
    public void start(String name, String input) {
        try {
            sfn.startExecution(
                    StartExecutionRequest.builder().stateMachineArn(stateMachineArn).name(name).input(input).build());
        } catch (ExecutionAlreadyExistsException e) {
            // Started before (this is a replay): the saga is already under way or done.
        }
    }

    /**
     * Starts the execution, or, if one of that name ended without succeeding (failed, timed out,
     * aborted), redrives it from where it stopped: how a request that asks again for a saga
     * whose execution got stuck makes it go on.
     */
    public void startOrRedrive(String name, String input) {
        try {
            sfn.startExecution(
                    StartExecutionRequest.builder().stateMachineArn(stateMachineArn).name(name).input(input).build());
        } catch (ExecutionAlreadyExistsException e) {
            String arn = executionArn(name);
            ExecutionStatus status = sfn.describeExecution(r -> r.executionArn(arn)).status();
            if (status == ExecutionStatus.FAILED || status == ExecutionStatus.TIMED_OUT || status == ExecutionStatus.ABORTED) {
                sfn.redriveExecution(r -> r.executionArn(arn));
            }
        }
    }
}
