package io.sagaline.platform.saga;

import java.util.Optional;

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
    private final String machine;
    private final Optional<String> configuredArn;

    /**
     * {@code arn} is {@code sagaline.state-machines.<machine>.arn}. In AWS only the functions whose
     * catalog entry starts or redrives the machine are given it, and every other function must
     * still start: so it is asked for when used, not when this bean is made.
     */
    public SagaLauncher(SfnClient sfn, String machine, Optional<String> arn) {
        this.sfn = sfn;
        this.machine = machine;
        this.configuredArn = arn;
    }

    private String stateMachineArn() {
        return configuredArn.orElseThrow(() -> new IllegalStateException("no ARN of state machine " + machine
                + " (sagaline.state-machines." + machine + ".arn): does this function's catalog entry declare it?"));
    }

    /** The ARN Step Functions gives the execution named {@code name}, known before it starts. */
    public String executionArn(String name) {
        return stateMachineArn().replace(":stateMachine:", ":execution:") + ":" + name;
    }

    /** Starts the execution; an execution of the same name means it was started before. */
    public void start(String name, String input) {
        try {
            sfn.startExecution(
                    StartExecutionRequest.builder().stateMachineArn(stateMachineArn()).name(name).input(input).build());
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
                    StartExecutionRequest.builder().stateMachineArn(stateMachineArn()).name(name).input(input).build());
        } catch (ExecutionAlreadyExistsException e) {
            String arn = executionArn(name);
            ExecutionStatus status = sfn.describeExecution(r -> r.executionArn(arn)).status();
            if (status == ExecutionStatus.FAILED || status == ExecutionStatus.TIMED_OUT || status == ExecutionStatus.ABORTED) {
                sfn.redriveExecution(r -> r.executionArn(arn));
            }
        }
    }
}
